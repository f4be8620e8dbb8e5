"""The `ronghub` command line."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
from rich.console import Console

from hub import __version__
from hub.settings import Settings

console = Console(stderr=True)


def _settings(host: str | None, port: int | None) -> Settings:
    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    return Settings(**overrides)  # type: ignore[arg-type]


def _urls(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"[bold]Ronghub {__version__}[/bold] 已启动 / is running")
    console.print(f"  GraphQL   {base}/graphql" + ("   (GraphiQL in a browser)" if settings.development else ""))
    console.print(f"  OpenAPI   {base}/schema")
    console.print(f"  Health    {base}/healthz   {base}/readyz   {base}/metrics")
    console.print(f"  Data      {settings.data_dir.resolve()}")
    if settings.effective_dev_token:
        console.print(f"  Token     Authorization: Bearer {settings.effective_dev_token}  (development)")
    console.print("  Ctrl-C 停止 / to stop")


@click.group()
@click.version_option(__version__, prog_name="ronghub")
def main() -> None:
    """Ronghub (融汇): the content hub for converged media centers."""


@main.command()
@click.option("--host", help="address to bind (RONGHUB_HOST)")
@click.option("--port", type=int, help="port to bind (RONGHUB_PORT)")
def serve(host: str | None, port: int | None) -> None:
    """Start the hub (embedded store unless RONGHUB_MONGODB_URI is set)."""
    from hub.runtime import serve as run

    run(_settings(host, port), banner=_urls)


@main.command()
@click.option("--host", help="address to bind (RONGHUB_HOST)")
@click.option("--port", type=int, help="port to bind (RONGHUB_PORT)")
def demo(host: str | None, port: int | None) -> None:
    """Start the hub with the demo center 示例区融媒体中心 and its stories."""
    from hub.demo.seed import seed_demo
    from hub.runtime import serve as run

    async def before(settings: Settings) -> None:
        created = await seed_demo(settings)
        console.print(
            f"示例区融媒体中心: {created} 篇示例稿件已写入 / demo stories created"
            if created
            else "示例区融媒体中心: 示例数据已存在 / demo data already present"
        )
        await _print_demo_users(settings)

    run(_settings(host, port), before=before, banner=_urls)


@main.command()
@click.option("--check", is_flag=True, help="fail if the files differ from the code instead of writing")
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
            console.print(f"wrote {path}")
    if drift:
        console.print(f"[red]out of date:[/red] {', '.join(drift)} — run `ronghub openapi`")
        sys.exit(1)


@main.command("seed-demo")
def seed_demo_cmd() -> None:
    """Write the demo center into the configured store (without serving)."""
    from hub.demo.seed import seed_demo
    from hub.runtime import store_for

    with store_for(Settings()) as settings:
        console.print(f"{asyncio.run(seed_demo(settings))} stories created")
        asyncio.run(_print_demo_users(settings))


async def _print_demo_users(settings: Settings) -> None:
    from hub.demo.users import seed_demo_users

    users = await seed_demo_users(settings)
    console.print("示例用户 / demo users (密码 password: RONGHUB_DEMO_PASSWORD, default 'ronghub-demo'):")
    for demo, grants in users:
        console.print(f"  {demo.username:<16} {demo.display_name:<12} {', '.join(grants)}")
    console.print("  sign in: POST /oauth/token grant_type=password&username=…&password=…")


def _add_identity_commands() -> None:
    from hub.identity.cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_identity_commands()


if __name__ == "__main__":
    main()
