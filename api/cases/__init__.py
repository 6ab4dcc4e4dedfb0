"""Cases: a consumer's fault or service request, its status history and attachments."""
