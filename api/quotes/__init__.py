"""Quotes for paid work: posted by the technician, approved or declined by the consumer."""
