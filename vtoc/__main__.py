"""``python -m vtoc`` is ``vtoc``."""

from vtoc.cli.entry import run

run()
