"""Satisfaction surveys after a completed visit or a resolved handoff: scheduling outside the
consumer's quiet hours, answers, low-score follow-ups and the satisfaction report."""
