"""The one policy table: root fields refuse, field-level rules hide, defaults are safe."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from hub.domain.permissions import Action, Grant, PrincipalKind, ReviewStage, Role
from hub.graphql.schema import GuardedMiddleware, HubSchema, build_schema, guarded_field
from hub.identity.policy import POLICY, Mode, Rule, make_authorizer, rule_for
from hub.settings import Settings
from hub.store.scope import Scope


@strawberry.type
class Draft:
    title: str
    review_opinions: str | None  # what the workflow issue will add to stories


@strawberry.type
class Query:
    @strawberry.field
    def draft(self) -> Draft:
        return Draft(title="稿件", review_opinions="复审意见:标题再斟酌")


@dataclass
class Ctx:
    scope: Scope


POLICY_WITH_OPINIONS = {
    **POLICY,
    "Query.draft": Rule(Action.STORY_READ_DRAFT),
    "Draft.reviewOpinions": Rule(Action.REVIEW_OPINION_READ, Mode.HIDE),
}
schema = HubSchema(
    query=Query,
    extensions=[make_authorizer(POLICY_WITH_OPINIONS)],
    guarded=lambda t, f: guarded_field(t, f, POLICY_WITH_OPINIONS),
)


def as_user(*grants: Grant) -> Ctx:
    return Ctx(
        Scope(tenant="t", actor="u", public_only=False, kind=PrincipalKind.USER, grants=grants)
    )


async def test_reviewer_opinions_show_to_editors_and_hide_from_account_operators() -> None:
    q = "{ draft { title reviewOpinions } }"
    editor = await schema.execute(q, context_value=as_user(Grant(Role.EDITOR)))
    operator = await schema.execute(q, context_value=as_user(Grant(Role.ACCOUNT_OPERATOR, "A1")))
    reviewer = await schema.execute(
        q, context_value=as_user(Grant(Role.REVIEWER, stage=ReviewStage.FIRST))
    )
    assert editor.data == {"draft": {"title": "稿件", "reviewOpinions": "复审意见:标题再斟酌"}}
    assert reviewer.data == editor.data
    assert operator.errors is None and operator.data == {
        "draft": {"title": "稿件", "reviewOpinions": None}
    }


async def test_a_refused_root_field_says_why() -> None:
    anonymous = await schema.execute("{ draft { title } }", context_value=Ctx(Scope(tenant="t")))
    assert anonymous.errors and anonymous.errors[0].original_error.code == "UNAUTHENTICATED"  # type: ignore[union-attr]
    partner = Ctx(
        Scope(
            tenant="t",
            actor="c",
            kind=PrincipalKind.CLIENT,
            oauth_scopes=frozenset({"stories:read"}),
        )
    )
    refused = await schema.execute("{ draft { title } }", context_value=partner)
    assert refused.errors and refused.errors[0].original_error.code == "FORBIDDEN"  # type: ignore[union-attr]


def test_unlisted_root_fields_get_safe_defaults() -> None:
    assert rule_for("Mutation", "somethingNew") == Rule(Action.STORY_EDIT)
    assert rule_for("Query", "somethingNew") == Rule(Action.STORY_READ_PUBLISHED)
    assert rule_for("Story", "title") is None


def test_the_authorizer_wraps_root_fields_and_the_fields_the_policy_names_only() -> None:
    built = build_schema(Settings(mongodb_uri="mongodb://127.0.0.1:1"))
    types = built._schema.type_map
    manager = built._get_middleware_manager(built.get_extensions())
    assert isinstance(manager, GuardedMiddleware)

    def wrapped(type_name: str, field_name: str) -> bool:
        resolver = types[type_name].fields[field_name].resolve  # type: ignore[union-attr]
        return manager.get_field_resolver(resolver) is not resolver

    assert (
        wrapped("Query", "story")
        and wrapped("Mutation", "createStory")
        and wrapped("Query", "columns")
    )
    assert wrapped("User", "grants") and wrapped("SignOffRecord", "opinion")  # field-level rules
    assert (
        not wrapped("Story", "title")
        and not wrapped("Story", "column")
        and not wrapped("Asset", "uri")
    )
