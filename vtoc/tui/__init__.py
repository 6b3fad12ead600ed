"""The Textual TUI: the operator's live dashboard. Talks to the server only over HTTP."""
