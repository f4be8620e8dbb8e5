"""`ronghub media …`: media operations from the shell."""

from __future__ import annotations

import click

from hub.cli.runner import out, run_with_store
from hub.settings import Settings


@click.group("media")
def media() -> None:
    """Media: uploads and stored files."""


@media.command("gc")
@click.option("--dry-run", is_flag=True, help="only list what would be expired and removed")
@click.option(
    "--tenant",
    "tenants",
    multiple=True,
    help="only this center (repeatable; default: every center)",
)
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=None,
    help="seconds untouched that count as abandoned (default: RONGHUB_MEDIA_UPLOAD_ABANDON_SECONDS)",
)
def gc_command(dry_run: bool, tenants: tuple[str, ...], older_than: int | None) -> None:
    """Expire abandoned uploads and free stored bytes nothing uses, now.

    The hub does the same on its own schedule; this sweeps every center at once (e.g.
    after an upgrade, or to see what is left with --dry-run). Files of assets are never
    removed, only upload parts and unfinished writes.
    """
    from hub.ids import now_ms
    from hub.media import gc
    from hub.media.service import media_service

    async def work(settings: Settings) -> list[gc.SweepReport]:
        service = media_service(settings)
        reports = []
        for tenant in tenants or await gc.tenants_to_sweep():
            reports.append(
                await gc.sweep(service, tenant, older_than_s=older_than, dry_run=dry_run)
            )
        return reports

    reports = run_with_store(work)
    now = now_ms()
    verb = (
        ("将过期 would expire", "将完成 would finish", "将删除 would remove", "将中止 would abort")
        if dry_run
        else ("已过期 expired", "已完成 finished", "已删除 removed", "已中止 aborted")
    )
    uploads = blobs = size = 0
    for report in reports:
        for docs, word in ((report.expired, verb[0]), (report.finished, verb[1])):
            for doc in docs:
                idle_h = (now - doc.updated_at) / 3_600_000
                out.print(
                    f"{report.tenant}  {word} upload {doc.id} ({doc.status}, {doc.received}/{doc.size} bytes, "
                    f"未动 untouched {idle_h:.1f} h)"
                )
        for entry in report.blobs:
            word = verb[2] if entry.partial is None else f"{verb[3]} 未写完 unfinished write"
            out.print(f"{report.tenant}  {word} {entry.key} ({entry.size} 字节 bytes)")
        uploads += len(report.expired) + len(report.finished)
        blobs += len(report.blobs)
        size += report.bytes
    done = "待清理 / to clean up" if dry_run else "已清理 / cleaned up"
    out.print(
        f"{done}: 上传 {uploads} 个, 文件 {blobs} 个, {size} 字节, {len(reports)} 个中心 / "
        f"{uploads} uploads, {blobs} files, {size} bytes in {len(reports)} centers"
    )
