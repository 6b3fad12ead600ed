"""``python -m vtoc`` is ``vtoc``."""

from vtoc.cli.main import run

run()
