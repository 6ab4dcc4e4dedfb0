"""Handoffs: conversations escalated to a human agent, queued, claimed and resolved."""
