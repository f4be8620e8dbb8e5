"""The media cleanup against the real store, on the filesystem and moto's S3 server:
abandoned uploads expire, what nothing uses is freed, what is in use stays."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.errors import HubError
from hub.ids import new_id, now_ms
from hub.jobs.documents import JobDoc
from hub.media import gc
from hub.media.blobs import BlobEntry, BlobStore, iterate
from hub.media.cleanup import asset_prefix, upload_prefix
from hub.media.documents import UploadDoc
from hub.media.fs import FilesystemBlobStore
from hub.media.service import MediaService, media_service, original_key
from hub.media.uploads import ResumableUploads
from hub.settings import Settings
from hub.store.scope import Scope
from tests.e2e.cli_helpers import ronghub
from tests.media.helpers import AUTH, s3_store, tiny_video

DAY_MS = 86_400_000


@pytest.fixture(params=["filesystem", "s3-moto"])
def media(
    request: pytest.FixtureRequest, hub_url: str, hub_settings: Settings, tmp_path: Path
) -> MediaService:
    """A media service on each backend, over the test session's store (hub_url: its
    collections are set up)."""
    store: BlobStore
    if request.param == "filesystem":
        store = FilesystemBlobStore(tmp_path / "blobs", b"k" * 32)
    else:
        store = s3_store(request.getfixturevalue("moto_s3"))
    return MediaService(hub_settings, store)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return tiny_video(tmp_path_factory.mktemp("gc") / "v.mp4", frames=48).read_bytes()


def center() -> Scope:
    return Scope(tenant="gc-" + new_id(), actor="editor-gc", public_only=False)


async def listed(store: BlobStore, prefix: str) -> list[BlobEntry]:
    return [e async for e in store.scan(prefix)]


async def untouched_for(upload_id: str, ms: int) -> None:
    """As if nothing had happened to the upload for `ms` (the store's record of it)."""
    await UploadDoc.get_pymongo_collection().update_one(
        {"_id": upload_id}, {"$set": {"updated_at": now_ms() - ms}}
    )


async def half_sent(uploads: ResumableUploads, video: bytes) -> UploadDoc:
    doc = await uploads.create(len(video), "clip.mp4", {"title": "半途"})
    return await uploads.put_part(doc.id, 0, iterate(video[: len(video) // 2]))


async def leave_unfinished_write(store: BlobStore, key: str) -> None:
    """What a process killed in the middle of `put` leaves behind."""
    if isinstance(store, FilesystemBlobStore):
        path = store.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / f".tmp-{path.name}.0123456789ab").write_bytes(b"\x00" * 1000)
        return
    started = store.client.create_multipart_upload(Bucket=store.bucket, Key=key)
    store.client.upload_part(
        Bucket=store.bucket,
        Key=key,
        UploadId=started["UploadId"],
        PartNumber=1,
        Body=b"\x00" * 1000,
    )


async def test_abandoned_upload_expires_its_parts_go_and_later_requests_are_told_to_start_again(
    media: MediaService, video: bytes
) -> None:
    scope = center()
    uploads = ResumableUploads(media, scope)
    stale = await half_sent(uploads, video)
    active = await half_sent(uploads, video)
    finished = await uploads.create(len(video), "done.mp4", {})
    await uploads.put_part(finished.id, 0, iterate(video))
    asset = await uploads.complete(finished.id)
    await untouched_for(stale.id, DAY_MS + 1_000)
    assert len(await listed(media.store, upload_prefix(scope.tenant, stale.id))) == 1

    report = await gc.sweep(media, scope.tenant)

    assert [d.id for d in report.expired] == [stale.id]
    assert [e.key for e in report.blobs] == [p.key for p in stale.part_list()]
    assert await listed(media.store, upload_prefix(scope.tenant, stale.id)) == []
    doc = await UploadDoc.find_one({"_id": stale.id})
    assert doc is not None and (doc.status, doc.parts) == ("expired", [])
    for attempt in (
        uploads.put_part(stale.id, stale.received, iterate(video[stale.received :])),
        uploads.complete(stale.id),
        uploads.get(stale.id),
    ):
        with pytest.raises(HubError) as caught:
            await attempt
        err = caught.value
        assert (err.code, err.http_status) == ("UPLOAD_EXPIRED", 410)
        assert (
            "上传已过期" in err.message_zh
            and "24 小时" in err.message_zh
            and "重新上传" in err.message_zh
        )
        assert "24 hours" in err.message_en and "again" in err.message_en
    await uploads.abort(stale.id)  # nothing left to free: not an error

    # what is in use stayed: the live upload goes on, the asset's file is whole
    assert [e.key for e in await listed(media.store, upload_prefix(scope.tenant, active.id))] == [
        p.key for p in active.part_list()
    ]
    rest = await uploads.put_part(active.id, active.received, iterate(video[active.received :]))
    assert (await uploads.complete(rest.id)).size == len(video)
    assert asset.blob_key is not None and await media.store.size(asset.blob_key) == len(video)


async def test_a_part_on_its_way_keeps_an_old_upload_alive(
    media: MediaService, video: bytes
) -> None:
    scope = center()
    uploads = ResumableUploads(media, scope)
    doc = await uploads.create(len(video), "slow.mp4", {})
    await untouched_for(doc.id, DAY_MS + 1_000)
    arrived, finish = asyncio.Event(), asyncio.Event()

    async def slow_link() -> AsyncIterator[bytes]:
        yield video[:1000]
        arrived.set()
        await finish.wait()
        yield video[1000:]

    sending = asyncio.create_task(uploads.put_part(doc.id, 0, slow_link()))
    await asyncio.wait_for(arrived.wait(), 10)
    report = await gc.sweep(media, scope.tenant)
    assert report.expired == [] and report.blobs == []
    finish.set()
    assert (await sending).received == len(video)
    assert (await uploads.complete(doc.id)).size == len(video)


async def test_dry_run_lists_what_would_go_and_changes_nothing(
    media: MediaService, video: bytes
) -> None:
    scope = center()
    uploads = ResumableUploads(media, scope)
    stale = await half_sent(uploads, video)
    await untouched_for(stale.id, DAY_MS + 1_000)

    report = await gc.sweep(media, scope.tenant, dry_run=True)
    assert [d.id for d in report.expired] == [stale.id]
    assert [e.key for e in report.blobs] == [p.key for p in stale.part_list()]
    assert report.bytes == stale.received
    assert (await uploads.get(stale.id)).status == "open"
    assert len(await listed(media.store, upload_prefix(scope.tenant, stale.id))) == 1

    done = await gc.sweep(media, scope.tenant)
    assert [d.id for d in done.expired] == [stale.id]


async def test_crashed_complete_is_finished_when_its_asset_exists_and_cleared_when_not(
    media: MediaService, video: bytes
) -> None:
    scope = center()
    uploads = ResumableUploads(media, scope)
    coll = UploadDoc.get_pymongo_collection()
    # died after recording the asset, before marking the upload completed
    recorded = await uploads.create(len(video), "a.mp4", {})
    await uploads.put_part(recorded.id, 0, iterate(video))
    asset = await uploads.complete(recorded.id)
    await coll.update_one({"_id": recorded.id}, {"$set": {"status": "completing"}})
    # died while writing the original: a half-written original, no asset
    crashed = await half_sent(uploads, video)
    crashed_asset = new_id()
    await coll.update_one(
        {"_id": crashed.id}, {"$set": {"status": "completing", "asset_id": crashed_asset}}
    )
    await leave_unfinished_write(media.store, original_key(scope.tenant, crashed_asset))
    # a `complete` still running (its lease is young) is left alone
    joining = await half_sent(uploads, video)
    await coll.update_one(
        {"_id": joining.id}, {"$set": {"status": "completing", "asset_id": new_id()}}
    )
    for upload_id in (recorded.id, crashed.id, joining.id):
        await untouched_for(upload_id, DAY_MS + 1_000)
    await coll.update_one({"_id": joining.id}, {"$set": {"updated_at": now_ms() - 60_000}})

    report = await gc.sweep(
        media, scope.tenant, older_than_s=30
    )  # `joining`: 60 s, but the lease is 10 min
    assert [d.id for d in report.finished] == [recorded.id]
    assert [d.id for d in report.expired] == [crashed.id]
    assert (await UploadDoc.find_one({"_id": joining.id})).status == "completing"  # type: ignore[union-attr]
    assert (await uploads.complete(recorded.id)).id == asset.id  # completing again: the same asset
    assert asset.blob_key is not None and await media.store.exists(asset.blob_key)
    assert await listed(media.store, asset_prefix(scope.tenant, crashed_asset)) == []
    assert await listed(media.store, upload_prefix(scope.tenant, crashed.id)) == []


async def test_leftovers_and_unfinished_writes_go_but_asset_files_stay(
    media: MediaService, video: bytes
) -> None:
    scope = center()
    uploads = ResumableUploads(media, scope)
    done = await uploads.create(len(video), "done.mp4", {})
    await uploads.put_part(done.id, 0, iterate(video))
    asset = await uploads.complete(done.id)
    single = await media.upload(scope, iterate(video), "one.mp4", {})
    stray = upload_prefix(scope.tenant, done.id) + "0000000000000-deadbeef"  # its delete never ran
    await media.store.put(stray, iterate(b"\x00" * 700))
    await leave_unfinished_write(
        media.store, upload_prefix(scope.tenant, new_id()) + "0000000000000-0badf00d"
    )
    dead_original = original_key(scope.tenant, new_id())  # a single upload whose process died
    await leave_unfinished_write(media.store, dead_original)

    if isinstance(
        media.store, FilesystemBlobStore
    ):  # moto reports every multipart upload as started in 2010
        assert (await gc.sweep(media, scope.tenant)).blobs == []  # too recent to be abandoned

    a_day_later = now_ms() + DAY_MS + 5_000
    report = await gc.sweep(media, scope.tenant, now=a_day_later)
    assert report.expired == [] and report.finished == []
    assert sorted(e.key for e in report.blobs if e.partial is None) == [stray]
    assert {e.key for e in report.blobs if e.partial is not None} >= {dead_original}
    assert len(report.blobs) == 3
    assert await listed(media.store, upload_prefix(scope.tenant, done.id)) == []
    assert [e async for e in media.store.scan(f"t/{scope.tenant}/", partial_only=True)] == []
    for kept in (asset, single):  # files of assets are never the cleanup's to remove
        assert kept.blob_key is not None and await media.store.size(kept.blob_key) == len(video)


async def test_direct_upload_that_never_completes_loses_its_staging_object(
    media: MediaService,
) -> None:
    if media.store.backend != "s3":
        pytest.skip("direct upload needs the S3 backend")
    scope = center()
    uploads = ResumableUploads(media, scope)
    data = os.urandom(4096)
    doc, put_url = await uploads.create_direct(len(data), "d.jpg", {})
    async with httpx.AsyncClient() as client:
        assert (await client.put(put_url, content=data)).status_code == 200
    assert (await uploads.get(doc.id)).received == len(data)
    await untouched_for(doc.id, DAY_MS + 1_000)

    report = await gc.sweep(media, scope.tenant)
    assert [d.id for d in report.expired] == [doc.id]
    assert [e.key for e in report.blobs] == [doc.staging_key]
    assert doc.staging_key is not None and not await media.store.exists(doc.staging_key)
    with pytest.raises(HubError) as caught:
        await uploads.complete(doc.id)
    assert caught.value.code == "UPLOAD_EXPIRED"


async def sweep_jobs(tenant: str) -> list[JobDoc]:
    return await JobDoc.find({"consumer": gc.CONSUMER, "tenant": tenant}).sort("ready_at").to_list()


async def test_starting_uploads_schedules_one_sweep_and_each_sweep_the_next(
    hub_url: str, hub_settings: Settings, video: bytes
) -> None:
    media = media_service(hub_settings)
    scope = center()
    uploads = ResumableUploads(media, scope)
    first = await half_sent(uploads, video)
    second = await half_sent(uploads, video)
    jobs = await sweep_jobs(scope.tenant)
    assert len(jobs) == 1  # uploads close together share it
    due = jobs[0].ready_at
    assert due == jobs[0].payload["slot"]
    assert first.created_at + DAY_MS < due <= second.created_at + DAY_MS + 3_600_000

    await untouched_for(first.id, DAY_MS + 1_000)
    result = await gc.gc_consumer(hub_settings, media_service(hub_settings)).handler(jobs[0])
    assert result is not None and result["expired"] == [first.id]
    later = [j for j in await sweep_jobs(scope.tenant) if j.id != jobs[0].id]
    assert len(later) == 1  # the second upload is still live: the chain goes on
    assert later[0].ready_at > due and later[0].ready_at >= second.updated_at + DAY_MS

    await uploads.abort(second.id)
    assert (
        await gc.gc_consumer(hub_settings, media_service(hub_settings)).handler(later[0])
    ) is not None
    assert len(await sweep_jobs(scope.tenant)) == 2  # no live upload: no next sweep


async def test_expired_upload_answers_410_in_chinese_and_english_over_http(
    http: httpx.AsyncClient, hub_settings: Settings, video: bytes
) -> None:
    created = await http.post(
        "/media/uploads/resumable", json={"size": len(video), "filename": "v.mp4"}, headers=AUTH
    )
    upload_id = created.json()["id"]
    half = len(video) // 2
    put = await http.put(
        f"/media/uploads/{upload_id}/parts",
        params={"offset": 0},
        content=video[:half],
        headers=AUTH,
    )
    assert put.status_code == 200, put.text
    await untouched_for(upload_id, DAY_MS + 1_000)
    await gc.sweep(media_service(hub_settings), hub_settings.default_tenant)

    for response in (
        await http.put(
            f"/media/uploads/{upload_id}/parts",
            params={"offset": half},
            content=video[half:],
            headers=AUTH,
        ),
        await http.post(f"/media/uploads/{upload_id}/complete", headers=AUTH),
        await http.get(f"/media/uploads/{upload_id}", headers=AUTH),
    ):
        assert response.status_code == 410
        error = response.json()["errors"][0]["extensions"]
        assert error["code"] == "UPLOAD_EXPIRED"
        assert "上传已过期" in error["message_zh"] and "expired" in error["message_en"]
    assert (await http.delete(f"/media/uploads/{upload_id}", headers=AUTH)).status_code == 204
    assert not (
        hub_settings.blob_dir / upload_prefix(hub_settings.default_tenant, upload_id)
    ).exists()


async def test_media_gc_command_lists_with_dry_run_then_expires(
    hub_url: str, hub_settings: Settings, store_uri: str, db_name: str, video: bytes
) -> None:
    media = media_service(hub_settings)  # the files the command sees (RONGHUB_DATA_DIR)
    scope = center()
    stale = await half_sent(ResumableUploads(media, scope), video)
    await untouched_for(stale.id, DAY_MS + 1_000)
    part = stale.part_list()[0].key
    env = {"RONGHUB_DATA_DIR": str(hub_settings.data_dir)}

    code, out = await ronghub(
        store_uri, db_name, "media", "gc", "--dry-run", "--tenant", scope.tenant, env=env
    )
    assert code == 0, out
    assert f"would expire upload {stale.id}" in out and f"would remove {part}" in out
    assert (await UploadDoc.find_one({"_id": stale.id})).status == "open"  # type: ignore[union-attr]
    assert await media.store.exists(part)

    code, out = await ronghub(store_uri, db_name, "media", "gc", "--tenant", scope.tenant, env=env)
    assert code == 0, out
    assert f"expired upload {stale.id}" in out and "1 uploads" in out and "上传 1 个" in out
    assert (await UploadDoc.find_one({"_id": stale.id})).status == "expired"  # type: ignore[union-attr]
    assert not await media.store.exists(part)
