"""The repository adds the tenant: outside hub/store/ no module opens a raw collection.

A raw PyMongo collection (`Doc.get_pymongo_collection()`, `get_motor_collection()`, or
`something.database[name]`) sees every tenant, so each call would have to write the
tenant filter by hand. Code outside hub/store/ uses `hub.store.tenanted.Tenanted`, which
adds it, or names why it cannot with `across_tenants(Doc, reason="...")`: a literal,
non-empty reason, in one of the modules listed below (adding one is a decision the
review sees). docs/storage.md ("Tenancy") explains both.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("hub", "plugins", "sdk")
STORE = ROOT / "hub" / "store"
RAW_GETTERS = {"get_pymongo_collection", "get_motor_collection"}

#: module -> how many `across_tenants` calls it makes (each with its reason in the code)
ESCAPE_HATCHES: dict[str, int] = {
    "hub/audit/log.py": 1,  # listing the tenants that have an audit log
    "hub/identity/grants.py": 2,  # a refresh token is found by its digest
    "hub/identity/oidc.py": 1,  # a sign-in is found by its secret state
    "hub/identity/state.py": 2,  # every process keeps every tenant's ended sessions
    "hub/identity/throttle.py": 1,  # sign-in counters are kept by name
    "hub/events/bus.py": 1,  # the retention sweep over every tenant's events
    "hub/feeds/log.py": 3,  # the feed's sequence number is global
    "hub/feeds/webhooks/dispatch.py": 3,  # heal and wake look at every tenant's endpoints
    "hub/identity/directory.py": 1,  # a new password forgets the name's sign-in counters
    "hub/jobs/queue.py": 1,  # a claim takes the oldest ready job of any tenant
    "hub/media/gc.py": 2,  # every tenant with uploads; the tenant registry
    "hub/reach/reads.py": 1,  # one flush writes the read counts of every center
    "hub/readcache.py": 2,  # old counters lack the tenant: matched by _id
    "hub/search/service.py": 2,  # reindexing one tenant or all
    "hub/wenzheng/deadlines.py": 1,  # the sweep after the clock moved
}


def _modules() -> list[Path]:
    found: list[Path] = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if STORE not in path.parents:
                found.append(path)
    return found


def _raw_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in RAW_GETTERS:
            found.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "database"
        ):
            found.append((node.lineno, ".database[...]"))
    return sorted(found)


def _hatches(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "across_tenants")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "across_tenants")
        )
    ]


def _reason(call: ast.Call) -> str | None:
    for kw in call.keywords:
        if kw.arg == "reason" and isinstance(kw.value, ast.Constant):
            return str(kw.value.value) if isinstance(kw.value.value, str) else None
    return None


def test_no_module_outside_the_store_opens_a_raw_collection() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _modules()
        for line, what in _raw_uses(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], (
        "use hub.store.tenanted.Tenanted(Doc, tenant), or across_tenants(Doc, reason=...) "
        "where one tenant cannot express the operation:\n" + "\n".join(offenders)
    )


def test_the_escape_hatch_is_used_only_where_listed_and_always_with_a_literal_reason() -> None:
    used: Counter[str] = Counter()
    unexplained: list[str] = []
    for path in _modules():
        name = str(path.relative_to(ROOT))
        for call in _hatches(ast.parse(path.read_text(encoding="utf-8"))):
            used[name] += 1
            reason = _reason(call)
            if not reason or not reason.strip():
                unexplained.append(f"{name}:{call.lineno}")
    assert unexplained == [], "across_tenants needs reason='...' as a literal string"
    assert dict(used) == ESCAPE_HATCHES


def test_the_check_sees_each_kind_of_raw_access() -> None:
    """The scanner itself: each form it must catch is caught, the scoped forms are not."""
    source = """
a = StoryDoc.get_pymongo_collection()
b = StoryDoc.get_motor_collection()
c = client.database["stories"]
d = Tenanted(StoryDoc, tenant)
e = across_tenants(StoryDoc, reason="why")
f = across_tenants(StoryDoc, reason=REASON)
"""
    tree = ast.parse(source)
    assert _raw_uses(tree) == [
        (2, "get_pymongo_collection"),
        (3, "get_motor_collection"),
        (4, ".database[...]"),
    ]
    assert [_reason(c) for c in _hatches(tree)] == ["why", None]
