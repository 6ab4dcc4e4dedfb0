"""Keeping the consumer informed: a case that has been quiet too long in its state gets a
progress message, and the company's systems are told it went quiet."""
