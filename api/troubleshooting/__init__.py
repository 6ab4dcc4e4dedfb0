"""Troubleshooting knowledge base: remote fault-finding guides, brand error codes and matching."""
