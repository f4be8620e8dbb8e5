"""The hooks a channel plugin implements (pluggy project name "ronghub").

A channel plugin is a module or object registered under the entry-point group
`ronghub.channels`; the hub calls each hook on one plugin at a time, so a plugin never
has to check which channel it is asked about. Implementations may take any subset of
a hook's arguments (pluggy passes them by name). Hooks marked *async* may be written
as `async def`; the hub awaits them. Every hook here has a docstring and a test; a
test in the hub fails when one is missing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import pluggy

from ronghub_sdk._types import (
    ChannelInfo,
    Checkpoints,
    DeliveryResult,
    Finding,
    Metrics,
    PlatformStatus,
    Problem,
    RenderContext,
    StoryInput,
    Variant,
)

PROJECT = "ronghub"
ENTRY_POINT_GROUP = "ronghub.channels"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def describe() -> ChannelInfo:  # type: ignore[empty-body]
    """Describe the channel: name, Chinese title, transport kind, capabilities,
    configuration defaults (with every limit) and the configuration JSON Schema.

    Called once when the plugin loads; a plugin that fails here is reported and skipped.
    """


@hookspec(firstresult=True)
def render(  # type: ignore[empty-body]
    story: StoryInput,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any],
    previous: Variant | None,
    context: RenderContext,
) -> Variant:
    """Render the channel's variant of an approved revision.

    `config` is the channel configuration merged over `describe().defaults`.
    `overrides` are fields an editor set by hand (a shorter 抖音 text, a WeChat
    digest): they replace the rendered values and are listed in `Variant.overridden`.
    `previous` is this channel's variant of the story's earlier revision, if any, so
    numbers issued once (索引号) stay the same. Pure: no network, no files.
    """


@hookspec(firstresult=True)
def validate(variant: Variant, config: Mapping[str, Any]) -> Sequence[Problem]:  # type: ignore[empty-body]
    """Check a variant (overrides included) against the channel's rules and limits.

    Return every problem found (empty when the variant may be delivered), each with a
    stable code, the field and Chinese and English messages an editor can act on.
    Pure: no network, no files.
    """


@hookspec(firstresult=True)
def deliver(  # type: ignore[empty-body]
    variant: Variant,
    config: Mapping[str, Any],
    transport: Any,
    idempotency_key: str,
    checkpoints: Checkpoints,
) -> Awaitable[DeliveryResult]:
    """*Async.* Publish a validated variant through `transport` (the protocol of the
    channel's `TransportKind`, see ronghub_sdk.transports) and return the external id,
    URL and the platform's first status.

    `idempotency_key` is stable across retries of the same publication: send it where
    the platform accepts one, or use it to name what is written, so a retry after a
    crash does not publish twice. Where the platform takes several calls and accepts no
    key, keep each completed step in `checkpoints` (e.g. the uploaded video's id, the
    draft's media_id) and skip it when a retry finds it there. Raise
    TransientDeliveryError to be retried later, PermanentDeliveryError when the
    platform refused for good.
    """


@hookspec(firstresult=True)
def poll_status(  # type: ignore[empty-body]
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: Any,
) -> Awaitable[PlatformStatus]:
    """*Async.* Ask the platform what became of a delivered item (accepted, under
    review, rejected with reason, live, removed). Set `final` when polling can stop.

    Called for channels declaring `Capability.POLL_STATUS` while the item is submitted or
    accepted and its last status was not final: poll n is due `poll_interval_s` × 1.5^(n−1)
    seconds after the previous answer (the factor stops at 1.5^10, no wait over an hour;
    5 s, 7.5 s, 11.25 s … by default), at most 200 times (sdk/README.md)."""


@hookspec(firstresult=True)
def receive_status(
    delivery: DeliveryResult,
    report: Mapping[str, Any],
    config: Mapping[str, Any],
) -> PlatformStatus | None:
    """Turn a status report the platform (or its operators) sent to the hub into a
    status, e.g. a 学习强国 adoption (采用) report. Return None when the report is not
    about this delivery; raise PermanentDeliveryError (with a Chinese reason) when it is
    but cannot be read: the hub then refuses it and changes nothing. Pure: the hub has
    already authenticated the report."""


@hookspec(firstresult=True)
def fetch_metrics(  # type: ignore[empty-body]
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: Any,
) -> Awaitable[Metrics]:
    """*Async.* Fetch the platform's **cumulative** counts for a delivered item (views
    in the channel's own unit, likes, comments, shares, favorites, completion rate,
    学习强国 adoption and score; None for what the platform does not report).

    Called on a stored schedule once the item is delivered for good (LIVE, or ACCEPTED
    on a channel that does not poll): 5, 15, 30 min, 1, 2, 4, 8, 12 h, then 1, 2, 3, 5,
    7, 14, 21, 30 days by default (`RONGHUB_METRICS_AFTER_S`). Raise
    TransientDeliveryError when the figures are not there yet or the platform is busy:
    the fetch is retried with backoff and never given up, so an outage loses no period.
    Raise PermanentDeliveryError to stop following the item. The hub works out each
    period's growth from successive answers (sdk/README.md, docs/reach.md)."""


@hookspec(firstresult=True)
def retract(  # type: ignore[empty-body]
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: Any,
    idempotency_key: str,
    reason: str,
) -> Awaitable[DeliveryResult]:
    """*Async.* Take a delivered item down (撤稿) and return its new status (REMOVED).
    Must succeed when the item is already gone, so a retried takedown is harmless."""


@hookspec(firstresult=True)
def correct(  # type: ignore[empty-body]
    variant: Variant,
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: Any,
    idempotency_key: str,
    checkpoints: Checkpoints,
) -> Awaitable[DeliveryResult]:
    """*Async.* Replace a delivered item with the variant of a corrected revision
    (更正), in place where the platform allows it, else by removing and republishing;
    return where the corrected item now lives. `checkpoints` as for `deliver`."""


@hookspec(firstresult=True)
def assemble_edition(  # type: ignore[empty-body]
    variants: Sequence[Variant],
    config: Mapping[str, Any],
    edition_date: str,
) -> Variant:
    """Assemble one edition from several stories' variants (手机报 daily edition);
    only channels with the EDITIONS capability implement it. `edition_date` is
    YYYY-MM-DD. The result is validated and delivered like any variant."""


@hookspec
def check_story(story: StoryInput, config: Mapping[str, Any]) -> Sequence[Finding]:  # type: ignore[empty-body]
    """Check a story's current revision before sign-off (审稿) and return its findings.

    Unlike the channel hooks this one is called on *every* plugin that implements it
    (the hub's built-in checks: sensitive words, source rules, proofreading hints, and
    any channel or check plugin); the results are concatenated. `story` is the
    revision under review (not yet approved: `approved_by` is None). `config` is the
    center's check configuration: `sensitive_words` (a list of {text, level
    "block"|"warn", suggestion, note}), `word_list_version` (changes whenever the list
    does, for caching compiled matchers), `allowed_sources` (转载 sources), `tenant`, and
    (from the hub) `texts`: every plain text of the story a reader or a platform sees, by
    field path ("title", "body", "body.img[0].alt", "byline", "tags.0", "source.source_name",
    "metadata.…", "channel_overrides.<channel>.…", "assets.<id>.caption" …); a check that
    reads text should read all of these, and report findings with these field names.
    Return an empty sequence when nothing is found. Pure and fast: no network, no files;
    it runs on every `storyChecks` query and every sign-off.
    """


HOOK_NAMES: tuple[str, ...] = (
    "describe",
    "render",
    "validate",
    "deliver",
    "poll_status",
    "receive_status",
    "fetch_metrics",
    "retract",
    "correct",
    "assemble_edition",
    "check_story",
)
#: How firmly each hook's signature and contract are kept. *stable*: changed only with a
#: new major version of ronghub-sdk, after a deprecation period. *experimental*: may still
#: change in a minor version (the CHANGELOG says how); pin the SDK's minor version.
HOOK_STABILITY: dict[str, str] = {
    "describe": "stable",
    "render": "stable",
    "validate": "stable",
    "deliver": "stable",
    "poll_status": "stable",
    "fetch_metrics": "stable",
    "retract": "stable",
    "correct": "stable",
    "receive_status": "experimental",
    "assemble_edition": "experimental",
    "check_story": "experimental",
}
#: Entry-point group of plugins that only contribute checks (`check_story`), no channel.
CHECKS_ENTRY_POINT_GROUP = "ronghub.checks"
ASYNC_HOOKS: frozenset[str] = frozenset(
    {"deliver", "poll_status", "fetch_metrics", "retract", "correct"}
)
