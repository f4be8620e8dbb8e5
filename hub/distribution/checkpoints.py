"""A delivery's completed steps, kept on its publication (ronghub_sdk.Checkpoints).

Saved with `$set: {"checkpoints.<key>": value}` at once after the step, so the next
attempt (after a timeout, a crash, or on another worker) finds it and does not repeat
a platform call that already took effect.
"""

from __future__ import annotations

import re
from typing import Any

from ronghub_sdk import Checkpoints

from hub.distribution.documents import PublicationDoc
from hub.store.tenanted import Tenanted

_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class StoredCheckpoints(Checkpoints):
    def __init__(self, pub: PublicationDoc) -> None:
        super().__init__(pub.checkpoints)
        self.pub_id = pub.id
        self.tenant = pub.tenant

    async def save(self, key: str, value: Any) -> None:
        if not _KEY.match(key):
            raise ValueError(f"checkpoint keys are 1-64 letters, digits, '_' or '-': {key!r}")
        await Tenanted(PublicationDoc, self.tenant).update_one(
            {"_id": self.pub_id}, {"$set": {f"checkpoints.{key}": value}}
        )
        await super().save(key, value)
