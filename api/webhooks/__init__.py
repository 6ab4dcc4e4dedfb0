"""Signed webhooks: domain events from the outbox, delivered to the company's systems."""
