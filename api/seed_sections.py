"""Imports every domain's seed module so that its sections are registered."""
