"""A check plugin installed like any outside package (a distribution with a `ronghub.checks`
entry point) loads through the channel plugin manager the hub builds: `ronghub plugins`
lists it with its distribution's version, a broken one is listed as a failure, and
RONGHUB_PLUGINS leaves out what it does not name, in the command and in review alike."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ronghub_sdk.testing import ARTICLE

from hub.distribution.wiring import build_distribution
from hub.settings import Settings
from hub.workflow.plugins import BUILTIN, run_checks

REPO = Path(__file__).resolve().parents[2]
LONG_TITLE = dataclasses.replace(ARTICLE, title="一个超过二十个字的标题" * 3)


def install(root: Path) -> Path:
    """A site folder holding an installed distribution `ronghub-toy-checks` 0.3 with two
    check entry points: one good (tests/channels/toy_plugins.py), one naming a missing module."""
    site = root / "site"
    dist = site / "ronghub_toy_checks-0.3.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ronghub-toy-checks\nVersion: 0.3\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[ronghub.checks]\n"
        "headline = tests.channels.toy_plugins:headline_check\n"
        "gone_check = ronghub_toy_checks_missing\n",
        encoding="utf-8",
    )
    return site


def plugins_json(site: Path, only: str | None) -> dict[str, list[dict[str, str]]]:
    """`python -m hub.cli plugins --json` in a child with the site on its path."""
    env = {k: v for k, v in os.environ.items() if k != "RONGHUB_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), str(site), str(REPO / "sdk"), env.get("PYTHONPATH", "")) if p
    )
    if only is not None:
        env["RONGHUB_PLUGINS"] = only
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "plugins", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    listed: dict[str, list[dict[str, str]]] = json.loads(done.stdout)
    return listed


def test_ronghub_plugins_lists_an_installed_check_plugin_with_its_version_and_a_broken_one(
    tmp_path: Path,
) -> None:
    listed = plugins_json(install(tmp_path), None)
    checks = {c["name"]: c for c in listed["checks"]}
    assert checks["check.headline"]["version"] == "0.3"
    assert checks["check.headline"]["source"] == "ronghub-toy-checks"
    assert set(BUILTIN) <= set(checks)
    (failure,) = [f for f in listed["failures"] if f["source"].startswith("gone_check = ")]
    assert "ModuleNotFoundError" in failure["error"]
    assert {p["channel"] for p in listed["plugins"]} >= {"wechat", "sms"}  # channels unharmed


def test_ronghub_plugins_setting_leaves_out_check_plugins_it_does_not_name(
    tmp_path: Path,
) -> None:
    listed = plugins_json(install(tmp_path), "wechat")
    names = {c["name"] for c in listed["checks"]}
    assert "check.headline" not in names and set(BUILTIN) <= names  # built-ins always load
    assert listed["failures"] == []  # not named: not even imported
    assert [p["channel"] for p in listed["plugins"]] == ["wechat"]


@pytest.mark.parametrize(("only", "runs"), [(None, True), ("headline", True), ("wechat", False)])
async def test_review_in_the_hub_runs_an_installed_check_plugin_as_ronghub_plugins_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, only: str | None, runs: bool
) -> None:
    monkeypatch.syspath_prepend(str(install(tmp_path)))
    importlib.invalidate_caches()
    # the manager the hub and the worker build (hub/app.py, hub/jobs/runner.py)
    distribution = build_distribution(Settings(plugins=only, data_dir=tmp_path / "data"))
    try:
        manager = distribution.channels
        codes = [f.code for f in run_checks(manager, LONG_TITLE, {"sensitive_words": []})]
        assert ("HEADLINE_LONG" in codes) is runs
        assert ("check.headline" in manager.checks) is runs
        broken = [f for f in manager.failures if f.source.startswith("gone_check = ")]
        assert len(broken) == (1 if only is None else 0)
    finally:
        await distribution.aclose()
