"""The published fee schedule for paid repairs: versioned data, one version active."""
