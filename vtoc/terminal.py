"""Server text made safe for a terminal, for the CLI and the TUI alike.

Titles, bodies and names come from operators and from Wazuh alerts, whose logs carry what
attackers typed (an ssh user name, a URL path). A control character there, ESC above all,
would reach the operator's terminal as a command: retitle the window, clear the screen,
overwrite a line. Shown, each becomes its escape ("\\x1b"), so the evidence stays readable.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline (callers lay those out), DEL, and C1 controls
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)
