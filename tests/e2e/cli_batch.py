"""Several `ronghub` commands in one process, each run as the `ronghub` script runs it
(`hub.cli:main` in click's standalone mode; an uncaught exception prints its traceback
and exits 1, as the interpreter does), each with its own exit code and output (stdout and
stderr together, as an operator's terminal shows them). A test that checks what the
commands say, not what a process does, pays the interpreter and import start-up once
instead of once per command (#20 item 5).

    python -m tests.e2e.cli_batch RESULT.json < COMMANDS.json

COMMANDS.json is a list of argument lists; RESULT.json gets one [code, output] per command,
in order. Run from the checkout's root so its `hub` is imported.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback
from pathlib import Path


def run_one(args: list[str]) -> tuple[int, str]:
    from hub.cli import main

    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            main.main(args, prog_name="ronghub")
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:  # sys.exit("message"): the interpreter prints it and exits 1
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
    return code, output.getvalue()


if __name__ == "__main__":
    commands = json.load(sys.stdin)
    Path(sys.argv[1]).write_text(json.dumps([run_one(args) for args in commands]))
