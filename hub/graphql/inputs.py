"""Every plain-text argument of a mutation is refused when it holds script markup
(the plain-text rule, hub/domain/plaintext.py).

The domain applies the rule to what it owns (story content, media descriptions); this
extension applies the same rule to every other text a mutation stores (names, notes,
reasons, opinions, comments, descriptions …), so a field added later cannot miss it.
Exempt are the arguments with a rule of their own: HTML bodies (`body`: UNSAFE_HTML),
text kept exactly and escaped into HTML (`bodyText`), secrets, URLs (the outbound guard),
channel settings (checked when saved) and a comment anchor's `quote` (it must equal the
body's text, which may itself quote markup as text).

`input_fields` turns a GraphQL input object into the domain's plain values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

from hub.domain.plaintext import check_plain_text

EXEMPT = frozenset(
    {
        "body",
        "bodyText",
        "password",
        "currentPassword",
        "newPassword",
        "clientSecret",
        "url",
        "config",
        "quote",
    }
)


def check_arguments(arguments: Mapping[str, Any]) -> None:
    """The rule on every string in `arguments` (input objects, lists, JSON), by path."""
    for name, value in arguments.items():
        _walk(name, name, value)


def _walk(path: str, name: str, value: Any) -> None:
    if name in EXEMPT:
        return
    if isinstance(value, str):
        # script markup only: control characters are the subsystems' own rule (a comment of
        # only whitespace and NUL is COMMENT_EMPTY); story content and media refuse them
        check_plain_text(path, value, controls=False)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _walk(f"{path}.{k}", str(k), v)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _walk(f"{path}.{i}", name, v)


class PlainTextInputs(SchemaExtension):
    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if info.parent_type.name == "Mutation":
            check_arguments(kwargs)
        return _next(root, info, *args, **kwargs)


def input_fields(data: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Given (not UNSET) input fields as plain values, in the domain's names."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(data):
        if f.name in skip:
            continue
        value = getattr(data, f.name)
        if value is strawberry.UNSET:
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        elif isinstance(value, list):
            value = [str(v) for v in value]
        out[f.name] = value
    if "source" in out and out["source"] is None:
        out["source"] = {}
    return out
