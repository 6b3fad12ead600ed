"""The operator's live dashboard (Textual)."""
