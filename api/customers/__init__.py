"""Customers: the consumers the assistant serves, keyed by their chat channel identity."""
