"""vTOC: a terminal-first tactical operations center."""

__version__ = "0.1.0"
