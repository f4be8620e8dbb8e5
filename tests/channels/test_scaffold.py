"""`ronghub plugin new` writes a plugin package whose own test passes."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from hub.channels.manager import ChannelManager
from hub.cli import main
from tests.channels.hookcov import covers


@covers("describe", "render", "validate", "deliver")
def test_scaffolded_plugin_passes_its_generated_test_and_loads_as_a_channel(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plugin", "new", "town_board", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "ronghub-channel-town-board"
    meta = tomllib.loads((root / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["ronghub.channels"] == {
        "town_board": "ronghub_channel_town_board"
    }
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(root),
            str(root / "tests"),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    sys.path.insert(0, str(root))
    try:
        import ronghub_channel_town_board as plugin

        manager = ChannelManager()
        assert manager.register(plugin) is not None and manager.names() == ["town_board"]
    finally:
        sys.path.remove(str(root))


def test_scaffold_refuses_bad_names_and_existing_directories(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["plugin", "new", "Bad-Name", "--dir", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["plugin", "new", "ok_name", "--dir", str(tmp_path)]).exit_code == 0
    assert runner.invoke(main, ["plugin", "new", "ok_name", "--dir", str(tmp_path)]).exit_code == 2


def test_the_printed_next_steps_are_the_readmes(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plugin", "new", "county_wall", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    readme = (tmp_path / "ronghub-channel-county-wall" / "README.md").read_text()
    printed = next(line for line in result.output.splitlines() if "&&" in line)
    command = printed.split("&& ", 1)[1]
    assert command == "pip install -e '.[test]' && pytest"
    assert command in readme


def test_a_plugin_named_like_a_builtin_channel_is_refused(tmp_path: Path) -> None:
    for name in ("wechat", "douyin", "app", "gov_site"):
        result = CliRunner().invoke(main, ["plugin", "new", name, "--dir", str(tmp_path)])
        assert result.exit_code == 2 and "built-in channel" in result.output, result.output
    assert not list(tmp_path.iterdir())
