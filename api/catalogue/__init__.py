"""Catalogue: categories, brands, product models, registered units and their repair history."""
