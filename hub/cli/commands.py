"""The `ronghub` command: serving, the worker, the demo, the contracts and plugins; the
identity, feeds and media groups come from their modules beside this one."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
from rich.console import Console

from hub import __version__
from hub.cli import feeds, identity, media
from hub.cli.runner import Commands, console, logs_to_stderr
from hub.settings import Settings


def _settings(host: str | None, port: int | None) -> Settings:
    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    return Settings(**overrides)  # type: ignore[arg-type]


def _urls(settings: Settings, center: str | None = None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"[bold]Ronghub {__version__}[/bold] 已启动 / is running")
    # the center anonymous reads and the development token use: `--tenant` of the admin commands
    named = f"{center} " if center else ""
    console.print(
        f"  Center    {named}(tenant {settings.default_tenant})  默认中心 / the default center"
    )
    console.print(f"  Home      {base}/  首页 / home")
    if settings.console_enabled:
        console.print(f"  编辑台    {base}/console/  融汇编辑台 / the newsroom console")
    console.print(
        f"  GraphQL   {base}/graphql   "
        + (
            "(浏览器中为 GraphiQL / GraphiQL in a browser)"
            if settings.development
            else "查询接口 / the API"
        )
    )
    console.print(f"  OpenAPI   {base}/schema  接口文档 / API reference")
    console.print(f"  Health    {base}/healthz   {base}/readyz   {base}/metrics  健康检查 / health")
    console.print(f"  Data      {settings.data_dir.resolve()}  数据目录 / data folder")
    # The development token works only in development; elsewhere it is neither shown nor accepted.
    if settings.development and settings.effective_dev_token:
        console.print(
            f"  Token     Authorization: Bearer {settings.effective_dev_token}  (开发令牌 / development)"
        )
    console.print("  Ctrl-C 停止 / to stop")


@click.group(cls=Commands)
@click.version_option(__version__, prog_name="ronghub")
def main() -> None:
    """Ronghub (融汇): the content hub for converged media centers."""


@main.command()
@click.option("--host", help="address to bind (RONGHUB_HOST)")
@click.option("--port", type=int, help="port to bind (RONGHUB_PORT)")
def serve(host: str | None, port: int | None) -> None:
    """Start the hub (embedded store unless RONGHUB_MONGODB_URI is set)."""
    from hub.runtime import serve as run
    from hub.shutdown import stop_cleanly_on_signals

    with stop_cleanly_on_signals():
        run(_settings(host, port), banner=_urls)


@main.command()
@click.option("--host", help="address to bind (RONGHUB_HOST)")
@click.option("--port", type=int, help="port to bind (RONGHUB_PORT)")
def demo(host: str | None, port: int | None) -> None:
    """Start the hub with the demo center 示例区融媒体中心 and its stories."""
    from hub.demo.content import CENTER_NAME
    from hub.demo.seed import seed_demo
    from hub.runtime import serve as run
    from hub.shutdown import stop_cleanly_on_signals

    async def before(settings: Settings) -> None:
        created = await seed_demo(settings)
        console.print(
            f"示例区融媒体中心: {created} 篇示例稿件已写入 / demo stories created"
            if created
            else "示例区融媒体中心: 示例数据已存在 / demo data already present"
        )
        await _print_demo_users(settings)

    with stop_cleanly_on_signals():
        run(_settings(host, port), before=before, banner=lambda s: _urls(s, CENTER_NAME))


@main.command()
@click.option(
    "--check", is_flag=True, help="fail if the files differ from the code instead of writing"
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("openapi"), show_default=True)
def openapi(check: bool, out: Path) -> None:
    """Write openapi/openapi.json and openapi/schema.graphql from the code."""
    from hub.contracts import render_contracts

    drift = []
    for name, text in render_contracts().items():
        path = out / name
        if check:
            if not path.exists() or path.read_text() != text:
                drift.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            console.print(f"已写入 / wrote {path}")
    if drift:
        console.print(
            f"[red]已过期 / out of date:[/red] {', '.join(drift)} — 请运行 / run `ronghub openapi`"
        )
        sys.exit(1)


@main.command()
def worker() -> None:
    """Run a background worker (outbox relay and jobs) until SIGINT/SIGTERM.

    Uses RONGHUB_MONGODB_URI, or the embedded store of a hub running on the same
    RONGHUB_DATA_DIR. Any number of workers may run at once.
    """
    from hub.jobs.runner import run_worker_process

    sys.exit(run_worker_process(Settings()))


@main.command("seed-demo")
def seed_demo_cmd() -> None:
    """Write the demo center into the configured store (without serving)."""
    from hub.demo.seed import seed_demo
    from hub.runtime import command_store

    with command_store(Settings()) as settings:
        console.print(f"{asyncio.run(seed_demo(settings))} 篇示例稿件已写入 / stories created")
        asyncio.run(_print_demo_users(settings))


async def _print_demo_users(settings: Settings) -> None:
    from hub.demo.users import seed_demo_users

    users = await seed_demo_users(settings)
    console.print(
        "示例用户 / demo users (密码 password: RONGHUB_DEMO_PASSWORD, default 'ronghub-demo'):"
    )
    for demo, grants in users:
        console.print(f"  {demo.username:<16} {demo.display_name:<12} {', '.join(grants)}")
    console.print("  登录 / sign in: POST /oauth/token grant_type=password&username=…&password=…")


for command in (*identity.COMMANDS, feeds.feeds, media.media):
    main.add_command(command)


@main.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="the plugins and the failures as JSON")
def plugins_cmd(as_json: bool) -> None:
    """List the channel and check plugins that loaded (versions, hooks) and those that failed."""
    import json

    from rich import box
    from rich.table import Table

    from hub.channels import load_channels
    from hub.workflow.plugins import register_checks

    logs_to_stderr()  # a plugin that fails to load logs a warning; stdout stays the list
    manager = load_channels(Settings().plugins)
    register_checks(manager)
    if as_json:
        loaded = [
            {
                "channel": n,
                "title_zh": manager.get(n).info.title_zh,
                "version": manager.get(n).version,
                "transport": str(manager.get(n).info.transport),
                "source": manager.get(n).distribution or manager.get(n).source,
                "hooks": list(manager.get(n).hooks),
            }
            for n in manager.names()
        ]
        check_rows = [
            {"name": c.name, "version": c.version, "source": c.distribution or c.source}
            for c in manager.checks.values()
        ]
        failed = [{"source": f.source, "error": str(f.error)} for f in manager.failures]
        click.echo(
            json.dumps(
                {"plugins": loaded, "checks": check_rows, "failures": failed},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    # 80 columns: names, versions and transports never cut; titles, sources and hooks fold
    table = Table(
        title="渠道插件 / channel plugins", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1)
    )
    for column in ("渠道\nchannel", "版本\nversion", "传输\ntransport"):
        table.add_column(column, no_wrap=True)
    table.add_column("名称\ntitle", overflow="fold", ratio=1)
    table.add_column("来源\nsource", overflow="fold", ratio=1)
    table.add_column("钩子\nhooks", overflow="fold", min_width=16, ratio=2)
    for name in manager.names():
        ch = manager.get(name)
        table.add_row(
            name,
            ch.version,
            str(ch.info.transport),
            ch.info.title_zh,
            ch.distribution or ch.source,
            " ".join(ch.hooks),
        )
    Console().print(table)
    checks = Table(
        title="检查插件 / check plugins (check_story)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
    )
    checks.add_column("名称\nname", overflow="fold", ratio=2)
    for column in ("版本\nversion", "来源\nsource"):
        checks.add_column(column, overflow="fold", ratio=1)
    for check in manager.checks.values():
        checks.add_row(check.name, check.version or "-", check.distribution or check.source)
    Console().print(checks)
    for failure in manager.failures:
        console.print(f"[red]未加载 / skipped[/red] {failure.source}: {failure.error}")


@main.group("plugin")
def plugin_group() -> None:
    """Tools for channel plugin authors."""


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--dir", "directory", type=click.Path(path_type=Path), default=Path("."), show_default=True
)
def plugin_new(name: str, directory: Path) -> None:
    """Scaffold an installable channel plugin package NAME with a passing test."""
    from hub.channels.scaffold import NEXT_STEPS, scaffold

    try:
        root = scaffold(name, directory)
    except (ValueError, FileExistsError) as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(2)
    console.print(f"已创建 / created {root}", markup=False)
    console.print(f"下一步 / next:  cd {root} && {NEXT_STEPS}", markup=False)
    console.print(
        "(ronghub-sdk 需已安装或可找到 / must be installed or findable: see its README.md)",
        markup=False,
    )


@main.command()
@click.option("--tenant", help="only this center's stories (default: every center)")
@click.option(
    "--clear", is_flag=True, help="empty the center's index first (search is partial meanwhile)"
)
@click.option("--batch", type=int, default=500, show_default=True, help="stories per index write")
def reindex(tenant: str | None, clear: bool, batch: int) -> None:
    """Rebuild the search index from the stored stories (with the embedded index: stop a
    running hub first; it indexes every change itself)."""
    from hub.cli.reindex import run_reindex

    sys.exit(run_reindex(Settings(), tenant, clear, batch, console))
