"""Live newsroom events (locks, assignments, review queue) for GraphQL subscriptions."""
