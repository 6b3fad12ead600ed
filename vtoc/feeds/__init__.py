"""Feeds: readers of the outside world's files, devices and streams (Wazuh alerts, NMEA,
AIS, ADS-B) for the CLI to send. Clients of the API like the agents: never the server."""
