"""`ronghub plugin new NAME`: an installable channel plugin package with a passing test."""

from __future__ import annotations

import re
from pathlib import Path

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")

PYPROJECT = """[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "ronghub-channel-{dist}"
version = "0.1.0"
description = "Ronghub channel plugin: {name}"
requires-python = ">=3.11"
dependencies = ["ronghub-sdk>=0.1"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points."ronghub.channels"]
{name} = "ronghub_channel_{name}"

[tool.hatch.build.targets.wheel]
packages = ["ronghub_channel_{name}"]
"""

MODULE = '''"""{name}: a Ronghub channel plugin (describe, render, validate, deliver).

Delivery drops a JSON file through the FILE_DROP transport; change the transport kind
in describe() and the body of deliver() to speak to your platform.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ronghub_sdk import (
    ChannelInfo,
    DeliveryResult,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.transports import safe_file_name

NAME = "{name}"
DEFAULTS: dict[str, Any] = {{"limits": {{"title_max": 40}}}}


@hookimpl
def describe() -> ChannelInfo:
    """What this channel is and its configuration defaults (limits live here)."""
    return ChannelInfo(
        name=NAME, title_zh="{name}", title_en="{name}", transport=TransportKind.FILE_DROP,
        defaults=DEFAULTS, version="0.1.0", overridable=("title",),
        config_schema={{"type": "object", "properties": {{"limits": {{"type": "object"}}}}}},
    )


@hookimpl
def render(story: StoryInput, overrides: Mapping[str, Any]) -> Variant:
    """The variant: title and plain text, with the editor's overrides applied."""
    fields = {{"title": story.title, "text": story.body_text, **overrides}}
    return Variant(NAME, story.story_id, story.revision_id, fields, tenant=story.tenant,
                   overridden=tuple(sorted(overrides)))


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Problems an editor can act on, in Chinese and English."""
    limit = config["limits"]["title_max"]
    title = variant.fields.get("title") or ""
    if len(title) > limit:
        return [Problem("{upper}_TITLE_TOO_LONG", "title", f"标题最多 {{limit}} 个字,现有 {{len(title)}} 个。",
                        f"title is limited to {{limit}} characters.")]
    return []


@hookimpl
async def deliver(variant: Variant, transport: Any, idempotency_key: str) -> DeliveryResult:
    """Write the variant as JSON; the idempotency key names the file, so retries overwrite
    (made safe: the hub's keys contain colons, which file names may not)."""
    name = safe_file_name(idempotency_key) + ".json"
    path = await transport.write(name, json.dumps(variant.fields, ensure_ascii=False).encode())
    return DeliveryResult(name, PlatformStatus(StatusState.ACCEPTED, final=True), url=path)
'''

TEST = '''"""The plugin renders, validates and delivers every SDK sample story."""

from __future__ import annotations

import json

import ronghub_channel_{name} as plugin
from ronghub_sdk.testing import ChannelHarness, sample_stories


def test_every_sample_story_renders_validates_and_delivers() -> None:
    harness = ChannelHarness(plugin)
    for story in sample_stories():
        variant = harness.check(story)
        # the hub's keys look like this one: tenant, story, revision, channel, action
        result = harness.deliver(variant, idempotency_key=f"ronghub:{{story.tenant}}:{{story.story_id}}:1:town:publish")
        assert json.loads(harness.transport.files[result.external_id])["title"] == story.title


def test_a_long_title_is_reported_in_chinese() -> None:
    harness = ChannelHarness(plugin, config={{"limits": {{"title_max": 3}}}})
    problems = harness.validate(harness.render(sample_stories()[0]))
    assert problems and "标题最多 3 个字" in problems[0].message_zh
'''

# The one way to install and test a new plugin: printed by `ronghub plugin new` and
# written into its README (a test holds them equal).
NEXT_STEPS = "pip install -e '.[test]' && pytest"

README = """# ronghub-channel-{dist}

A Ronghub channel plugin (docs/plugins.md in the hub's source is the guide).

Test without a hub:

    {next_steps}

`ronghub-sdk` must be installed or findable: until it is on your package index, build its
wheel in a Ronghub checkout (`nox -s build`) and add `--find-links <checkout>/dist`.

Install it next to the hub (the same `pip install -e .` in the hub's environment); the hub
finds it through the `ronghub.channels` entry point and `ronghub plugins` lists it.
"""


def builtin_channels() -> set[str]:
    """The channels the hub ships (the `plugins` package): a plugin may not take their names."""
    import pkgutil

    import plugins

    return {m.name for m in pkgutil.iter_modules(plugins.__path__) if not m.name.startswith("_")}


def scaffold(name: str, directory: Path) -> Path:
    """Write the package for channel `name` under `directory`; returns its root."""
    if not NAME.match(name):
        raise ValueError(
            "渠道名只能用小写字母、数字和下划线(2–41 个字符,字母开头) / a channel name is lower-case letters, "
            "digits and _ (2-41 characters), starting with a letter"
        )
    if name in builtin_channels():
        raise ValueError(
            f"“{name}”是融汇自带的渠道,请换一个名字 / {name!r} is a built-in channel of the hub; "
            "choose another name (two plugins with one name cannot both load)"
        )
    root = directory / f"ronghub-channel-{name.replace('_', '-')}"
    if root.exists():
        raise FileExistsError(f"{root} 已存在 / already exists")
    values = {
        "name": name,
        "dist": name.replace("_", "-"),
        "upper": name.upper(),
        "next_steps": NEXT_STEPS,
    }
    files = {
        "pyproject.toml": PYPROJECT,
        f"ronghub_channel_{name}/__init__.py": MODULE,
        f"tests/test_{name}.py": TEST,
        "README.md": README,
    }
    for rel, template in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    return root
