"""The GraphQL API: strawberry types, queries, mutations, loaders and limits."""
