"""Error kinds of the search subsystem."""

from __future__ import annotations

from hub.errors import ErrorKind


class SearchCodes:
    SEARCH_UNAVAILABLE = ErrorKind(
        "SEARCH_UNAVAILABLE",
        "搜索服务暂时不可用,请稍后重试。",
        "Search is unavailable; try again later.",
        503,
    )
    SEARCH_INDEX_BUSY = ErrorKind(
        "SEARCH_INDEX_BUSY",
        "搜索索引正被另一个进程写入(例如正在运行的服务),请先停止它再重建索引。",
        "The search index is being written by another process (a running hub?); stop it before reindexing.",
        503,
    )
    SEARCH_TOO_DEEP = ErrorKind(
        "SEARCH_TOO_DEEP",
        "搜索结果只能翻到前 {limit} 条,请增加筛选条件缩小范围。",
        "Search results can be paged only through the first {limit}; narrow the search with filters.",
    )
