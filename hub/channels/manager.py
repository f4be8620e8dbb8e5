"""The channel plugin manager: discover, load, describe and call channel plugins.

Plugins come from the entry-point group `ronghub.channels` (the built-ins under
`plugins/` are declared there too, so the core uses the same door as outside plugins).
A plugin that fails to import, register or describe itself is recorded in `failures`
and skipped; the others load. `only` (RONGHUB_PLUGINS) limits loading to named entry
points. Each hook is called on exactly one plugin through a pluggy subset caller.

Check plugins (`ronghub.checks`, the `check_story` hook) come through the same door:
`discover_checks` loads them onto the same plugin manager, records the broken ones in the
same `failures` and honours the same `only`; `checks` lists what loaded (the built-in
checks, registered by hub.workflow.plugins, included).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy
import structlog
from ronghub_sdk import (
    ChannelInfo,
    Checkpoints,
    DeliveryResult,
    Metrics,
    PlatformStatus,
    Problem,
    RenderContext,
    StoryInput,
    Variant,
    hookspecs,
    merge_config,
)
from ronghub_sdk.hookspecs import CHECKS_ENTRY_POINT_GROUP

from hub.channels.errors import ChannelCodes
from hub.errors import HubError

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class LoadedChannel:
    """A channel plugin that loaded: what it says about itself and where it came from."""

    name: str
    info: ChannelInfo
    plugin: Any
    source: str  # entry point "name = module" or "registered"
    distribution: str | None
    version: str
    hooks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadedCheck:
    """A check plugin (`check_story`) that loaded."""

    name: str  # the plugin's name on the manager, "check.<entry point name>"
    source: str  # entry point "name = module", "built-in" or "registered"
    distribution: str | None
    version: str | None


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A plugin that did not load, and why (shown by `ronghub plugins`)."""

    source: str
    error: str


HUB_DISTRIBUTION = "ronghub"  # the distribution whose entry points are the built-in channels


def _distribution(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.name if dist else None


def parse_only(value: str | None) -> frozenset[str] | None:
    """RONGHUB_PLUGINS: a comma list of entry-point names; empty or unset means all."""
    if not value or not value.strip():
        return None
    return frozenset(n.strip() for n in value.split(",") if n.strip())


@dataclass
class ChannelManager:
    """Loaded channel plugins and the door to their hooks."""

    pm: pluggy.PluginManager = field(default_factory=lambda: _new_pm())
    channels: dict[str, LoadedChannel] = field(default_factory=dict)
    failures: list[LoadFailure] = field(default_factory=list)
    checks: dict[str, LoadedCheck] = field(default_factory=dict)
    _callers: dict[tuple[str, str], Any] = field(default_factory=dict)

    # -- loading ------------------------------------------------------------------

    @classmethod
    def discover(
        cls, only: Iterable[str] | None = None, eps: Iterable[EntryPoint] | None = None
    ) -> ChannelManager:
        """Load every `ronghub.channels` entry point (or those named in `only`)."""
        manager = cls()
        wanted = frozenset(only) if only is not None else None
        found = list(eps if eps is not None else entry_points(group=hookspecs.ENTRY_POINT_GROUP))
        # the hub's own channels first, whatever order the environment lists them in: an
        # outside plugin naming itself like one of them is then the one refused
        found.sort(key=lambda ep: _distribution(ep) != HUB_DISTRIBUTION)
        for ep in found:
            if wanted is not None and ep.name not in wanted:
                continue
            source = f"{ep.name} = {ep.value}"
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must not stop the others
                manager._fail(source, exc)
                continue
            dist = getattr(ep, "dist", None)
            manager.register(
                plugin,
                source=source,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
            )
        return manager

    def register(
        self,
        plugin: Any,
        *,
        source: str = "registered",
        distribution: str | None = None,
        version: str | None = None,
    ) -> LoadedChannel | None:
        """Register one plugin object or module; None (and a failure) when it is broken."""
        try:
            self.pm.register(plugin)
        except Exception as exc:
            self._fail(source, exc)
            return None
        try:
            unknown = [c.name for c in self.pm.get_hookcallers(plugin) or () if not c.has_spec()]
            if unknown:
                raise TypeError(f"implements unknown hooks: {', '.join(sorted(unknown))}")
            info = self.pm.subset_hook_caller("describe", self._others(plugin))()
            if not isinstance(info, ChannelInfo):
                raise TypeError(f"describe() returned {type(info).__name__}, not ChannelInfo")
            if info.name in self.channels:
                taken = self.channels[info.name]
                if taken.distribution == HUB_DISTRIBUTION:
                    raise ValueError(
                        f"“{info.name}”是融汇自带的渠道,此插件未加载,请换一个名字 / {info.name!r} is a built-in "
                        "channel of the hub; this plugin was not loaded: choose another name"
                    )
                raise ValueError(f"channel {info.name} is already provided by {taken.source}")
        except Exception as exc:
            self.pm.unregister(plugin)
            self._fail(source, exc)
            return None
        hooks = tuple(sorted(c.name for c in self.pm.get_hookcallers(plugin) or ()))
        loaded = LoadedChannel(
            name=info.name,
            info=info,
            plugin=plugin,
            source=source,
            distribution=distribution,
            version=version or info.version,
            hooks=hooks,
        )
        self.channels[info.name] = loaded
        self._callers.clear()
        return loaded

    def discover_checks(
        self, only: Iterable[str] | None = None, eps: Iterable[EntryPoint] | None = None
    ) -> None:
        """Load every `ronghub.checks` entry point (or those named in `only`) onto this
        manager; a broken one is recorded in `failures` like a broken channel."""
        wanted = frozenset(only) if only is not None else None
        for ep in eps if eps is not None else entry_points(group=CHECKS_ENTRY_POINT_GROUP):
            if wanted is not None and ep.name not in wanted:
                continue
            source = f"{ep.name} = {ep.value}"
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken check must not stop review
                self._fail(source, exc)
                continue
            dist = getattr(ep, "dist", None)
            self.register_check(
                plugin,
                name=f"check.{ep.name}",
                source=source,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
            )

    def register_check(
        self,
        plugin: Any,
        *,
        name: str,
        source: str = "registered",
        distribution: str | None = None,
        version: str | None = None,
    ) -> LoadedCheck | None:
        """Register one check plugin; None (and a failure) when it is broken: it fails to
        register, implements a hook that has no spec, or implements no `check_story`."""
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:
            self._fail(source, exc)
            return None
        callers = self.pm.get_hookcallers(plugin) or ()
        unknown = sorted(c.name for c in callers if not c.has_spec())
        problem = (
            f"implements unknown hooks: {', '.join(unknown)}"
            if unknown
            else None
            if any(c.name == "check_story" for c in callers)
            else "implements no check_story hook"
        )
        if problem is not None:
            self.pm.unregister(plugin)
            self._fail(source, TypeError(problem))
            return None
        loaded = LoadedCheck(name=name, source=source, distribution=distribution, version=version)
        self.checks[name] = loaded
        return loaded

    def _fail(self, source: str, exc: BaseException) -> None:
        error = f"{type(exc).__name__}: {exc}"
        self.failures.append(LoadFailure(source, error))
        log.warning("plugin skipped", source=source, error=error)

    def _others(self, plugin: Any) -> list[Any]:
        return [p for p in self.pm.get_plugins() if p is not plugin]

    # -- lookup ---------------------------------------------------------------------

    def names(self) -> list[str]:
        """Names of the loaded channels, sorted."""
        return sorted(self.channels)

    def get(self, channel: str) -> LoadedChannel:
        """The loaded channel, or CHANNEL_UNKNOWN."""
        try:
            return self.channels[channel]
        except KeyError:
            raise HubError(
                ChannelCodes.CHANNEL_UNKNOWN, channel=channel, loaded=", ".join(self.names()) or "-"
            ) from None

    def info(self, channel: str) -> ChannelInfo:
        """What the channel said about itself."""
        return self.get(channel).info

    def config(self, channel: str, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The channel's defaults with a center's settings merged over them."""
        return merge_config(self.info(channel).defaults, settings)

    def _caller(self, channel: str, hook: str) -> Any:
        key = (channel, hook)
        if key not in self._callers:
            loaded = self.get(channel)
            caller = self.pm.subset_hook_caller(hook, self._others(loaded.plugin))
            if not caller.get_hookimpls():
                raise HubError(ChannelCodes.CHANNEL_HOOK_MISSING, channel=channel, hook=hook)
            self._callers[key] = caller
        return self._callers[key]

    def implements(self, channel: str, hook: str) -> bool:
        """True when the channel's plugin implements `hook`."""
        return hook in self.get(channel).hooks

    async def _call_async(self, channel: str, hook: str, **kwargs: Any) -> Any:
        result = self._caller(channel, hook)(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    # -- hooks ----------------------------------------------------------------------

    def render(
        self,
        channel: str,
        story: StoryInput,
        *,
        config: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        previous: Variant | None = None,
        context: RenderContext | None = None,
    ) -> Variant:
        """The channel's variant of an approved revision, with an editor's overrides."""
        info = self.info(channel)
        for name in overrides or {}:
            if name not in info.overridable:
                raise HubError(
                    ChannelCodes.CHANNEL_FIELD_NOT_OVERRIDABLE,
                    channel=channel,
                    field=name,
                    allowed=", ".join(info.overridable) or "-",
                )
        return self._caller(channel, "render")(
            story=story,
            config=self.config(channel, config),
            overrides=dict(overrides or {}),
            previous=previous,
            context=context or RenderContext(),
        )

    def validate(
        self, channel: str, variant: Variant, *, config: Mapping[str, Any] | None = None
    ) -> list[Problem]:
        """Every problem the channel finds in the variant (empty: deliverable)."""
        return list(
            self._caller(channel, "validate")(variant=variant, config=self.config(channel, config))
            or []
        )

    def preview(
        self,
        channel: str,
        story: StoryInput,
        *,
        config: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        previous: Variant | None = None,
        context: RenderContext | None = None,
    ) -> tuple[Variant, list[Problem]]:
        """Render and validate in one step, as an editor previews before approval."""
        variant = self.render(
            channel, story, config=config, overrides=overrides, previous=previous, context=context
        )
        return variant, self.validate(channel, variant, config=config)

    async def deliver(
        self,
        channel: str,
        variant: Variant,
        *,
        transport: Any,
        idempotency_key: str,
        config: Mapping[str, Any] | None = None,
        checkpoints: Checkpoints | None = None,
    ) -> DeliveryResult:
        """Publish a variant; raises Transient/PermanentDeliveryError from the plugin.
        `checkpoints` carries the steps an earlier attempt of this delivery completed."""
        return await self._call_async(
            channel,
            "deliver",
            variant=variant,
            config=self.config(channel, config),
            transport=transport,
            idempotency_key=idempotency_key,
            checkpoints=checkpoints if checkpoints is not None else Checkpoints(),
        )

    async def poll_status(
        self,
        channel: str,
        delivery: DeliveryResult,
        *,
        transport: Any,
        config: Mapping[str, Any] | None = None,
    ) -> PlatformStatus:
        """What the platform now says about a delivered item."""
        return await self._call_async(
            channel,
            "poll_status",
            delivery=delivery,
            config=self.config(channel, config),
            transport=transport,
        )

    def receive_status(
        self,
        channel: str,
        delivery: DeliveryResult,
        report: Mapping[str, Any],
        *,
        config: Mapping[str, Any] | None = None,
    ) -> PlatformStatus | None:
        """A status from a report sent to the hub (e.g. 学习强国 adoption)."""
        return self._caller(channel, "receive_status")(
            delivery=delivery, report=report, config=self.config(channel, config)
        )

    async def fetch_metrics(
        self,
        channel: str,
        delivery: DeliveryResult,
        *,
        transport: Any,
        config: Mapping[str, Any] | None = None,
    ) -> Metrics:
        """The platform's counts for a delivered item."""
        return await self._call_async(
            channel,
            "fetch_metrics",
            delivery=delivery,
            config=self.config(channel, config),
            transport=transport,
        )

    async def retract(
        self,
        channel: str,
        delivery: DeliveryResult,
        *,
        transport: Any,
        idempotency_key: str,
        reason: str,
        config: Mapping[str, Any] | None = None,
    ) -> DeliveryResult:
        """Take a delivered item down (撤稿)."""
        return await self._call_async(
            channel,
            "retract",
            delivery=delivery,
            config=self.config(channel, config),
            transport=transport,
            idempotency_key=idempotency_key,
            reason=reason,
        )

    async def correct(
        self,
        channel: str,
        variant: Variant,
        delivery: DeliveryResult,
        *,
        transport: Any,
        idempotency_key: str,
        config: Mapping[str, Any] | None = None,
        checkpoints: Checkpoints | None = None,
    ) -> DeliveryResult:
        """Replace a delivered item with a corrected revision's variant (更正)."""
        return await self._call_async(
            channel,
            "correct",
            variant=variant,
            delivery=delivery,
            config=self.config(channel, config),
            transport=transport,
            idempotency_key=idempotency_key,
            checkpoints=checkpoints if checkpoints is not None else Checkpoints(),
        )

    def assemble_edition(
        self,
        channel: str,
        variants: Sequence[Variant],
        edition_date: str,
        *,
        config: Mapping[str, Any] | None = None,
    ) -> Variant:
        """One edition (手机报) from several stories' variants."""
        return self._caller(channel, "assemble_edition")(
            variants=list(variants), config=self.config(channel, config), edition_date=edition_date
        )


def _new_pm() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def load_channels(plugins_setting: str | None) -> ChannelManager:
    """The hub's channel manager with its channel and check plugins, both limited by the
    RONGHUB_PLUGINS setting (the built-in checks are part of review and always load)."""
    only = parse_only(plugins_setting)
    manager = ChannelManager.discover(only)
    manager.discover_checks(only)
    return manager
