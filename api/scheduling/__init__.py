"""Technicians, service areas, visit availability and visit booking."""
