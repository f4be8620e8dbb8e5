"""Names that reach a file system or a header: upload file names, media file names, the
directory of a file-drop channel.

A NUL byte ends a C string: `a.jpg<NUL>.php` is one name to Python and `a.jpg` to the C
library below it, and the other control characters (CR, LF …) split headers such as
Content-Disposition if one is ever built from it. Such names are refused with a coded
error, not cleaned silently.
"""

from __future__ import annotations

import re

from hub.errors import ErrorKind, HubError

BAD_NAME = ErrorKind(
    "BAD_FILE_NAME",
    "{field} 含有 NUL 字节或其他控制字符,请改用普通字符后重试。",
    "{field} contains a NUL byte or another control character",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_path(field: str, value: str | None) -> str | None:
    """`value` unchanged, or BAD_FILE_NAME when it holds a NUL byte or a control character."""
    if value is not None and _CONTROL.search(value):
        raise HubError(BAD_NAME, field=field)
    return value
