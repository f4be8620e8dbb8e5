"""docs/frontend.md shows the tested example's code: every TypeScript block in it is a
verbatim part of examples/frontend (built and run by tests/e2e/test_frontend_example.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "frontend.md"
EXAMPLE = ROOT / "examples" / "frontend"


def test_every_typescript_block_of_the_front_end_guide_is_code_of_the_example() -> None:
    blocks = re.findall(r"```ts\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    sources = [
        p.read_text(encoding="utf-8")
        for p in [EXAMPLE / "codegen.ts", *(EXAMPLE / "src").glob("*.ts")]
    ]
    missing = [b[:80] for b in blocks if not any(b in s for s in sources)]
    assert missing == [], "these blocks of docs/frontend.md are not in examples/frontend"


def test_the_guide_documents_every_anonymous_rendition_preset() -> None:
    from hub.media.renditions import PRESETS

    text = DOC.read_text(encoding="utf-8")
    assert [p for p in PRESETS if f"| `{p}` |" not in text] == []
