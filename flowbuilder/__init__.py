"""Flowbuilder: lifecycle-marketing journeys for marketers, run by a set-based executor."""
