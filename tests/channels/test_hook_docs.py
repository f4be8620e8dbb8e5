"""docs/plugins.md documents every hook, as the hookspecs say it (in Datasette's style:
a hook added to the SDK without docs fails here, and so does a stale reference)."""

from __future__ import annotations

import re

import pluggy
from ronghub_sdk import hookspecs

from hub.channels.hookdocs import DOC, current_block, render_reference


def _spec_names() -> set[str]:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    return {name for name in vars(manager.hook) if not name.startswith("_")}


def test_every_hookspec_is_listed_with_a_stability() -> None:
    names = _spec_names()
    assert set(hookspecs.HOOK_NAMES) == names
    assert set(hookspecs.HOOK_STABILITY) == names
    assert set(hookspecs.HOOK_STABILITY.values()) <= {"stable", "experimental"}


def test_every_hook_is_documented_in_the_plugin_guide() -> None:
    headings = set(re.findall(r"^### `(\w+)`$", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    assert _spec_names() - headings == set(), "undocumented hooks"


def test_the_hook_reference_is_the_one_the_hookspecs_generate() -> None:
    block = current_block(DOC.read_text(encoding="utf-8"))
    assert block is not None, "the hook reference markers are missing from docs/plugins.md"
    assert block == render_reference(), "stale: run `python -m hub.channels.hookdocs`"


def test_every_hook_says_whether_it_is_stable() -> None:
    for name in hookspecs.HOOK_NAMES:
        section = render_reference().split(f"### `{name}`", 1)[1]
        assert section.lstrip().startswith(("*stable*", "*experimental*")), name
