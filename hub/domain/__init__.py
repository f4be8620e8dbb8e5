"""Plain newsroom types and rules: no I/O, tested without a server."""
