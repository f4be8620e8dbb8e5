"""The permission rules as plain code: roles, stages, accounts, scopes, visibility."""

from __future__ import annotations

import pytest

from hub.domain.permissions import (
    ANONYMOUS,
    SYSTEM,
    Action,
    Grant,
    Principal,
    PrincipalKind,
    Reach,
    ReviewStage,
    Role,
    permits,
    story_visibility,
    write_reach,
)


def user(*grants: Grant, scopes: set[str] | None = None) -> Principal:
    return Principal(PrincipalKind.USER, grants, frozenset(scopes) if scopes is not None else None)


def test_anonymous_may_read_the_public_model_and_nothing_else() -> None:
    assert permits(ANONYMOUS, Action.STORY_READ_PUBLISHED)
    for action in (
        Action.STORY_CREATE,
        Action.STORY_READ_DRAFT,
        Action.AUDIT_READ,
        Action.USER_READ,
    ):
        assert not permits(ANONYMOUS, action)


def test_only_the_final_review_stage_publishes_among_reviewers() -> None:
    first = user(Grant(Role.REVIEWER, stage=ReviewStage.FIRST))
    final = user(Grant(Role.REVIEWER, stage=ReviewStage.FINAL))
    assert permits(first, Action.REVIEW_DECIDE) and not permits(first, Action.STORY_PUBLISH)
    assert permits(final, Action.STORY_PUBLISH)


def test_a_reviewer_needs_a_stage_and_only_reviewers_have_one() -> None:
    with pytest.raises(ValueError):
        Grant(Role.REVIEWER)
    with pytest.raises(ValueError):
        Grant(Role.EDITOR, stage=ReviewStage.FIRST)
    with pytest.raises(ValueError):
        Grant(Role.ADMIN, account_id="acc")


def test_grant_labels_round_trip() -> None:
    for g in (
        Grant(Role.EDITOR),
        Grant(Role.REVIEWER, stage=ReviewStage.SECOND),
        Grant(Role.ACCOUNT_OPERATOR, "A1"),
    ):
        assert Grant.parse(g.label()) == g
    with pytest.raises(ValueError):
        Grant.parse("overlord")


def test_reviewer_opinions_are_for_editors_not_account_operators() -> None:
    assert permits(user(Grant(Role.EDITOR)), Action.REVIEW_OPINION_READ)
    assert not permits(user(Grant(Role.ACCOUNT_OPERATOR, "A1")), Action.REVIEW_OPINION_READ)


def test_account_operators_reach_only_their_accounts() -> None:
    op = user(Grant(Role.ACCOUNT_OPERATOR, "A1"))
    assert permits(op, Action.STORY_EDIT, "A1") and not permits(op, Action.STORY_EDIT, "A2")
    assert not permits(op, Action.STORY_PUBLISH)
    assert story_visibility(op).reach == Reach.ACCOUNTS and story_visibility(op).account_ids == {
        "A1"
    }
    assert write_reach(op).reach == Reach.ACCOUNTS


def test_correspondents_reach_only_their_own_stories() -> None:
    c = user(Grant(Role.CORRESPONDENT))
    assert permits(c, Action.STORY_CREATE)
    assert not permits(c, Action.SHARE_OFFER) and not permits(c, Action.REVIEW_OPINION_READ)
    assert story_visibility(c).reach == Reach.OWN and write_reach(c).reach == Reach.OWN


def test_tenant_wide_roles_reach_every_story() -> None:
    assert story_visibility(user(Grant(Role.REPORTER))).reach == Reach.ALL
    assert write_reach(user(Grant(Role.CHANNEL_OPERATOR))).reach == Reach.NONE


def test_token_scopes_narrow_what_roles_allow() -> None:
    reader = user(Grant(Role.ADMIN), scopes={"stories:read"})
    assert permits(reader, Action.STORY_READ_DRAFT)
    assert not permits(reader, Action.STORY_CREATE)
    assert not permits(reader, Action.USER_MANAGE)
    assert permits(user(Grant(Role.ADMIN), scopes={"admin"}), Action.USER_MANAGE)


def test_clients_never_see_drafts_whatever_their_scopes() -> None:
    client = Principal(
        PrincipalKind.CLIENT, (), frozenset({"stories:read", "stories:write", "admin"})
    )
    assert not permits(client, Action.STORY_READ_DRAFT)
    assert not permits(client, Action.USER_MANAGE)
    assert permits(client, Action.STORY_CREATE)
    assert story_visibility(client).reach == Reach.NONE
    assert write_reach(client).reach == Reach.OWN


def test_platform_powers_belong_to_platform_admins_only() -> None:
    assert not permits(user(Grant(Role.ADMIN)), Action.TENANT_MANAGE)
    assert permits(user(Grant(Role.PLATFORM_ADMIN)), Action.KEYS_ROTATE)
    assert permits(SYSTEM, Action.KEYS_ROTATE)
