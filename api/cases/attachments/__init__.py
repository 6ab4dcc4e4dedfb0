"""Files attached to a case: invoices, nameplates, fault photos, documents."""
