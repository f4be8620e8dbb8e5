"""What the app may submit for a citizen, checked before anything is stored. Plain code.

Hostile input is refused with INVALID_INPUT naming the field: text that is empty or too
long, control characters, lone surrogates, bidirectional overrides (which make a text
display differently from what it says), too many images. Text is NFC-normalised so that
the same words always store the same way (and a resend's fingerprint matches).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field

from hub.errors import invalid

LIMITS = {
    "text": 5_000,
    "category": 50,
    "place": 200,
    "external_id": 200,
    "name": 50,
    "phone": 40,
    "address": 200,
    "image": 300,
    "reason": 1_000,
    "answer": 10_000,
    "comment": 1_000,
}
MAX_IMAGES = 9
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# tracking numbers and check codes avoid look-alike characters (0/O, 1/I/L)
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def clean(
    field_name: str, value: str | None, required: bool = False, multiline: bool = False
) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cs" or (cat == "Cc" and not (multiline and ch in "\n\t\r")) or ch in BIDI:
            raise invalid(
                field_name,
                f"含有不允许的控制字符(U+{ord(ch):04X})",
                f"contains a disallowed control character (U+{ord(ch):04X})",
            )
    if required and not text:
        raise invalid(field_name, "不能为空", "must not be empty")
    limit = LIMITS[field_name]
    if len(text) > limit:
        raise invalid(field_name, f"不能超过 {limit} 个字符", f"must be at most {limit} characters")
    return text


@dataclass(frozen=True)
class Submission:
    text: str
    category: str = ""
    place: str = ""
    images: tuple[str, ...] = ()
    contact: dict[str, str] = field(default_factory=dict)
    public: bool = True
    external_id: str | None = None

    def fingerprint(self) -> str:
        """Of what was asked (not the external id): tells a resend from a different question."""
        data = asdict(self)
        data.pop("external_id")
        return hashlib.sha256(
            json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()[:32]


def submission(
    text: str,
    category: str | None,
    place: str | None,
    images: list[str] | None,
    name: str | None,
    phone: str | None,
    address: str | None,
    public: bool,
    external_id: str | None,
) -> Submission:
    imgs = [clean("image", i, required=True) for i in images or []]
    if len(imgs) > MAX_IMAGES:
        raise invalid("images", f"最多 {MAX_IMAGES} 张图片", f"at most {MAX_IMAGES} images")
    contact = {
        k: v
        for k, v in (
            ("name", clean("name", name)),
            ("phone", clean("phone", phone)),
            ("address", clean("address", address)),
        )
        if v
    }
    return Submission(
        text=clean("text", text, required=True, multiline=True),
        category=clean("category", category),
        place=clean("place", place),
        images=tuple(imgs),
        contact=contact,
        public=public,
        external_id=clean("external_id", external_id) or None,
    )


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def tracking_number(day: str) -> str:
    """WZ + the center's date + 6 random characters, e.g. WZ20261207-7K3Q9D."""
    return f"WZ{day}-{random_code(6)}"


def check_code() -> str:
    """8 characters of a 31-letter alphabet (~40 bits): the citizen's key to the question."""
    return random_code(8)


def same_code(given: str, stored: str) -> bool:
    return secrets.compare_digest(given.strip().upper().encode(), stored.encode())
