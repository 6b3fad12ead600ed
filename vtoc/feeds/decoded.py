"""What a feed's decoder makes of a batch of lines: fixes to send, and the bad lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from vtoc.schemas import FixIn

KNOTS = 1852 / 3600  # metres a second in a knot
FEET = 0.3048


@dataclass
class Decoded:
    fixes: list[FixIn] = field(default_factory=list)
    #: where each fix came from (a byte offset, or an index), to name one the server refused
    origins: list[int] = field(default_factory=list)
    #: (where, why) of each line that could not be read
    bad: list[tuple[int, str]] = field(default_factory=list)
    #: lines that were fine but carry no position (satellites in view, a void fix, …)
    skipped: int = 0

    def add(self, fix: FixIn | None, origin: int) -> None:
        """A line's fix, or None for a line without a position (counted as skipped)."""
        if fix is None:
            self.skipped += 1
            return
        self.fixes.append(fix)
        self.origins.append(origin)
