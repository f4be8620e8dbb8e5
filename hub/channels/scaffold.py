"""`ronghub plugin new NAME`: an installable channel plugin package with a passing test."""

from __future__ import annotations

import re
from pathlib import Path

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")

PYPROJECT = '''[build-system]
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
'''

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
    """Write the variant as JSON; the idempotency key names the file, so retries overwrite."""
    name = f"{{idempotency_key}}.json"
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
        result = harness.deliver(variant, idempotency_key=story.story_id)
        assert json.loads(harness.transport.files[result.external_id])["title"] == story.title


def test_a_long_title_is_reported_in_chinese() -> None:
    harness = ChannelHarness(plugin, config={{"limits": {{"title_max": 3}}}})
    problems = harness.validate(harness.render(sample_stories()[0]))
    assert problems and "标题最多 3 个字" in problems[0].message_zh
'''

README = '''# ronghub-channel-{dist}

A Ronghub channel plugin. Install it next to the hub (`pip install -e .`); the hub
finds it through the `ronghub.channels` entry point. `ronghub plugins` lists it.

Test without a hub: `pip install -e '.[test]' && pytest`.
'''


def scaffold(name: str, directory: Path) -> Path:
    """Write the package for channel `name` under `directory`; returns its root."""
    if not NAME.match(name):
        raise ValueError("a channel name is lower-case letters, digits and _ (2-41 characters), starting with a letter")
    root = directory / f"ronghub-channel-{name.replace('_', '-')}"
    if root.exists():
        raise FileExistsError(f"{root} already exists")
    values = {"name": name, "dist": name.replace("_", "-"), "upper": name.upper()}
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
