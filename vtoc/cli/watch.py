"""``vtoc ack``, ``vtoc watch``, ``vtoc handover``: what the watch must see to, and passing
the watch to the next operator."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.output import Format, columns, render
from vtoc.cli.params import JsonOpt, OutputOpt, output_format
from vtoc.cli.session import client

ACKS = columns("report_id", "acked_by", "acked_at")


def ack(
    reports: Annotated[list[int], typer.Argument(help="Report ids.", show_default=False)],
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Acknowledge intelligence reports: you saw them. A report acknowledged already keeps
    its first acknowledgement.

    Example: vtoc ack 42 43
    """
    with client() as api:
        acks = [api.acknowledge(report) for report in reports]
    render(acks, ACKS, output_format(output, as_json))
