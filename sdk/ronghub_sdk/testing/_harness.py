"""Run one plugin's hooks without a hub: render, validate and deliver sample stories."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import pluggy

from ronghub_sdk import hookspecs
from ronghub_sdk._config import merge_config
from ronghub_sdk._types import (
    ChannelInfo,
    Checkpoints,
    DeliveryResult,
    Problem,
    RenderContext,
    StoryInput,
    Variant,
)
from ronghub_sdk.testing._recorders import recorder_for


class ChannelHarness:
    """One plugin loaded into its own plugin manager, with a recording transport.

    >>> h = ChannelHarness(my_plugin)            # doctest: +SKIP
    >>> variant = h.check(sample_stories()[0])   # render + validate, fails on problems
    >>> result = h.deliver(variant)              # through h.transport (a recorder)
    """

    def __init__(
        self, plugin: Any, config: Mapping[str, Any] | None = None, transport: Any = None
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(plugin)
        self.pm.check_pending()
        info = self.pm.hook.describe()
        if not isinstance(info, ChannelInfo):
            raise AssertionError(f"describe() must return ChannelInfo, got {info!r}")
        self.info: ChannelInfo = info
        self.config = merge_config(info.defaults, config)
        self.transport = transport if transport is not None else recorder_for(info.transport)
        self.context = RenderContext()

    def implements(self, hook: str) -> bool:
        """True when the plugin implements `hook`."""
        return bool(getattr(self.pm.hook, hook).get_hookimpls())

    def render(
        self,
        story: StoryInput,
        overrides: Mapping[str, Any] | None = None,
        previous: Variant | None = None,
    ) -> Variant:
        """The plugin's variant of `story`."""
        variant = self.pm.hook.render(
            story=story,
            config=self.config,
            overrides=dict(overrides or {}),
            previous=previous,
            context=self.context,
        )
        if not isinstance(variant, Variant):
            raise AssertionError(f"render() must return Variant, got {variant!r}")
        return variant

    def validate(self, variant: Variant) -> list[Problem]:
        """The problems the plugin finds in `variant`."""
        return list(self.pm.hook.validate(variant=variant, config=self.config) or [])

    def check(self, story: StoryInput, overrides: Mapping[str, Any] | None = None) -> Variant:
        """Render and validate; raise AssertionError listing any blocking problem."""
        variant = self.render(story, overrides)
        blocking = [p for p in self.validate(variant) if p.blocking]
        if blocking:
            lines = "\n".join(
                f"  {p.code} [{p.field}] {p.message_zh} / {p.message_en}" for p in blocking
            )
            raise AssertionError(
                f"{self.info.name}: variant of {story.story_id} has problems:\n{lines}"
            )
        return variant

    async def call(self, hook: str, **kwargs: Any) -> Any:
        """Call any hook with keyword arguments (config and transport filled in), awaiting it."""
        spec_args = set(getattr(self.pm.hook, hook).spec.argnames)
        defaults = {"config": self.config, "transport": self.transport, "context": self.context}
        for name, value in defaults.items():
            if name in spec_args:
                kwargs.setdefault(name, value)
        if "checkpoints" in spec_args:
            kwargs.setdefault("checkpoints", Checkpoints())
        result = getattr(self.pm.hook, hook)(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def adeliver(
        self,
        variant: Variant,
        idempotency_key: str = "test-key",
        checkpoints: Checkpoints | None = None,
    ) -> DeliveryResult:
        """Deliver through the harness transport (async). Pass the same `checkpoints` to a
        second call to act out a retry of one delivery."""
        result = await self.call(
            "deliver",
            variant=variant,
            idempotency_key=idempotency_key,
            checkpoints=checkpoints if checkpoints is not None else Checkpoints(),
        )
        if not isinstance(result, DeliveryResult):
            raise AssertionError(f"deliver() must return DeliveryResult, got {result!r}")
        return result

    def deliver(self, variant: Variant, idempotency_key: str = "test-key") -> DeliveryResult:
        """Deliver through the harness transport (from synchronous tests)."""
        return asyncio.run(self.adeliver(variant, idempotency_key))

    def run(self, hook: str, **kwargs: Any) -> Any:
        """`call` from synchronous tests."""
        return asyncio.run(self.call(hook, **kwargs))

    def check_all(self, stories: Sequence[StoryInput]) -> list[Variant]:
        """`check` every story; returns the variants."""
        return [self.check(s) for s in stories]
