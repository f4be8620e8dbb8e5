"""graphql-core's executor without its reference cycle: a request's objects freed at once.

graphql-core (3.3) gives every executor `async_helpers`, a tuple of two of its own bound
methods: executor → helpers → bound method → executor, a reference cycle. Everything an
execution holds hangs off it (the request's Context, its repositories and DataLoaders,
the resolve infos, the collected fields: about 100 objects for a story by id, 170 for a
column page), so none of it is freed when the request ends, only by the cyclic garbage
collector: under load a young collection found some 11,500 such objects each time, and
the older collections walked what was still waiting (86 ms of CPU for one, measured in
`python -m bench.inproc story`; the pauses were the latency tail of the cold read rows).

Here the helpers reach their executor through a weak reference. A resolver calls them
while its executor runs (and is referenced by the running execution), so the executor is
always there; sub-executors (copies) share the same helpers, as in graphql-core.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import GraphQLResolveInfoHelpers


def weak_helpers(executor: Any) -> GraphQLResolveInfoHelpers:
    """`executor.async_helpers` calling its methods through a weak reference."""
    ref = weakref.ref(executor)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return _alive(ref).gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        _alive(ref).track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def _alive(ref: weakref.ref[Any]) -> Any:
    executor = ref()
    if executor is None:  # only a resolver outliving its execution could get here
        raise RuntimeError("the GraphQL execution these helpers belong to has ended")
    return executor
