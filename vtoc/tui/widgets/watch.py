"""The watch on the dashboard: the reports nobody has acknowledged, worst and newest first,
and a line counting the other things that need a human (late missions, failed tasks,
unreachable assets).

The list is replaced by each new read of ``/watch`` in place (``put`` and ``remove_row``),
so the report the operator has highlighted stays highlighted while others come and go.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from vtoc import schemas as s
from vtoc.tui.resources import Column, ago, operation_code, plain, styled
from vtoc.tui.widgets.row_list import RowList

#: the reports the panel keeps (the server's page per section)
SHOWN = 100


def urgency(report: s.WatchIntel) -> tuple[int, datetime, int]:
    return (report.severity.rank, report.created_at, report.id)


def due(report: s.WatchIntel) -> Text:
    if report.deadline is None:
        return Text("-", style="dim")
    if report.overdue:
        return Text(f"LATE {ago(report.deadline)}", style="bold red")
    return Text(ago(report.deadline))


COLUMNS = (
    Column("ID", lambda r: str(r.id), 7),
    Column("SEV", lambda r: styled(r.severity), 8),
    Column("ACK DUE", due, 9),
    Column("OP", lambda r: operation_code(r.operation_id), 9),
    Column("UNACKNOWLEDGED REPORT", lambda r: plain(r.title)),
)


def summary(watch: s.Watch) -> Text:
    """One line (cut, never wrapped: the list below keeps its place): what is open, the late
    ones in red."""
    late = sum(1 for r in watch.unacknowledged if r.overdue)
    others = (
        (len(watch.overdue_missions), "late missions"),
        (len(watch.failed_tasks), "failed tasks"),
        (len(watch.unreachable_assets), "assets unreachable"),
    )
    line = Text.assemble(
        ("Watch ", "bold"),
        f"{watch.unacknowledged_total} unacked",
        (f" ({late} late)", "bold red") if late else "",
        no_wrap=True,
        overflow="ellipsis",
    )
    for count, what in others:
        line.append(f" · {count} {what}", style="bold red" if count else "dim")
    return line


class WatchList(RowList):
    """Unacknowledged reports at or above the watch's severity; ``a`` (on the dashboard)
    acknowledges the highlighted one."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, cap=SHOWN, order=urgency, id=id)
        self.empty_text = "nothing unacknowledged"

    def show(self, watch: s.Watch) -> None:
        """The latest read: new reports in, acknowledged ones out, the highlight kept."""
        current = {r.id for r in watch.unacknowledged}
        for row_id in [i for i in self.rows_by_id if i not in current]:
            self.remove_row(row_id)
        self.put(watch.unacknowledged)
