"""Server text made safe for a terminal, for the CLI and the TUI alike.

Titles, bodies and names come from operators and from Wazuh alerts, whose logs carry what
attackers typed (an ssh user name, a URL path). A control character there, ESC above all,
would reach the operator's terminal as a command: retitle the window, clear the screen,
overwrite a line. Bidirectional overrides would make a line read other than it is
("Trojan Source"). Shown, each becomes its escape ("\\x1b", "\\u202e"), so the evidence
stays readable.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline (callers lay those out), DEL, C1 controls, and the
#: bidirectional embeddings, overrides and isolates
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    return CONTROL.sub(escape, text)
