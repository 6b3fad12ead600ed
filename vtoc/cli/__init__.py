"""The ``vtoc`` command line: every action scriptable."""
