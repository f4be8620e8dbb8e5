"""README.md stays true: its two commands, its configuration table, what CI runs."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hub.config_table import END, START, env_name, replace_table
from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table_block() -> str:
    return README.split(START, 1)[1].split(END, 1)[0]


def test_every_setting_is_in_the_configuration_table() -> None:
    rows = set(re.findall(r"^\| `(RONGHUB_[A-Z0-9_]+)` \|", _table_block(), re.MULTILINE))
    missing = sorted(env_name(f) for f in Settings.model_fields if env_name(f) not in rows)
    assert missing == [], f"not in README.md: {missing}; run `python -m hub.config_table`"
    stale = sorted(rows - {env_name(f) for f in Settings.model_fields})
    assert stale == [], f"README.md lists settings that no longer exist: {stale}"


def test_the_configuration_table_is_the_generated_one() -> None:
    assert replace_table(README) == README, "run `python -m hub.config_table` to regenerate it"


def _first_commands() -> list[str]:
    block = README.split("## Two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_the_two_commands_are_start_the_demo_then_run_the_tests() -> None:
    assert _first_commands() == ["scripts/demo", "scripts/test"]
    for command in _first_commands():
        assert os.access(ROOT / command, os.X_OK), f"{command} is not executable"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip()
        and not line.lstrip().startswith("#")
        and not line.startswith(("set ", "cd "))
    ]
    assert commands == [_first_commands()[1]]


def test_the_test_script_runs_the_suite_on_xdist_workers_a_test_file_to_each() -> None:
    """A file's tests stay on one worker, in their order, with their module fixtures (#20
    item 5); pytest-xdist is a dev dependency, so scripts/bootstrap installs it."""
    script = (ROOT / "scripts" / "test").read_text()
    run = next(line for line in script.splitlines() if line.startswith("exec "))
    assert "-m pytest -n auto --dist loadfile --no-loadscope-reorder" in run
    assert '"pytest-xdist' in (ROOT / "pyproject.toml").read_text()


def test_the_demo_script_runs_the_demo_command() -> None:
    script = (ROOT / "scripts" / "demo").read_text()
    assert "scripts/bootstrap" in script and "ronghub demo" in script


def test_the_layout_names_every_package_of_the_hub_and_no_other() -> None:
    layout = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    hub_lines = layout.split("\nplugins/", 1)[0]
    named = set(re.findall(r"(?<![\w/.])([a-z_]+)/(?=[\s,])", hub_lines)) - {"hub"}
    packages = {p.parent.name for p in (ROOT / "hub").glob("*/__init__.py")}
    nested = {p.parent.name for p in (ROOT / "hub").glob("*/*/__init__.py")}
    assert packages - named == set(), "missing from README Layout"
    assert named - packages - nested == set(), "README Layout names what hub/ does not hold"
