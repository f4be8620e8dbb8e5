"""`ronghub admin|tenant|user|client|keys|audit …`: identity operations from the shell.

Each command opens the configured store (or starts the embedded one), does one thing
and reports it. They act as the hub itself (a system scope) and are audited as `cli`.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from hub.cli.runner import CLI_ACTOR, console, fail, out, run_with_store, when
from hub.settings import Settings

T = TypeVar("T")


def _scope(tenant: str) -> Any:
    from hub.store.scope import Scope

    return Scope(tenant=tenant, actor=CLI_ACTOR, public_only=False)


@click.group("admin")
def admin() -> None:
    """Platform administration."""


@admin.command("create-platform-admin")
@click.option("--username", required=True)
@click.option("--display-name", default="平台管理员", show_default=True)
@click.password_option("--password", confirmation_prompt=False, envvar="RONGHUB_ADMIN_PASSWORD")
def create_platform_admin(username: str, display_name: str, password: str) -> None:
    """Create the platform tenant (if missing) and a platform administrator in it."""
    from hub.domain.permissions import Grant, Role
    from hub.identity.directory import UserRepository, create_tenant
    from hub.store.documents import TenantDoc

    async def work(settings: Settings) -> str:
        platform = settings.platform_tenant
        if await TenantDoc.find_one({"_id": platform, "tenant": platform}) is None:
            await create_tenant(platform, "省级平台", CLI_ACTOR, kind="platform")
        user = await UserRepository(_scope(platform)).create(
            username, display_name, password, [Grant(Role.PLATFORM_ADMIN)]
        )
        return user.id

    try:
        user_id = run_with_store(work)
    except Exception as exc:
        fail(exc)
    out.print(f"平台管理员已创建 / platform admin {username} ({user_id})")


@click.group("tenant")
def tenant() -> None:
    """Centers (tenants)."""


@tenant.command("create")
@click.argument("tenant_id")
@click.argument("name")
def tenant_create(tenant_id: str, name: str) -> None:
    """Create a center: TENANT_ID is a lower-case slug, NAME e.g. 某某县融媒体中心."""
    from hub.identity.directory import create_tenant

    async def work(settings: Settings) -> None:
        await create_tenant(tenant_id, name, CLI_ACTOR)

    try:
        run_with_store(work)
    except Exception as exc:
        fail(exc)
    out.print(f"中心已创建 / tenant {tenant_id} {name}")


@click.group("user")
def user() -> None:
    """Users of a center."""


@user.command("create")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--username", required=True)
@click.option("--display-name", required=True)
@click.option(
    "--grant",
    "grants",
    multiple=True,
    help="editor, reviewer:final, account_operator@<accountId> … (repeat)",
)
@click.option("--email")
@click.password_option("--password", confirmation_prompt=False, envvar="RONGHUB_USER_PASSWORD")
def user_create(
    tenant_id: str,
    username: str,
    display_name: str,
    grants: tuple[str, ...],
    email: str | None,
    password: str,
) -> None:
    """Create a user with role grants in a center."""
    from hub.identity.directory import UserRepository, parse_grants

    async def work(settings: Settings) -> str:
        doc = await UserRepository(_scope(tenant_id)).create(
            username, display_name, password, parse_grants(grants), email
        )
        return doc.id

    try:
        user_id = run_with_store(work)
    except Exception as exc:
        fail(exc)
    out.print(
        f"用户已创建 / user {username} ({user_id}) in {tenant_id}: {', '.join(grants) or '无角色 no roles'}"
    )


def _change_user(
    tenant_id: str, username: str, change: str, password: str | None = None
) -> tuple[str, int]:
    """Disable/enable a user, reset their password or end their sessions, by username.
    A running hub refuses the user's older tokens within RONGHUB_KEY_REFRESH_SECONDS."""
    from hub.errors import Codes, HubError
    from hub.identity.directory import UserRepository

    async def work(settings: Settings) -> tuple[str, int]:
        repo = UserRepository(_scope(tenant_id))
        found = await repo.by_username(username)
        if found is None:
            raise HubError(Codes.NOT_FOUND, what_zh="用户", what_en="user", id=username)
        if change == "disable":
            doc = await repo.set_disabled(found.id, True)
        elif change == "enable":
            doc = await repo.set_disabled(found.id, False)
        elif change == "password":
            assert password is not None
            doc = await repo.set_password(found.id, password)
        else:
            doc = await repo.end_sessions(found.id)
        return doc.id, doc.session_epoch

    try:
        return run_with_store(work)
    except Exception as exc:
        fail(exc)
        raise


@user.command("revoke-sessions")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--username", required=True)
def user_revoke_sessions(tenant_id: str, username: str) -> None:
    """Sign a user out everywhere: their access and refresh tokens stop working."""
    user_id, epoch = _change_user(tenant_id, username, "revoke")
    out.print(f"会话已结束 / sessions of {username} ({user_id}) ended (session epoch {epoch})")


@user.command("disable")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--username", required=True)
def user_disable(tenant_id: str, username: str) -> None:
    """Disable a user: no sign-in, every session ends."""
    user_id, epoch = _change_user(tenant_id, username, "disable")
    out.print(
        f"用户已停用 / user {username} ({user_id}) disabled; sessions ended (session epoch {epoch})"
    )


@user.command("enable")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--username", required=True)
def user_enable(tenant_id: str, username: str) -> None:
    """Enable a disabled user again."""
    user_id, _ = _change_user(tenant_id, username, "enable")
    out.print(f"用户已启用 / user {username} ({user_id}) enabled")


@user.command("reset-password")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--username", required=True)
@click.password_option("--password", confirmation_prompt=False, envvar="RONGHUB_USER_PASSWORD")
def user_reset_password(tenant_id: str, username: str, password: str) -> None:
    """Set a new password (forgets the failed sign-ins counted for the username); every session of the user ends."""
    user_id, epoch = _change_user(tenant_id, username, "password", password)
    out.print(
        f"密码已重置 / password of {username} ({user_id}) reset; sessions ended (session epoch {epoch})"
    )


@click.group("client")
def client() -> None:
    """OAuth clients of partners and integrations."""


@client.command("create")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, default=("stories:read",), show_default=True)
def client_create(tenant_id: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create a client_credentials client; prints its id and secret (shown once)."""
    from hub.identity.directory import ClientRepository

    async def work(settings: Settings) -> tuple[str, str]:
        doc, secret = await ClientRepository(_scope(tenant_id)).create(name, scopes)
        return doc.id, secret

    try:
        client_id, secret = run_with_store(work)
    except Exception as exc:
        fail(exc)
    out.print(f"client_id={client_id}")
    out.print(f"client_secret={secret}")


def _in_center(tenant_id: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work` with the center's system scope: clients are looked up in that center only
    (another center's is NOT_FOUND). After a change, a running hub refuses the client's
    older tokens within RONGHUB_KEY_REFRESH_SECONDS."""

    async def go(settings: Settings) -> T:
        return await work(_scope(tenant_id))

    try:
        return run_with_store(go)
    except Exception as exc:
        fail(exc)
        raise


def _iso(ms: int | None) -> str | None:
    from datetime import UTC, datetime

    return (
        None
        if ms is None
        else datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
    )


def _day(ms: int | None) -> str:
    from datetime import UTC, datetime

    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


async def _existing_center(tenant_id: str) -> None:
    """NOT_FOUND naming the center, rather than an empty answer for a mistyped --tenant."""
    from hub.errors import Codes, HubError
    from hub.store.documents import TenantDoc

    if await TenantDoc.find_one({"_id": tenant_id, "tenant": tenant_id}) is None:
        raise HubError(Codes.NOT_FOUND, what_zh="中心", what_en="center", id=tenant_id)


@client.command("list")
@click.option("--tenant", "tenant_id", required=True)
@click.option(
    "--json", "as_json", is_flag=True, help="every field as JSON (times in ISO 8601, UTC)"
)
def client_list(tenant_id: str, as_json: bool) -> None:
    """List a center's clients: status, scopes, secret rotation, feed use. Never a secret."""
    import json

    from rich import box
    from rich.table import Table

    from hub.identity import clients

    async def work(scope: Any) -> Any:
        await _existing_center(tenant_id)
        return await clients.list_clients(scope)

    views = _in_center(tenant_id, work)
    if as_json:
        rows = [
            {
                "client_id": v.doc.id,
                "name": v.doc.name,
                "scopes": list(v.doc.scopes),
                "status": "disabled" if v.doc.disabled else "active",
                "disabled_reason": v.doc.disabled_reason,
                "created_at": _iso(v.doc.created_at),
                "secret_rotated_at": _iso(v.doc.secret_rotated_at),
                "old_secret_until": _iso(
                    max((p.expires_at for p in v.doc.previous_secrets), default=None)
                ),
                "feed_subscriptions": v.usage.feed_subscriptions,
                "webhook_endpoints": v.usage.webhook_endpoints,
                "webhook_endpoints_paused": v.usage.webhook_endpoints_paused,
            }
            for v in views
        ]
        click.echo(json.dumps({"tenant": tenant_id, "clients": rows}, ensure_ascii=False, indent=2))
        return
    # 80 columns: ids never cut, names fold; scopes and rotation times are in --json
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, padding=(0, 1))
    table.add_column("client_id", no_wrap=True)
    table.add_column("名称\nname", overflow="fold", ratio=1)  # two-line headers leave the name room
    for header in ("状态\nstatus", "创建\ncreated", "订阅/推送\nfeeds"):
        table.add_column(header, no_wrap=True)
    for v in views:
        d, u = v.doc, v.usage
        table.add_row(
            d.id,
            d.name,
            "停用 disabled" if d.disabled else "有效 active",
            _day(d.created_at),
            f"{u.feed_subscriptions}/{u.webhook_endpoints}",
        )
    out.print(table)
    for v in views:
        if v.doc.disabled:
            out.print(f"停用原因 / disabled: {v.doc.id} {v.doc.disabled_reason or '-'}")
    out.print(f"共 {len(views)} 个客户端 / {len(views)} client(s) in {tenant_id}")


@client.command("rotate-secret")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--client-id", required=True)
@click.option(
    "--keep-old-seconds",
    type=click.IntRange(0, 7 * 86_400),
    default=0,
    show_default=True,
    help="the old secret keeps working this long (at most 7 days), so the partner can deploy the new one",
)
@click.option(
    "--end-sessions",
    is_flag=True,
    help="also refuse the tokens already issued (only with --keep-old-seconds 0)",
)
def client_rotate_secret(
    tenant_id: str, client_id: str, keep_old_seconds: int, end_sessions: bool
) -> None:
    """Give a client a new secret; prints it (shown once)."""
    from hub.identity import clients

    async def work(scope: Any) -> tuple[Any, str]:
        return await clients.rotate_secret(scope, client_id, keep_old_seconds, end_sessions)

    view, secret = _in_center(tenant_id, work)
    out.print(f"client_id={view.doc.id}")
    out.print(f"client_secret={secret}")
    old = [
        p.expires_at
        for p in view.doc.previous_secrets
        if p.retired_at == view.doc.secret_rotated_at
    ]
    console.print(
        f"旧密钥继续有效至 / old secret accepted until {when(max(old))}"
        if old
        else "旧密钥即刻失效 / old secret refused from now on"
    )
    if end_sessions:
        console.print(
            f"此前签发的令牌已失效 / tokens issued before are refused (session epoch {view.doc.session_epoch})"
        )


@client.command("disable")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--client-id", required=True)
@click.option("--reason", required=True, help="why (audited), e.g. 密钥泄露 or 合作到期")
def client_disable(tenant_id: str, client_id: str, reason: str) -> None:
    """Cut a partner off: no tokens, its tokens and feeds refused, webhook deliveries paused."""
    from hub.identity import clients

    async def work(scope: Any) -> Any:
        return await clients.disable(scope, client_id, reason)

    view = _in_center(tenant_id, work)
    out.print(
        f"客户端已停用 / client {view.doc.id} ({view.doc.name}) disabled; tokens refused (session epoch "
        f"{view.doc.session_epoch}); {view.usage.webhook_endpoints_paused} webhook endpoint(s) paused"
    )


@client.command("enable")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--client-id", required=True)
def client_enable(tenant_id: str, client_id: str) -> None:
    """Enable a disabled client; its paused webhook endpoints resume in order."""
    from hub.identity import clients

    async def work(scope: Any) -> Any:
        return await clients.enable(scope, client_id)

    view = _in_center(tenant_id, work)
    out.print(
        f"客户端已启用 / client {view.doc.id} ({view.doc.name}) enabled; "
        f"{view.usage.webhook_endpoints_enabled} webhook endpoint(s) delivering"
    )


@click.group("keys")
def keys() -> None:
    """Token-signing keys."""


@keys.command("rotate")
@click.option(
    "--now",
    "immediate",
    is_flag=True,
    help="sign with the new key at once (single-process deployments)",
)
def keys_rotate(immediate: bool) -> None:
    """Add a new signing key; old keys verify until their tokens expire."""
    from hub.audit.deferred import record
    from hub.identity.keys import rotate

    async def work(settings: Settings) -> tuple[str, int]:
        doc = await rotate(settings, immediate=immediate)
        await record(
            settings.platform_tenant,
            CLI_ACTOR,
            "keys.rotate",
            "signing_key",
            doc.id,
            {"activates_at": doc.activates_at},
        )
        return doc.id, doc.activates_at

    kid, at = run_with_store(work)
    out.print(f"新签名密钥 / new signing key {kid}, 启用于 / signs from {when(at)}")


@click.group("audit")
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option("--tenant", "tenant_id", help="one center (default: every chain)")
def audit_verify(tenant_id: str | None) -> None:
    """Check every entry's hash, sequence and link; exit 1 naming the broken entries."""
    from hub.audit import log

    async def work(settings: Settings) -> list[tuple[str, int, list[log.Problem]]]:
        tenants = [tenant_id] if tenant_id else await log.tenants_with_entries()
        return [(t, *await log.verify(t)) for t in tenants]

    results = run_with_store(work)
    broken = False
    for name, count, problems in results:
        if problems:
            broken = True
            out.print(
                f"[red]已损坏 BROKEN[/red] {name}: {count} 条 entries, {len(problems)} 处问题 problem(s)"
            )
            for p in problems:
                out.print(f"  {p}")
        else:
            out.print(f"ok {name}: {count} entries 条,校验通过 / verified")
    if broken:
        sys.exit(1)


COMMANDS = (admin, tenant, user, client, keys, audit)
