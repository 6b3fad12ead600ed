"""The automation agents: monitor, analyzer, executor."""
