"""Who is asking, and so what a repository may see. Repositories cannot run without one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """A tenant plus the caller's reach inside it.

    `public_only` is the anonymous read model: published stories only.
    """

    tenant: str
    actor: str | None = None
    public_only: bool = True

    def __post_init__(self) -> None:
        if not self.tenant:
            raise ValueError("a scope needs a tenant")

    @property
    def anonymous(self) -> bool:
        return self.actor is None
