"""The TAK gateway: Cursor-on-Target in and out, as a client of the API."""
