"""File drop: write a file into a pickup directory atomically.

Readers (an operator's 手机报 system, an 应急广播 gateway) poll the directory; they must
never see half a file, so we write a hidden temporary file beside the target, fsync it
and rename it over the final name (rename is atomic within one filesystem).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from ronghub_sdk import PermanentDeliveryError
from ronghub_sdk.transports import SAFE_FILE_NAME

_SAFE_NAME = SAFE_FILE_NAME  # one rule for the hub and the SDK's MemoryFileDrop


class DirectoryDrop:
    """A FileDrop into one directory (created on first write)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _target(self, name: str) -> Path:
        # names come from plugins; refuse anything that could leave the directory
        if not _SAFE_NAME.match(name) or ".." in name:
            raise PermanentDeliveryError(f"文件名 {name!r} 不合法", f"unsafe file name {name!r}")
        return self.directory / name

    def _write(self, target: Path, content: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()

    async def write(self, name: str, content: bytes) -> str:
        """Write `content` as `name` atomically; returns the file's path."""
        target = self._target(name)
        await asyncio.to_thread(self._write, target, content)
        return str(target)

    async def remove(self, name: str) -> bool:
        """Delete a dropped file; True when it existed."""
        target = self._target(name)
        try:
            await asyncio.to_thread(target.unlink)
        except FileNotFoundError:
            return False
        return True

    async def read(self, name: str) -> bytes | None:
        """A file the far side left here (a receipt), or None when there is none."""
        target = self._target(name)
        try:
            return await asyncio.to_thread(target.read_bytes)
        except FileNotFoundError:
            return None
