"""Tenants, 融媒号 accounts, users, OAuth clients and their credentials."""
