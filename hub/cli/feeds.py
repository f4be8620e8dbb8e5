"""`ronghub feeds …`: partner feed operations from the shell."""

from __future__ import annotations

import click

from hub.cli.runner import CLI_ACTOR, out, run_with_store, when
from hub.settings import Settings


@click.group("feeds")
def feeds() -> None:
    """Partner feeds and webhooks: signing keys."""


@feeds.command("rotate-key")
@click.option(
    "--now",
    "immediate",
    is_flag=True,
    help="sign with the new key at once (single-process deployments)",
)
@click.option(
    "--alg",
    type=click.Choice(["ed25519", "sm2"]),
    default="ed25519",
    show_default=True,
    help="which key: Ed25519 (every partner) or SM2/SM3 (subscriptions and endpoints that chose SM2)",
)
def rotate_key(immediate: bool, alg: str) -> None:
    """Add a new partner signing key (Ed25519, or SM2 with --alg sm2). It is published in
    /feeds/jwks.json at once, signs after RONGHUB_KEY_ACTIVATION_SECONDS, and the old key
    keeps signing beside it for RONGHUB_FEED_KEY_OVERLAP_SECONDS."""
    from hub.audit.deferred import record
    from hub.signing import ED25519, SM2, FeedKeyDoc, rotate

    key_alg = SM2 if alg == "sm2" else ED25519

    async def work(settings: Settings) -> tuple[str, int]:
        key = await rotate(settings, immediate=immediate, alg=key_alg)
        doc = await FeedKeyDoc.find_one({"tenant": settings.platform_tenant, "_id": key.kid})
        at = doc.activates_at if doc else 0
        await record(
            settings.platform_tenant,
            CLI_ACTOR,
            "feeds.rotate_key",
            "feed_signing_key",
            key.kid,
            {"activates_at": at, "alg": key_alg},
        )
        return key.kid, at

    kid, at = run_with_store(work)
    out.print(
        f"新的合作方签名密钥 / new partner signing key {kid} ({key_alg}), 启用于 / signs from {when(at)}"
    )
