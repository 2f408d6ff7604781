"""Residents\x27 assessment of safety and trust: the questionnaire, its answers, their scores and what may be shown."""
