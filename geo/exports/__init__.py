"""Outputs for people: the meeting report model and its renderers, privacy rules, route cards and GPX."""
