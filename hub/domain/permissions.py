"""Who may do what: roles, review stages, OAuth scopes and the actions they allow.

Pure rules, no I/O. The GraphQL layer asks `permits()` once per root field (and for
the few protected fields); repositories ask `story_visibility()` / `write_reach()`
how far a caller's reads and writes go inside its tenant.

The hierarchy is platform → tenant (center, 融媒体中心) → account (融媒号). A grant is
a role either for the whole tenant or for one account of it; reviewers carry the
review stage they sign at (初审/复审/终审).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    REPORTER = "reporter"  # 记者
    EDITOR = "editor"  # 编辑
    REVIEWER = "reviewer"  # 审核 (with a stage)
    CHIEF_EDITOR = "chief_editor"  # 总编辑
    CHANNEL_OPERATOR = "channel_operator"  # 渠道运营
    ACCOUNT_OPERATOR = "account_operator"  # 融媒号运营
    ADMIN = "admin"  # 中心管理员
    PLATFORM_ADMIN = "platform_admin"  # 平台管理员
    CORRESPONDENT = "correspondent"  # 通讯员 (limited contributor)


class ReviewStage(StrEnum):
    FIRST = "first"  # 初审
    SECOND = "second"  # 复审
    FINAL = "final"  # 终审


STAGE_LABELS = {ReviewStage.FIRST: "初审", ReviewStage.SECOND: "复审", ReviewStage.FINAL: "终审"}


class Action(StrEnum):
    STORY_READ_PUBLISHED = "story.read_published"
    STORY_READ_DRAFT = "story.read_draft"  # drafts, revisions, diffs
    STORY_CREATE = "story.create"
    STORY_EDIT = "story.edit"  # update and restore
    STORY_PUBLISH = "story.publish"
    COLUMN_READ = "column.read"
    REVIEW_OPINION_READ = "review.opinion_read"
    REVIEW_DECIDE = "review.decide"
    CHANNEL_OPERATE = "channel.operate"
    SHARE_READ = "share.read"
    SHARE_OFFER = "share.offer"
    SHARE_TAKE = "share.take"
    TENANT_READ = "tenant.read"
    USER_READ = "user.read"
    USER_MANAGE = "user.manage"  # create users, change grants
    ACCOUNT_MANAGE = "account.manage"
    CLIENT_MANAGE = "client.manage"
    AUDIT_READ = "audit.read"
    TENANT_MANAGE = "tenant.manage"  # platform level
    KEYS_ROTATE = "keys.rotate"  # platform level
    SELF_READ = "self.read"  # who am I
    # planning (策、采): leads 线索, topics 选题, assignments 派单, the dispatch board
    PLANNING_READ = "planning.read"  # leads (with contacts), topics, assignments, 指挥调度
    LEAD_SUBMIT = "lead.submit"  # 报料: record a lead
    LEAD_TRIAGE = "lead.triage"  # accept, merge, reject leads
    TOPIC_PROPOSE = "topic.propose"
    TOPIC_APPROVE = "topic.approve"  # approve, reject, complete, cancel topics
    ASSIGNMENT_WORK = "assignment.work"  # an assignee's moves (only on their own assignments)
    ASSIGNMENT_DISPATCH = "assignment.dispatch"  # 派单, 改派, 撤销, and any assignee's move
    FEED_MANAGE = (
        "feed.manage"  # feeds: partner subscriptions (a client its own, admins their clients')
    )
    # 问政 / 投诉信箱: citizens' questions (docs/wenzheng.md)
    WENZHENG_SUBMIT = (
        "wenzheng.submit"  # the app backend: submit, and the citizen's rating and 追问
    )
    WENZHENG_READ = (
        "wenzheng.read"  # read questions (staff: all; department operators: their department's)
    )
    WENZHENG_SCREEN = "wenzheng.screen"  # 筛查, 转交, 送审, release private answers
    WENZHENG_HANDLE = "wenzheng.handle"  # a department's moves on its forwards
    WENZHENG_FIGURES = "wenzheng.figures"  # the figures and their export


A = Action

#: What anonymous readers may do: the public read model.
PUBLIC_ACTIONS = frozenset({A.STORY_READ_PUBLISHED, A.COLUMN_READ, A.TENANT_READ})

_READER = frozenset({*PUBLIC_ACTIONS, A.STORY_READ_DRAFT, A.SELF_READ})
_WRITER = frozenset({A.STORY_CREATE, A.STORY_EDIT})
_NEWSROOM = _READER | _WRITER | {A.REVIEW_OPINION_READ, A.SHARE_READ}
_CENTER_ADMIN = frozenset(
    {A.USER_READ, A.USER_MANAGE, A.ACCOUNT_MANAGE, A.CLIENT_MANAGE, A.AUDIT_READ}
)
_SHARING = frozenset({A.SHARE_READ, A.SHARE_OFFER, A.SHARE_TAKE})

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.CORRESPONDENT: frozenset({*PUBLIC_ACTIONS, A.SELF_READ, *_WRITER, A.STORY_READ_DRAFT}),
    Role.REPORTER: _NEWSROOM,
    Role.EDITOR: _NEWSROOM | _SHARING,
    Role.REVIEWER: _NEWSROOM | {A.REVIEW_DECIDE},
    Role.CHIEF_EDITOR: _NEWSROOM
    | _SHARING
    | {A.REVIEW_DECIDE, A.STORY_PUBLISH, A.USER_READ, A.AUDIT_READ},
    Role.CHANNEL_OPERATOR: _READER | {A.CHANNEL_OPERATE},
    # 融媒号 publish under the center's review: they write, they do not publish or judge.
    Role.ACCOUNT_OPERATOR: frozenset({*_READER, *_WRITER}),
    Role.ADMIN: _NEWSROOM
    | _SHARING
    | _CENTER_ADMIN
    | {A.STORY_PUBLISH, A.CHANNEL_OPERATE, A.REVIEW_DECIDE},
    Role.PLATFORM_ADMIN: _NEWSROOM
    | _SHARING
    | _CENTER_ADMIN
    | {A.STORY_PUBLISH, A.CHANNEL_OPERATE, A.REVIEW_DECIDE, A.TENANT_MANAGE, A.KEYS_ROTATE},
}

# planning (策、采): newsroom staff plan and take assignments; editor-level roles decide
_PLAN_STAFF = frozenset({A.PLANNING_READ, A.LEAD_SUBMIT, A.TOPIC_PROPOSE, A.ASSIGNMENT_WORK})
_PLAN_EDITOR = _PLAN_STAFF | {A.LEAD_TRIAGE, A.TOPIC_APPROVE, A.ASSIGNMENT_DISPATCH}
for _role, _extra in {
    Role.REPORTER: _PLAN_STAFF,
    Role.REVIEWER: _PLAN_STAFF,
    Role.EDITOR: _PLAN_EDITOR,
    Role.CHIEF_EDITOR: _PLAN_EDITOR,
    Role.ADMIN: _PLAN_EDITOR,
    Role.PLATFORM_ADMIN: _PLAN_EDITOR,
    Role.CORRESPONDENT: frozenset({A.LEAD_SUBMIT}),
    Role.ACCOUNT_OPERATOR: frozenset({A.LEAD_SUBMIT}),
}.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _extra

#: Extra actions a reviewer gets at a given stage: 终审 signs the story off for publishing.
STAGE_ACTIONS: dict[ReviewStage, frozenset[Action]] = {
    ReviewStage.FIRST: frozenset(),
    ReviewStage.SECOND: frozenset(),
    ReviewStage.FINAL: frozenset({A.STORY_PUBLISH}),
}

#: OAuth2 scopes a token may carry, and the actions each one opens.
SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "stories:read": frozenset(
        {*PUBLIC_ACTIONS, A.STORY_READ_DRAFT, A.REVIEW_OPINION_READ, A.SELF_READ, A.USER_READ}
    ),
    "stories:write": frozenset(
        {A.STORY_CREATE, A.STORY_EDIT, A.STORY_PUBLISH, A.REVIEW_DECIDE, A.CHANNEL_OPERATE}
    ),
    "share": _SHARING,
    "admin": _CENTER_ADMIN | {A.TENANT_MANAGE, A.KEYS_ROTATE, A.USER_READ},
}
# planning: reading is stories:read, every planning change is stories:write
SCOPE_ACTIONS["stories:read"] = SCOPE_ACTIONS["stories:read"] | {A.PLANNING_READ}
SCOPE_ACTIONS["stories:write"] = SCOPE_ACTIONS["stories:write"] | (_PLAN_EDITOR - {A.PLANNING_READ})
# 报料 from outside the newsroom: the center's app backend (citizens' tips), 舆情监测 and
# department systems send leads as clients; they never read planning
SCOPE_ACTIONS["leads:submit"] = frozenset({A.LEAD_SUBMIT})
ALL_SCOPES = frozenset(SCOPE_ACTIONS)

#: The most a partner or integration client can ever do: never drafts, never admin.
CLIENT_ACTIONS = frozenset(
    {*PUBLIC_ACTIONS, A.STORY_CREATE, A.STORY_EDIT, A.SHARE_READ, A.LEAD_SUBMIT}
)
CLIENT_SCOPES = frozenset({"stories:read", "stories:write", "leads:submit"})

# feeds: center and platform admins manage their clients' subscriptions; a partner
# client (scope stories:read) manages and reads its own
for _role in (Role.ADMIN, Role.PLATFORM_ADMIN):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {A.FEED_MANAGE}
SCOPE_ACTIONS["stories:read"] = SCOPE_ACTIONS["stories:read"] | {A.FEED_MANAGE}
SCOPE_ACTIONS["admin"] = SCOPE_ACTIONS["admin"] | {A.FEED_MANAGE}
CLIENT_ACTIONS = CLIENT_ACTIONS | {A.FEED_MANAGE}

# 问政: newsroom staff read; editor-level roles screen, forward and send answers to review;
# a department's 融媒号 operators read and handle their department's forwards; the app
# backend (scope wenzheng:submit) submits for citizens, relays their ratings and 追问, and
# shows the figures
_WZ_STAFF = frozenset({A.WENZHENG_READ})
_WZ_EDITOR = frozenset({A.WENZHENG_READ, A.WENZHENG_SCREEN, A.WENZHENG_HANDLE, A.WENZHENG_FIGURES})
for _role, _extra in {
    Role.REPORTER: _WZ_STAFF,
    Role.REVIEWER: _WZ_STAFF | {A.WENZHENG_FIGURES},
    Role.EDITOR: _WZ_EDITOR,
    Role.CHIEF_EDITOR: _WZ_EDITOR,
    Role.ADMIN: _WZ_EDITOR,
    Role.PLATFORM_ADMIN: _WZ_EDITOR,
    Role.ACCOUNT_OPERATOR: frozenset({A.WENZHENG_READ, A.WENZHENG_HANDLE}),
}.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _extra
SCOPE_ACTIONS["stories:read"] = SCOPE_ACTIONS["stories:read"] | {
    A.WENZHENG_READ,
    A.WENZHENG_FIGURES,
}
SCOPE_ACTIONS["stories:write"] = SCOPE_ACTIONS["stories:write"] | {
    A.WENZHENG_SCREEN,
    A.WENZHENG_HANDLE,
}
SCOPE_ACTIONS["wenzheng:submit"] = frozenset({A.WENZHENG_SUBMIT, A.WENZHENG_FIGURES})
ALL_SCOPES = frozenset(SCOPE_ACTIONS)
CLIENT_ACTIONS = CLIENT_ACTIONS | {A.WENZHENG_SUBMIT, A.WENZHENG_FIGURES}
CLIENT_SCOPES = CLIENT_SCOPES | {"wenzheng:submit"}


class PrincipalKind(StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    CLIENT = "client"  # partner / integration (client_credentials)
    SYSTEM = "system"  # the hub's own jobs: seeding, CLI, migrations


@dataclass(frozen=True, slots=True)
class Grant:
    """A role for the whole tenant (`account_id` None) or for one 融媒号 account."""

    role: Role
    account_id: str | None = None
    stage: ReviewStage | None = None

    def __post_init__(self) -> None:
        if (self.stage is not None) != (self.role == Role.REVIEWER):
            raise ValueError("a review stage goes with the reviewer role, and only with it")
        if self.account_id is not None and self.role in (Role.PLATFORM_ADMIN, Role.ADMIN):
            raise ValueError("admin roles are granted for a whole tenant, not an account")

    def actions(self) -> frozenset[Action]:
        extra = STAGE_ACTIONS[self.stage] if self.stage else frozenset()
        return ROLE_ACTIONS[self.role] | extra

    def label(self) -> str:
        """`role[:stage][@account]`, the form used in tokens and the CLI."""
        text = self.role.value + (f":{self.stage.value}" if self.stage else "")
        return text + (f"@{self.account_id}" if self.account_id else "")

    @staticmethod
    def parse(text: str) -> Grant:
        """Inverse of `label()`; raises ValueError on an unknown role or stage."""
        head, _, account = text.partition("@")
        role, _, stage = head.partition(":")
        return Grant(Role(role), account or None, ReviewStage(stage) if stage else None)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller as the rules see it."""

    kind: PrincipalKind
    grants: tuple[Grant, ...] = ()
    oauth_scopes: frozenset[str] | None = None  # None: not limited by a token (system, dev)
    subject: str | None = None

    def scope_actions(self) -> frozenset[Action] | None:
        if self.oauth_scopes is None:
            return None
        out: set[Action] = set()
        for s in self.oauth_scopes:
            out |= SCOPE_ACTIONS.get(s, frozenset())
        return frozenset(out)


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
SYSTEM = Principal(PrincipalKind.SYSTEM)


def permits(p: Principal, action: Action, account_id: str | None = None) -> bool:
    """May `p` do `action` — in account `account_id`, or (None) somewhere in its tenant?"""
    if p.kind == PrincipalKind.SYSTEM:
        return True
    if p.kind == PrincipalKind.ANONYMOUS:
        return action in PUBLIC_ACTIONS
    by_scope = p.scope_actions()
    if by_scope is not None and action not in by_scope and action not in PUBLIC_ACTIONS:
        return False
    if p.kind == PrincipalKind.CLIENT:
        return action in CLIENT_ACTIONS
    for g in p.grants:
        if action not in g.actions():
            continue
        if g.account_id is None or account_id is None or g.account_id == account_id:
            return True
    return action in PUBLIC_ACTIONS


class Reach(StrEnum):
    ALL = "all"  # every story of the tenant
    ACCOUNTS = "accounts"  # stories of the principal's accounts
    OWN = "own"  # stories the principal created
    NONE = "none"  # published only (reads) / nothing (writes)


@dataclass(frozen=True, slots=True)
class Visibility:
    reach: Reach
    account_ids: frozenset[str] = field(default_factory=frozenset)


def _reach(p: Principal, action: Action) -> Visibility:
    if p.kind == PrincipalKind.SYSTEM:
        return Visibility(Reach.ALL)
    if p.kind == PrincipalKind.ANONYMOUS or not permits(p, action):
        return Visibility(Reach.NONE)
    if p.kind == PrincipalKind.CLIENT:
        return Visibility(Reach.OWN)
    tenant_wide = [g for g in p.grants if g.account_id is None and action in g.actions()]
    if any(g.role != Role.CORRESPONDENT for g in tenant_wide):
        return Visibility(Reach.ALL)
    accounts = frozenset(g.account_id for g in p.grants if g.account_id and action in g.actions())
    if accounts:
        return Visibility(Reach.ACCOUNTS, accounts)
    return Visibility(Reach.OWN) if tenant_wide else Visibility(Reach.NONE)


def story_visibility(p: Principal) -> Visibility:
    """Which unpublished stories `p` may read (published ones everyone in the tenant may).

    Partners and integration clients never see drafts (`NONE`), whatever their scopes.
    """
    if p.kind == PrincipalKind.CLIENT:
        return Visibility(Reach.NONE)
    return _reach(p, Action.STORY_READ_DRAFT)


def write_reach(p: Principal) -> Visibility:
    """Which stories `p` may change: all, its accounts', its own, or none."""
    return _reach(p, Action.STORY_EDIT)
