"""政务公开 metadata: 索引号 generation and the disclosure fields' rules.

索引号 is 20 characters: the 9-character organisation code, "/", the year and a
five-digit serial (e.g. 00250436X/2026-00017). Once issued it never changes: a
corrected revision keeps the number of the first one.
"""

from __future__ import annotations

import re

INDEX_NO = re.compile(r"^[0-9A-Z]{9}/\d{4}-\d{5}$")
ORG_CODE = re.compile(r"^[0-9A-Z]{9}$")
DOC_NUMBER = re.compile(r"^\S+〔\d{4}〕\d+号$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DISCLOSURE = ("主动公开", "依申请公开", "不予公开")
VALIDITY = ("有效", "已修改", "已废止", "已失效")


def index_number(org_code: str, year: int, serial: int) -> str:
    """The 索引号 for the `serial`-th item of `year` of an organisation."""
    if not ORG_CODE.match(org_code):
        raise ValueError(f"organisation code must be 9 characters [0-9A-Z], got {org_code!r}")
    if not 1 <= serial <= 99_999:
        raise ValueError("the yearly serial must be 1..99999")
    number = f"{org_code}/{year:04d}-{serial:05d}"
    assert len(number) == 20
    return number


def sequence_key(org_code: str, year: int) -> str:
    """Name of the durable sequence that issues one organisation's numbers for one year."""
    return f"gov_site:index:{org_code}:{year}"
