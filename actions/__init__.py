"""Custom actions and form validation served to the dialogue engine (rasa-sdk protocol)."""
