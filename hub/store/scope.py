"""Who is asking, and so what a repository may see. Repositories cannot run without one."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.permissions import Grant, Principal, PrincipalKind


@dataclass(frozen=True, slots=True)
class Scope:
    """A tenant plus the caller's reach inside it.

    `public_only` is the anonymous read model: published stories only. A scope with an
    actor and no `kind` is the hub itself (seeding, CLI): unrestricted inside its tenant.
    Signed-in callers carry their grants (roles per tenant and per 融媒号 account) and
    the OAuth scopes of their token; `hub.domain.permissions` decides what they allow.
    """

    tenant: str
    actor: str | None = None
    public_only: bool = True
    kind: PrincipalKind | None = None  # None: anonymous without actor, system with one
    user_id: str | None = None
    client_id: str | None = None
    grants: tuple[Grant, ...] = ()
    oauth_scopes: frozenset[str] | None = None
    session_id: str | None = None
    token_id: str | None = None

    def __post_init__(self) -> None:
        if not self.tenant:
            raise ValueError("a scope needs a tenant")

    @property
    def anonymous(self) -> bool:
        return self.actor is None

    @property
    def principal(self) -> Principal:
        kind = self.kind
        if kind is None:
            kind = PrincipalKind.ANONYMOUS if self.actor is None else PrincipalKind.SYSTEM
        return Principal(
            kind=kind, grants=self.grants, oauth_scopes=self.oauth_scopes, subject=self.actor
        )

    @property
    def roles(self) -> frozenset[str]:
        """Role names granted for the whole tenant."""
        return frozenset(g.role.value for g in self.grants if g.account_id is None)

    @property
    def account_ids(self) -> frozenset[str]:
        """The 融媒号 accounts this caller holds a role in."""
        return frozenset(g.account_id for g in self.grants if g.account_id)
