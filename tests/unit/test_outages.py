"""An outage (store away, disk full) is told apart from a bug, at every door."""

from __future__ import annotations

import errno
from typing import Any

import pytest
from graphql import GraphQLError
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError, WriteError

from hub.errors import Codes, HubError
from hub.graphql.errors import shape_error
from hub.store.outages import as_outage

FULL_WRITE = WriteError(
    "database or disk is full", 8, {"index": 0, "code": 8, "errmsg": "database or disk is full"}
)


@pytest.mark.parametrize(
    "exc",
    [
        ServerSelectionTimeoutError("127.0.0.1:1: [Errno 111] Connection refused, Timeout: 5.0s"),
        AutoReconnect("127.0.0.1:1: Connection is closed"),
    ],
)
def test_a_store_that_does_not_answer_is_store_unavailable(exc: Exception) -> None:
    found = as_outage(exc)
    assert found is not None and found.kind == Codes.STORE_UNAVAILABLE


def test_an_outage_raised_from_inside_another_error_is_still_found() -> None:
    try:
        try:
            raise AutoReconnect("closed")
        except AutoReconnect as inner:
            raise RuntimeError("loading the story failed") from inner
    except RuntimeError as outer:
        found = as_outage(outer)
    assert found is not None and found.code == "STORE_UNAVAILABLE"


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        FULL_WRITE,
    ],
)
def test_a_full_disk_under_blobs_or_store_is_storage_full(exc: Exception) -> None:
    found = as_outage(exc)
    assert found is not None and found.kind == Codes.STORAGE_FULL
    assert "磁盘" in found.message_zh and "disk" in found.message_en


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bug"),
        OSError(errno.EACCES, "Permission denied"),
        WriteError("bad", 2),
        KeyError("x"),
    ],
)
def test_other_failures_are_not_outages(exc: Exception) -> None:
    assert as_outage(exc) is None


def _resolver_error(original: Exception) -> dict[str, Any]:
    error = GraphQLError("boom", path=["createStory"], original_error=original)
    return dict(shape_error(error).extensions or {})


def test_graphql_reports_a_store_outage_as_store_unavailable_not_internal() -> None:
    ext = _resolver_error(ServerSelectionTimeoutError("no server"))
    assert ext["code"] == "STORE_UNAVAILABLE"
    assert (
        ext["message_zh"] == Codes.STORE_UNAVAILABLE.zh
        and ext["message_en"] == Codes.STORE_UNAVAILABLE.en
    )


def test_graphql_reports_a_full_store_disk_as_storage_full() -> None:
    assert _resolver_error(FULL_WRITE)["code"] == "STORAGE_FULL"


def test_graphql_still_masks_a_bug_as_internal() -> None:
    assert _resolver_error(ValueError("bug"))["code"] == "INTERNAL"


def test_rest_answers_an_outage_with_its_status_and_a_retry_after() -> None:
    from hub.rest.responses import internal_error_handler

    class _Req:
        class url:
            path = "/media/uploads"

    response = internal_error_handler(_Req(), AutoReconnect("closed"))  # type: ignore[arg-type]
    assert response.status_code == 503 and response.headers["retry-after"]
    assert response.content["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"
    full = internal_error_handler(_Req(), OSError(errno.ENOSPC, "No space left on device"))  # type: ignore[arg-type]
    assert full.status_code == 507
    assert full.content["errors"][0]["extensions"]["code"] == "STORAGE_FULL"


def test_a_hub_error_of_another_kind_is_not_an_outage() -> None:
    assert as_outage(HubError(Codes.NOT_FOUND, what_zh="稿件", what_en="story", id="x")) is None


async def test_a_mongodb_server_that_does_not_answer_fails_within_the_store_timeout_as_store_unavailable() -> (
    None
):
    import time

    from hub.embedded.store import free_port
    from hub.wiring import connect

    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        await connect(
            f"mongodb://127.0.0.1:{free_port()}/?directConnection=true", "nowhere", timeout_s=0.5
        )
    took = time.monotonic() - started
    assert took < 10, (
        f"took {took:.1f}s; PyMongo's own default would wait 30 s"
    )  # generous bound on a busy machine
    found = as_outage(caught.value)
    assert found is not None and found.code == "STORE_UNAVAILABLE"
    # PyMongo's async client drops the socket of a refused connection without closing
    # it; collect it here, where that is expected, not in whichever test runs next
    import gc
    import warnings

    del caught
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_a_full_disk_reported_as_text_by_the_search_index_is_storage_full() -> None:
    found = as_outage(
        ValueError(
            "Failed to commit: An IO error occurred: 'No space left on device (os error 28)'"
        )
    )
    assert found is not None and found.code == "STORAGE_FULL"
