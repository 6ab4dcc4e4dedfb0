"""Aftersales Assistant: the command line and what every service shares."""
