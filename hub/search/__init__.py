"""Search that is good at Chinese: analysis, the engine port, tantivy and Meilisearch.

See service.py for what the rest of the hub calls (including the outbox's
`handle_story_changed`) and analysis.py for how Chinese text is cut and folded.
"""
