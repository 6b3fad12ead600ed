"""``vtoc ssh serve``: the TUI and the CLI over SSH, one identity per enrolled key.

A client of the API like the agents: it never imports the server, and its own admin token
only lists keys and mints (then revokes) each session's short-lived token."""
