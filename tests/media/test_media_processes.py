"""Media against hubs in their own processes: the S3 backend (moto's server) end to end,
and the memory a refused oversized upload costs the server."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import signal
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.media.helpers import AUTH, image_bytes, tiny_video
from tests.media.hubproc import hub_process

pytestmark = pytest.mark.slow

RENDITION = "query($id: ID!, $spec: String!) { renditionUrl(assetId: $id, spec: $spec) }"
MB = 1024 * 1024


async def test_s3_backend_round_trips_upload_rendition_and_presigned_download(
    store_uri: str, moto_s3: dict[str, str], tmp_path: Path
) -> None:
    with hub_process(store_uri, tmp_path, **moto_s3) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
            original = image_bytes("JPEG", (1200, 800))
            response = await http.post(
                "/media/uploads",
                content=original,
                params={"filename": "s3.jpg", "alt": "桥"},
                headers=AUTH,
            )
            assert response.status_code == 201, response.text
            asset = response.json()
            assert asset["url"].startswith(
                moto_s3["s3_endpoint"]
            )  # a presigned S3 URL, not the hub
            assert asset["checksum"] == hashlib.sha256(original).hexdigest()

            got = await http.post(
                "/graphql",
                json={
                    "query": RENDITION,
                    "variables": {"id": asset["id"], "spec": "douyin-vertical"},
                },
                headers=AUTH,
            )
            url = got.json()["data"]["renditionUrl"]
            assert url.startswith(moto_s3["s3_endpoint"])

            video = tiny_video(tmp_path / "v.mp4", frames=60).read_bytes()
            created = (
                await http.post(
                    "/media/uploads/resumable",
                    json={"size": len(video), "filename": "v.mp4"},
                    headers=AUTH,
                )
            ).json()
            half = len(video) // 2
            for offset, part in ((0, video[:half]), (half, video[half:])):
                put = await http.put(
                    f"/media/uploads/{created['id']}/parts",
                    params={"offset": offset},
                    content=part,
                    headers=AUTH,
                )
                assert put.status_code == 200, put.text
            done = (
                await http.post(f"/media/uploads/{created['id']}/complete", headers=AUTH)
            ).json()
            assert (done["kind"], done["duration_ms"]) == ("video", 5000)

            direct = await http.post(
                "/media/uploads/direct",
                json={"size": len(original), "filename": "d.jpg"},
                headers=AUTH,
            )
            assert direct.status_code == 201, direct.text
            async with httpx.AsyncClient() as to_s3:
                assert (
                    await to_s3.put(direct.json()["put_url"], content=original)
                ).status_code == 200
            finished = await http.post(
                f"/media/uploads/{direct.json()['upload']['id']}/complete", headers=AUTH
            )
            assert finished.status_code == 201, finished.text
            assert finished.json()["checksum"] == asset["checksum"]

        assert not (tmp_path / "blobs").exists()  # nothing went to the filesystem
        async with httpx.AsyncClient() as anonymous:
            assert (await anonymous.get(asset["url"])).content == original
            img = Image.open(io.BytesIO((await anonymous.get(url)).content))
            assert img.format == "JPEG" and abs(img.width / img.height - 9 / 16) < 0.01
            assert (await anonymous.get(done["url"])).content == video


def send_chunked(base_url: str, path: str, megabytes: int) -> tuple[int, bytes, int]:
    """POST `megabytes` MB (a JPEG signature, then zeros) with chunked transfer encoding
    from one thread while reading the answer in another, as a browser does: the server
    answers and closes before the body is done. Returns status, body and bytes sent.

    Blocking sockets on purpose: asyncio drops the read side as soon as a write fails,
    which would lose the answer the server sent before it closed."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=120)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTH['authorization']}\r\n"
        "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
    )
    sent = 0

    def send() -> None:
        nonlocal sent
        chunk = b"\x00" * MB
        with contextlib.suppress(OSError):
            for i in range(megabytes):
                data = b"\xff\xd8\xff" + chunk[3:] if i == 0 else chunk
                sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                sent += len(data)
            sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send)
    sender.start()
    received = b""
    with contextlib.suppress(ConnectionResetError, TimeoutError):
        while True:
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep:
                lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
                if len(body) >= int(headers["content-length"]):
                    break
            data = sock.recv(65536)
            if not data:
                break
            received += data
    with contextlib.suppress(OSError):  # already reset by the server
        sock.shutdown(socket.SHUT_RDWR)
    sender.join(120)
    sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body, sent


async def test_oversized_upload_is_cut_at_the_limit_without_growing_server_memory(
    store_uri: str, tmp_path: Path
) -> None:
    limit = 50 * MB
    with hub_process(store_uri, tmp_path, media_max_upload_bytes=str(limit)) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=120) as http:
            # warm up: imports, pools and a refused upload's code paths are in memory
            assert (
                await http.post(
                    "/media/uploads",
                    content=image_bytes(),
                    params={"filename": "w.png"},
                    headers=AUTH,
                )
            ).status_code == 201
            assert (
                await http.post(
                    "/media/uploads", content=b"\xff\xd8\xff" + b"\x00" * (4 * MB), headers=AUTH
                )
            ).status_code == 422
            before = hub.vm_hwm_kb()
        status, body, sent = await asyncio.to_thread(
            send_chunked, hub.url, "/media/uploads?filename=big.jpg", 200
        )
        after = hub.vm_hwm_kb()

        assert status == 413
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "MEDIA_TOO_LARGE"
        assert sent < 120 * MB, f"the server kept reading: {sent // MB} MB sent"
        growth_mb = (after - before) / 1024
        print(
            f"peak RSS before {before // 1024} MB, after {after // 1024} MB, growth {growth_mb:.1f} MB; client sent {sent // MB} MB"
        )
        assert growth_mb < 20, (
            f"server peak memory grew by {growth_mb:.1f} MB while refusing a {limit // MB} MB-limited upload"
        )
        leftovers = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
        assert len(leftovers) == 1  # the warm-up image only: no partial or temporary file


async def test_upload_abandoned_across_a_restart_is_expired_by_its_scheduled_sweep(
    store_uri: str, moto_s3: dict[str, str], tmp_path: Path
) -> None:
    """A hub dies in the middle of a part (its S3 multipart upload left behind); another
    hub, started later on the same store, expires the upload when its sweep is due and
    aborts the multipart upload. The due time lives in the store, not in a process."""
    from pymongo import AsyncMongoClient

    from hub.ids import new_id
    from hub.media.cleanup import upload_prefix
    from tests.media.helpers import s3_store

    db = "ronghub_gc_" + new_id()[-8:]
    settings = {**moto_s3, "mongodb_db": db, "media_upload_abandon_seconds": "6"}
    s3 = s3_store(moto_s3)
    head = tiny_video(tmp_path / "head.mp4").read_bytes()
    first_part = head + b"\x00" * (9 * MB - len(head))  # more than one 8 MB S3 part

    with hub_process(store_uri, tmp_path, **settings) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
            created = await http.post(
                "/media/uploads/resumable",
                json={"size": 20 * MB, "filename": "long.mp4"},
                headers=AUTH,
            )
            upload_id = created.json()["id"]
            prefix = upload_prefix("default", upload_id)
            stalled = asyncio.Event()

            async def body() -> AsyncIterator[bytes]:
                yield first_part
                await stalled.wait()

            sending = asyncio.create_task(
                http.put(
                    f"/media/uploads/{upload_id}/parts",
                    params={"offset": 0},
                    content=body(),
                    headers=AUTH,
                )
            )
            for _ in range(300):
                if [e async for e in s3.scan(prefix, partial_only=True)]:
                    break
                await asyncio.sleep(0.05)
            os.kill(hub.pid, signal.SIGKILL)
            stalled.set()  # the client finds the connection gone once it sends again
            with contextlib.suppress(httpx.HTTPError):
                await asyncio.wait_for(sending, 30)

    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(store_uri)
    try:
        stored = client[db]
        assert (await stored["media_uploads"].find_one({"_id": upload_id}) or {})[
            "status"
        ] == "open"
        job = await stored["jobs"].find_one({"consumer": "media.gc", "open": True})
        assert job is not None  # the sweep waits in the store
        assert len([e async for e in s3.scan(prefix, partial_only=True)]) == 1

        with hub_process(store_uri, tmp_path, **settings) as hub:
            async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
                for _ in range(150):
                    status = await http.get(f"/media/uploads/{upload_id}", headers=AUTH)
                    if status.status_code != 200:
                        break
                    await asyncio.sleep(0.2)
                assert status.status_code == 410, status.text
                assert status.json()["errors"][0]["extensions"]["code"] == "UPLOAD_EXPIRED"
        assert [e async for e in s3.scan(prefix)] == []  # the multipart upload was aborted
        assert (await stored["jobs"].find_one({"_id": job["_id"]}) or {})["state"] == "done"
    finally:
        await client.close()
