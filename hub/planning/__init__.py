"""策、采: leads (线索), topics (选题), assignments (派单) and the dispatch view (指挥调度).

`rules.py` and `board.py` are plain code (state machines, overdue, the board's
grouping); `documents.py` and `store.py` keep them; `overdue.py` is the durable job
that notices a missed deadline. GraphQL lives in `hub/graphql/planning.py`.
"""
