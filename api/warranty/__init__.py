"""Warranty and entitlement decisions: policy data, the pure rules engine, fault-text matching."""
