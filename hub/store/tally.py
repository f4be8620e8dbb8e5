"""Store commands a process sends, counted by (command, collection), for benchmarks.

With RONGHUB_STORE_COMMAND_TALLY set to a folder, each hub process (`ronghub serve`, its
API workers, `ronghub worker`) counts the commands it sends to the store (a PyMongo
command listener: no store round trip of its own) and writes the counts to
`<folder>/<pid>.json` every `interval_s` (`bench/fanout.py` reads them
before and after a burst: store commands per publication, per process and collection).
Off by default; counting costs a dictionary increment per command.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pymongo import monitoring

#: how often the counts are written while they change (seconds)
INTERVAL_S = 0.25


class CommandTally(monitoring.CommandListener):
    """Counts each command started, by (command name, collection)."""

    def __init__(self, sites: bool = False) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.sites = sites
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name, "")
        key = (event.command_name, target if isinstance(target, str) else "")
        if self.sites:  # where it was sent from: the hub's innermost frames outside the store
            key = (key[0], f"{key[1]} @ {_site()}")
        with self._lock:
            self.counts[key] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def snapshot(self) -> dict[str, int]:
        """{"command collection": count} (e.g. "find jobs")."""
        with self._lock:
            return {f"{cmd} {coll}".strip(): n for (cmd, coll), n in self.counts.items()}


def _site() -> str:
    """The hub's three innermost frames calling the store (diagnosis only: slow)."""
    frames = [
        f"{Path(f.filename).stem}.{f.name}:{f.lineno}"
        for f in traceback.extract_stack()
        if "/hub/" in f.filename and "/hub/store/" not in f.filename
    ]
    return " < ".join(reversed(frames[-3:]))


def read(path: Path) -> dict[str, Any] | None:
    """A process's written tally ({"pid", "argv", "written_at", "counts"}), or None."""
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def tallying(folder: str | None, interval_s: float = INTERVAL_S) -> Iterator[list[Any]]:
    """The listeners to connect with (none when `folder` is None), written to
    `<folder>/<pid>.json` by a daemon thread until the block ends (and once more then)."""
    if not folder:
        yield []
        return
    # RONGHUB_STORE_COMMAND_TALLY_SITES=1: counted by call site too (diagnosis: slow)
    tally = CommandTally(sites=os.environ.get("RONGHUB_STORE_COMMAND_TALLY_SITES") == "1")
    path = Path(folder) / f"{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()

    def write() -> None:
        body = {
            "pid": os.getpid(),
            "argv": sys.argv[1:],
            "written_at": time.time(),
            "counts": tally.snapshot(),
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body))
        tmp.replace(path)

    def loop() -> None:
        while not stop.wait(interval_s):
            write()

    thread = threading.Thread(target=loop, name="store-command-tally", daemon=True)
    thread.start()
    try:
        yield [tally]
    finally:
        stop.set()
        thread.join()
        write()
