"""The hook reference in docs/plugins.md, generated from `ronghub_sdk.hookspecs`.

The reference is the block between the two markers below; `python -m hub.channels.hookdocs`
rewrites it (`--check` fails when it is stale). tests/channels/test_hook_docs.py fails when
a hook is undocumented, the block is stale, or a hook has no stability.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from ronghub_sdk import hookspecs

START = "<!-- hook reference: generated from ronghub_sdk/hookspecs.py by `python -m hub.channels.hookdocs`; do not edit -->"
END = "<!-- end of hook reference -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _signature(name: str) -> str:
    fn = getattr(hookspecs, name)
    sig = inspect.signature(fn)
    params = ", ".join(
        f"{p.name}: {p.annotation}" if p.annotation is not p.empty else p.name
        for p in sig.parameters.values()
    )
    ret = sig.return_annotation
    prefix = "async def" if name in hookspecs.ASYNC_HOOKS else "def"
    if name in hookspecs.ASYNC_HOOKS and isinstance(ret, str) and ret.startswith("Awaitable["):
        ret = ret.removeprefix("Awaitable[").removesuffix("]")
    return f"{prefix} {name}({params}) -> {ret}"


def render_reference() -> str:
    """The Markdown of every hook: signature, how it is called, stability, contract."""
    parts = [START, ""]
    for name in hookspecs.HOOK_NAMES:
        fn = getattr(hookspecs, name)
        opts = getattr(fn, "ronghub_spec", {}) or {}
        calls = (
            "one plugin: the channel's own"
            if opts.get("firstresult")
            else "every plugin that implements it; results concatenated"
        )
        parts += [
            f"### `{name}`",
            "",
            f"*{hookspecs.HOOK_STABILITY.get(name, 'unmarked')}* · called on {calls}"
            + (" · may be `async def`" if name in hookspecs.ASYNC_HOOKS else ""),
            "",
            "```python",
            _signature(name),
            "```",
            "",
            inspect.cleandoc(fn.__doc__ or "(undocumented)"),
            "",
        ]
    parts.append(END)
    return "\n".join(parts)


def current_block(text: str) -> str | None:
    """The generated block as it stands in `text` (None when the markers are missing)."""
    if START not in text or END not in text:
        return None
    return text[text.index(START) : text.index(END) + len(END)]


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    block = current_block(text)
    fresh = render_reference()
    if block is None:
        print(f"{DOC}: the markers of the hook reference are missing", file=sys.stderr)
        return 1
    if "--check" in argv:
        if block != fresh:
            print(
                f"{DOC}: the hook reference is stale; run `python -m hub.channels.hookdocs`",
                file=sys.stderr,
            )
            return 1
        return 0
    DOC.write_text(text.replace(block, fresh), encoding="utf-8")
    print(f"wrote the hook reference into {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
