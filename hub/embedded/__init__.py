"""Embedded backends: what the hub starts itself when no production server is configured."""
