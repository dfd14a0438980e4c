"""Advise: an indicator library of precedent forms, `suggest` (a cited draft) and `review` (an audit)."""
