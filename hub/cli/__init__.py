"""The `ronghub` command line (`ronghub …`, `python -m hub.cli …`).

commands.py holds the top-level group and the hub's own commands; identity.py, feeds.py,
media.py and reindex.py the operator commands of those areas; runner.py what they share
(consoles, one-line failures with exit code 2, opening the store around a command).
"""

from __future__ import annotations

from hub.cli.commands import main

__all__ = ["main"]
