"""Beanie documents and tenant-scoped repositories: the only code that talks to the store."""
