"""Litestar controllers: GraphQL over HTTP, health, metrics."""
