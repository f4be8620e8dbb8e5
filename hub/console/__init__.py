"""融汇编辑台: the newsroom console, a browser client of the public GraphQL API and media endpoints."""
