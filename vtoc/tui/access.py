"""How to reach the vTOC this TUI runs on, when the TUI started it (``vtoc up``).

The TUI holds the terminal while it runs: the token and the browser's address, printed
only after quitting, were out of reach exactly when the operator wanted them (to sign in
to the web UI, or use the CLI in another terminal). The help screen and the palette show
them instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    api_url: str
    token: str
    #: the web UI, when ``vtoc up --web`` serves it
    web_url: str | None = None

    def rows(self) -> list[tuple[str, str]]:
        """(what, where) lines, the browser first: the one a new user looks for."""
        browser = self.web_url or "not served (vtoc up --web serves the web UI)"
        return [
            ("browser", browser),
            ("API", self.api_url),
            ("API docs", f"{self.api_url}/api/docs"),
            ("token", self.token),
        ]
