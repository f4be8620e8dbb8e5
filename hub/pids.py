"""Whether a process id names a live process (the embedded store's records, the doorbells)."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True if `pid` is a running process; a zombie (ended, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:  # no /proc (not Linux): kill(0) answered
        return True
