"""What operators read from `ronghub`: both languages on every line, lists that fit 80
columns and come as JSON on request, dates instead of milliseconds, a mistyped center
named as such."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import httpx

from tests.e2e.cli_helpers import ronghub, ronghub_batch
from tests.e2e.identity_helpers import make_tenant
from tests.feeds.helpers import make_partner

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
CLI_MODULES = sorted((ROOT / "hub" / "cli").glob("*.py"))
MACHINE = re.compile(r"^(client_id|client_secret)=$")  # lines scripts parse: key=value only


async def test_listing_the_clients_of_a_center_that_does_not_exist_says_so(
    store_uri: str, db_name: str
) -> None:
    code, out = await ronghub(store_uri, db_name, "client", "list", "--tenant", "nope")
    assert code == 2, out
    assert "NOT_FOUND" in out and "找不到中心(nope)" in out and "No center with id nope" in out, out


async def test_client_list_fits_80_columns_and_gives_json_with_dates(
    http: httpx.AsyncClient, store_uri: str, db_name: str
) -> None:
    partner = await make_partner(http, prefix="cli80")
    listing = ["client", "list", "--tenant", partner.tenant]
    table, as_json = await ronghub_batch(  # one process (cli_helpers.ronghub_batch)
        store_uri, db_name, [listing, [*listing, "--json"]], env={"COLUMNS": "80"}
    )
    code, out = table
    assert code == 0, out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    row = next(line for line in out.splitlines() if partner.client_id in line)
    assert "有效 active" in row and re.search(r"\b20\d\d-\d\d-\d\d\b", row), out  # one row, a date

    code, out = as_json
    assert code == 0, out
    listed = json.loads(out)
    assert listed["tenant"] == partner.tenant
    (client,) = listed["clients"]
    assert client["client_id"] == partner.client_id and client["status"] == "active"
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", client["created_at"]), client
    assert partner.client_secret not in out


def _alternatives(node: ast.expr) -> list[str]:
    """The constant text of each line `node` may print (formatted parts left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [
            "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
        ]
    if isinstance(node, ast.IfExp):
        return _alternatives(node.body) + _alternatives(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _alternatives(node.left) for b in _alternatives(node.right)]
    return [""]  # a value made elsewhere (a table, a message that is bilingual itself)


def _printed_literals() -> list[tuple[str, str]]:
    """(where, constant text) of every line out.print / console.print / click.echo may print."""
    found = []
    for path in CLI_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("print", "echo")
                and node.args
            ):
                continue
            for text in _alternatives(node.args[0]):
                text = re.sub(r"\[/?[a-z ]+\]", "", text)  # rich markup
                if LATIN.search(text) and not MACHINE.match(text.strip()):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return found


def test_every_line_the_commands_print_is_in_chinese_and_english() -> None:
    literals = _printed_literals()
    assert len(literals) > 30
    one_language = [f"{where}: {text!r}" for where, text in literals if not CJK.search(text)]
    assert not one_language, "\n".join(one_language)


async def test_a_long_line_is_not_cut_in_two_at_80_columns(
    http: httpx.AsyncClient, store_uri: str, db_name: str
) -> None:
    """A message stays one line (both languages, ids and keys whole for copy-paste); the
    terminal wraps it, not the command. Only tables are laid out to the width."""
    tenant = await make_tenant("gc80")
    code, out = await ronghub(
        store_uri, db_name, "media", "gc", "--dry-run", "--tenant", tenant, env={"COLUMNS": "80"}
    )
    assert code == 0, out
    (line,) = [line for line in out.splitlines() if line.strip()]
    assert len(line) > 80 and CJK.search(line) and "uploads" in line and "to clean up" in line, out
