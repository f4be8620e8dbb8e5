"""三审: review chains, sign-offs and the rules that bind them. Plain code, no I/O.

A chain is an ordered list of stages (初审 → 复审 → 终审), each naming the role that may
sign it. A review round binds one revision by its content hash: every sign-off records
that hash, and an edit makes the round stale, so it re-enters review at the chain's
configured stage. No person signs two stages of one round. The last approval is the
签发: it binds exactly one revision, the only one that may be published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from hub.domain.permissions import Grant
from hub.errors import HubError
from hub.workflow.errors import ReviewCodes


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"  # 退回


class RoundStatus(StrEnum):
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"  # 签发


@dataclass(frozen=True)
class Stage:
    key: str  # stable id, e.g. "first"
    name: str  # 初审
    role: str  # the role that may sign, e.g. "reviewer:first" or "chief_editor"


@dataclass(frozen=True)
class ReviewChain:
    """A tenant's review policy for some story types, columns and/or target channels (empty = any)."""

    id: str
    name: str
    stages: tuple[Stage, ...]
    columns: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    types: frozenset[str] = (
        frozenset()
    )  # story types (article, video, live …): a 快讯 or 视频 chain
    reenter_stage: int = 0  # where an edit after sign-off sends the story back
    # 撤稿 / 更正: the stage that must sign a takedown (None: no review, a publisher acts
    # alone) and where a correction re-enters review (None: approved by the publisher)
    takedown_stage: int | None = None
    correction_stage: int | None = None
    proof_rounds: int = 0  # 三校: proofreading rounds required before 签发 (0: not required)

    def __post_init__(self) -> None:
        if not self.stages:
            raise HubError(
                ReviewCodes.BAD_CHAIN, reason_zh="至少需要一个审级", reason_en="at least one stage"
            )
        if len({s.key for s in self.stages}) != len(self.stages):
            raise HubError(
                ReviewCodes.BAD_CHAIN, reason_zh="审级标识重复", reason_en="duplicate stage keys"
            )
        if not 0 <= self.reenter_stage < len(self.stages):
            raise HubError(
                ReviewCodes.BAD_CHAIN,
                reason_zh="重审起点超出范围",
                reason_en="reenter_stage out of range",
            )
        for name, value in (
            ("takedown_stage", self.takedown_stage),
            ("correction_stage", self.correction_stage),
        ):
            if value is not None and not 0 <= value < len(self.stages):
                raise HubError(
                    ReviewCodes.BAD_CHAIN,
                    reason_zh=f"{name} 超出审级范围",
                    reason_en=f"{name} out of range",
                )
        if not 0 <= self.proof_rounds <= 3:
            raise HubError(
                ReviewCodes.BAD_CHAIN,
                reason_zh="校次应在 0 到 3 之间(三校)",
                reason_en="proof_rounds must be 0..3",
            )

    def specificity(self) -> int:
        """Story type weighs most, then column, then channels: a video chain holds for a
        video in any column; a column's chain for the column's other stories."""
        return (4 if self.types else 0) + (2 if self.columns else 0) + (1 if self.channels else 0)

    def applies(
        self, column: str | None, channels: Collection[str], story_type: str | None = None
    ) -> bool:
        if self.types and story_type not in self.types:
            return False
        if self.columns and column not in self.columns:
            return False
        return not (self.channels and not (self.channels & set(channels)))


THREE_STAGE = (
    Stage("first", "初审", "reviewer:first"),
    Stage("second", "复审", "reviewer:second"),
    Stage("final", "终审", "chief_editor"),
)


def check_stage_roles(chain: ReviewChain) -> None:
    """Every stage names a role that exists (e.g. reviewer:first, chief_editor), held
    tenant-wide: a role of one 融媒号 account cannot sign for the center."""
    for stage in chain.stages:
        try:
            grant = Grant.parse(stage.role)
        except ValueError:
            raise HubError(ReviewCodes.UNKNOWN_ROLE, stage=stage.name, role=stage.role) from None
        if grant.account_id is not None:
            raise HubError(ReviewCodes.UNKNOWN_ROLE, stage=stage.name, role=stage.role)


def choose_chain(
    chains: Iterable[ReviewChain],
    column: str | None,
    channels: Collection[str],
    story_type: str | None = None,
) -> ReviewChain:
    """The most specific chain that applies (type > column > channels > any, see specificity)."""
    matching = [c for c in chains if c.applies(column, channels, story_type)]
    if not matching:
        return ReviewChain(id="default", name="三审三校", stages=THREE_STAGE)
    return max(matching, key=lambda c: (c.specificity(), c.id))


@dataclass(frozen=True)
class SignOff:
    """审稿单: one reviewer's decision on one stage for one revision."""

    stage: str
    decision: Decision
    reviewer: str
    revision: int
    content_hash: str
    opinion: str = ""
    at: int = 0


@dataclass(frozen=True)
class Finding:
    """A check result on the story (sensitive word, source rule, proofreading hint)."""

    code: str
    message: str
    blocking: bool
    resolved: bool = False  # fixed, or acknowledged by an editor
    field: str | None = None
    start: int | None = None  # character offsets in the field's text
    end: int | None = None
    match: str | None = None
    suggestion: str | None = None
    key: str = ""  # stable while the matched text and its surroundings stay (see finding_key)
    message_en: str = ""
    acknowledged_by: str | None = None

    @property
    def open(self) -> bool:
        return self.blocking and not self.resolved


def finding_key(code: str, field: str | None, match: str | None, context: str = "") -> str:
    """A finding's stable key: its check, field, matched text and a few characters around
    it. An unrelated edit keeps the key (and an acknowledgement of it); an edit of the
    matched text or right next to it makes a new key, so the finding comes back."""
    raw = "\x1f".join((code, field or "", match or "", context))
    return f"{code}:{field or '-'}:{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


#: Who may acknowledge (accept) a blocking finding: the 总编辑 or a center administrator,
#: tenant-wide. Warnings may be acknowledged by anyone who may edit the story.
BLOCKING_ACK_ROLES = frozenset({"chief_editor", "admin", "platform_admin"})


def check_acknowledge(finding: Finding, roles: Collection[str], note: str) -> None:
    """Refuse an acknowledgement the caller may not give (or gives without a reason)."""
    if finding.blocking and not (BLOCKING_ACK_ROLES & set(roles)):
        raise HubError(
            ReviewCodes.ACK_NEEDS_CHIEF,
            finding_zh=finding.message,
            finding_en=finding.message_en or finding.code,
        )
    if finding.blocking and not note.strip():
        raise HubError(ReviewCodes.ACK_NOTE_REQUIRED)


@dataclass(frozen=True)
class ReviewRound:
    """The review of one story under one chain, bound to a revision by content hash."""

    chain: ReviewChain
    revision: int
    content_hash: str
    stage_index: int = 0
    status: RoundStatus = RoundStatus.IN_REVIEW
    signoffs: tuple[SignOff, ...] = field(default_factory=tuple)
    return_reason: str | None = None

    @property
    def current_stage(self) -> Stage | None:
        if self.status != RoundStatus.IN_REVIEW:
            return None
        return self.chain.stages[self.stage_index]

    @property
    def approved_revision(self) -> int | None:
        """The one revision the 签发 binds, if approved."""
        return self.revision if self.status == RoundStatus.APPROVED else None

    def signers(self) -> dict[str, str]:
        """reviewer -> the stage name they approved in this round."""
        names = {s.key: s.name for s in self.chain.stages}
        return {s.reviewer: names[s.stage] for s in self.signoffs if s.decision == Decision.APPROVE}


def submit(chain: ReviewChain, revision: int, content_hash: str) -> ReviewRound:
    """送审: start a round on this revision at the first stage."""
    return ReviewRound(chain=chain, revision=revision, content_hash=content_hash)


def sign(
    rnd: ReviewRound,
    *,
    reviewer: str,
    roles: Collection[str],
    decision: Decision,
    current_revision: int,
    current_hash: str,
    opinion: str = "",
    findings: Iterable[Finding] = (),
    at: int = 0,
) -> ReviewRound:
    """Record a sign-off on the current stage, or refuse with an error an editor can act on."""
    stage = rnd.current_stage
    if stage is None:
        raise HubError(ReviewCodes.NOT_IN_REVIEW, status=rnd.status.value)
    if stage.role not in roles:
        raise HubError(ReviewCodes.WRONG_ROLE, stage=stage.name, role=stage.role)
    if current_hash != rnd.content_hash:
        raise HubError(ReviewCodes.STALE_REVISION, submitted=rnd.revision, current=current_revision)
    signed = rnd.signers()
    if reviewer in signed:
        raise HubError(ReviewCodes.SAME_PERSON, signed_stage=signed[reviewer], stage=stage.name)
    record = SignOff(stage.key, decision, reviewer, rnd.revision, rnd.content_hash, opinion, at)
    if decision == Decision.RETURN:
        if not opinion.strip():
            raise HubError(ReviewCodes.REASON_REQUIRED)
        return replace(
            rnd,
            status=RoundStatus.RETURNED,
            signoffs=(*rnd.signoffs, record),
            return_reason=opinion,
        )
    open_findings = [f for f in findings if f.open]
    if open_findings:
        raise HubError(
            ReviewCodes.UNRESOLVED_FINDINGS,
            count=len(open_findings),
            first_zh=open_findings[0].message,
            first_en=open_findings[0].message_en or open_findings[0].code,
        )
    last = rnd.stage_index == len(rnd.chain.stages) - 1
    return replace(
        rnd,
        signoffs=(*rnd.signoffs, record),
        stage_index=rnd.stage_index if last else rnd.stage_index + 1,
        status=RoundStatus.APPROVED if last else RoundStatus.IN_REVIEW,
    )


def after_edit(
    rnd: ReviewRound, revision: int, content_hash: str, restart_at: int | None = None
) -> ReviewRound:
    """An edit during or after review: sign-offs on the old content stop counting.

    The round restarts on the new revision at the chain's re-entry stage (or where it
    stood, if it had not got that far). Approvals of the stages before the restart
    stage are carried to the new revision; later ones are dropped. A returned round is
    left alone: the reporter revises and submits again, which starts a new round.
    """
    if content_hash == rnd.content_hash or rnd.status == RoundStatus.RETURNED:
        return rnd
    reached = rnd.stage_index if rnd.status == RoundStatus.IN_REVIEW else len(rnd.chain.stages)
    restart = min(rnd.chain.reenter_stage if restart_at is None else restart_at, reached)
    keep_keys = {s.key for s in rnd.chain.stages[:restart]}
    kept = tuple(
        replace(s, revision=revision, content_hash=content_hash)
        for s in rnd.signoffs
        if s.stage in keep_keys and s.decision == Decision.APPROVE
    )
    return ReviewRound(
        chain=rnd.chain,
        revision=revision,
        content_hash=content_hash,
        stage_index=restart,
        signoffs=kept,
    )


def require_publishable(rnd: ReviewRound | None, revision: int, content_hash: str) -> None:
    """Publishing needs a 签发 on exactly this revision's content."""
    if (
        rnd is None
        or rnd.status != RoundStatus.APPROVED
        or rnd.content_hash != content_hash
        or rnd.revision != revision
    ):
        raise HubError(ReviewCodes.NOT_APPROVED)


#: Story states an edit sends back to review (an edit after 签发, or during review).
REENTER_ON_EDIT = frozenset({"in_review", "approved", "scheduled", "published"})


def status_after_edit(status: str) -> str | None:
    """The story state after a content edit: back to review (`in_review`) if it was in
    review, approved, scheduled or published; unchanged (None) otherwise."""
    return "in_review" if str(status) in REENTER_ON_EDIT else None


def check_direct_approval(
    rnd: ReviewRound | None, chain_configured: bool, revision: int, content_hash: str
) -> None:
    """The one-step 签发 (`approveStory`) may not bypass a chain: a story with a review
    round needs that round approved on exactly this revision; a story never submitted
    may be approved directly only where no configured chain applies to it."""
    if rnd is not None:
        require_publishable(rnd, revision, content_hash)
    elif chain_configured:
        raise HubError(ReviewCodes.CHAIN_REQUIRED)


def check_proof_rounds(chain: ReviewChain, completed: int | None) -> None:
    """三校 before 签发: `completed` None means the count is not available (not required)."""
    if chain.proof_rounds and completed is not None and completed < chain.proof_rounds:
        raise HubError(
            ReviewCodes.PROOF_ROUNDS_MISSING, required=chain.proof_rounds, done=completed
        )


def may_sign_next(rnd: ReviewRound, reviewer: str, roles: Collection[str]) -> bool:
    """For the review queue: the caller could sign the round's current stage."""
    stage = rnd.current_stage
    return stage is not None and stage.role in roles and reviewer not in rnd.signers()


class ActionKind(StrEnum):
    TAKEDOWN = "takedown"  # 撤稿
    CORRECTION = "correction"  # 更正


@dataclass(frozen=True)
class PendingAction:
    """A takedown waiting for the chain's named stage to sign it."""

    kind: ActionKind
    stage: int
    requested_by: str
    reason: str


def may_sign_action(
    action: PendingAction, chain: ReviewChain, reviewer: str, roles: Collection[str]
) -> bool:
    """For the takedown queue: the caller could sign the pending action (as sign_action checks)."""
    return (
        0 <= action.stage < len(chain.stages)
        and chain.stages[action.stage].role in roles
        and reviewer != action.requested_by
    )


def sign_action(
    action: PendingAction,
    chain: ReviewChain,
    *,
    reviewer: str,
    roles: Collection[str],
    decision: Decision,
    opinion: str,
) -> SignOff:
    """One sign-off on a pending takedown: the stage's role, and never the requester."""
    stage = chain.stages[action.stage]
    if stage.role not in roles:
        raise HubError(ReviewCodes.WRONG_ROLE, stage=stage.name, role=stage.role)
    if reviewer == action.requested_by:
        raise HubError(ReviewCodes.OWN_REQUEST)
    if decision == Decision.RETURN and not opinion.strip():
        raise HubError(ReviewCodes.REASON_REQUIRED)
    return SignOff(stage.key, decision, reviewer, 0, "", opinion)
