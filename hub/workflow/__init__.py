"""The newsroom workflow: leads, topics, assignments, review chains (三审) and checks."""
