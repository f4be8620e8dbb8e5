"""The facts the code relies on live in this repository's docs/: a reader of the code can
follow every pointer. Design notes outside the repository (the team's shared folder) are
not cited from code, and every `docs/*.md` the code names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("hub", "plugins", "sdk", "tests", "bench") for p in (ROOT / d).rglob("*.py")]
OUTSIDE = re.compile(
    r"\b(STORAGE|CHANNELS|ARCHITECTURE|GLOSSARY|STYLE)\.md\b|\.\./shared/(?!seeds)"
)
DOC_REF = re.compile(r"\bdocs/([\w-]+\.md)\b")


def test_no_source_file_points_at_design_notes_outside_the_repository() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in SOURCES
        if p.name != "test_docs_in_repo.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == [], "cite docs/ of this repository instead: " + ", ".join(offenders)


def test_every_docs_page_the_code_names_exists() -> None:
    named = {m for p in SOURCES for m in DOC_REF.findall(p.read_text(encoding="utf-8"))}
    assert {"storage.md", "platforms.md"} <= named
    missing = sorted(n for n in named if not (ROOT / "docs" / n).is_file())
    assert missing == []
