"""Authorization in one place: which action every GraphQL root field (and the few
protected fields) needs, checked by one schema extension before the resolver runs.

Tenant isolation is not decided here: repositories add the tenant to every query.
This table decides *whether* a caller may ask; repositories decide *what* it sees.
A root field missing from the table gets a safe default (queries: the public read
permission, so repositories' public filter applies; mutations: story editing); a
test fails for every unlisted root field so that new fields get an explicit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from strawberry.extensions import SchemaExtension

from hub.domain.permissions import Action, permits
from hub.errors import Codes, HubError
from hub.store.scope import Scope


class Mode(StrEnum):
    REFUSE = "refuse"  # a FORBIDDEN / UNAUTHENTICATED error on the field
    HIDE = "hide"  # the field resolves to null (for optional, field-level rules)


@dataclass(frozen=True, slots=True)
class Rule:
    action: Action
    mode: Mode = Mode.REFUSE


A = Action
R = Rule

POLICY: dict[str, Rule] = {
    # content graph
    "Query.stories": R(A.STORY_READ_PUBLISHED),
    "Query.story": R(A.STORY_READ_PUBLISHED),
    "Query.revision": R(A.STORY_READ_DRAFT),
    "Query.diffStory": R(A.STORY_READ_DRAFT),
    "Query.columns": R(A.COLUMN_READ),
    # links: public URLs, the center's pattern, draft previews (the token is the permission)
    "Query.storyPreview": R(A.STORY_READ_PUBLISHED),
    "Query.siteUrlPattern": R(A.STORY_READ_PUBLISHED),
    "Mutation.setSiteUrlPattern": R(A.ACCOUNT_MANAGE),
    "Mutation.createPreviewLink": R(A.STORY_READ_DRAFT),
    "Mutation.revokePreviewLinks": R(A.STORY_EDIT),
    "Query.node": R(A.STORY_READ_PUBLISHED),  # Relay: each type's repository decides what is seen
    "Query.nodes": R(A.STORY_READ_PUBLISHED),
    "Mutation.createStory": R(A.STORY_CREATE),
    "Mutation.updateStory": R(A.STORY_EDIT),
    "Mutation.restoreRevision": R(A.STORY_EDIT),
    # review (三审): submitting is editing; signing needs a reviewer's (or chief's) rights
    "Query.reviewRound": R(A.STORY_READ_DRAFT),
    "Mutation.submitForReview": R(A.STORY_EDIT),
    "Mutation.signOff": R(A.REVIEW_DECIDE),
    "Query.storyChecks": R(A.STORY_READ_DRAFT),
    "Mutation.setSensitiveWords": R(A.ACCOUNT_MANAGE),  # center administrators
    "Query.sensitiveWords": R(A.ACCOUNT_MANAGE),  # the list itself is for those who keep it
    # review chains, findings, schedule/embargo, reviewed takedown and correction, queue
    "Query.reviewChains": R(A.STORY_READ_DRAFT),
    "Mutation.createReviewChain": R(A.ACCOUNT_MANAGE),  # center administrators configure review
    "Mutation.updateReviewChain": R(A.ACCOUNT_MANAGE),
    "Mutation.deleteReviewChain": R(A.ACCOUNT_MANAGE),
    "Mutation.acknowledgeFinding": R(
        A.STORY_EDIT
    ),  # blocking findings: chief editor/admin (checked inside)
    "Mutation.schedulePublication": R(A.STORY_PUBLISH),
    "Mutation.cancelScheduledPublication": R(A.STORY_PUBLISH),
    "Mutation.setEmbargo": R(A.STORY_PUBLISH),
    "Mutation.requestTakedown": R(
        A.STORY_EDIT
    ),  # without a takedown stage: publishing rights (inside)
    "Mutation.signTakedown": R(A.REVIEW_DECIDE),
    "Mutation.correctStory": R(
        A.STORY_EDIT
    ),  # without a correction stage: publishing rights (inside)
    "Query.reviewQueue": R(A.REVIEW_DECIDE),
    "Query.takedownRequest": R(A.STORY_READ_DRAFT),
    "Query.takedownQueue": R(A.REVIEW_DECIDE),
    # distribution: 签发 (stand-in until review chains) and 撤稿 need publishing rights
    "Query.channels": R(A.STORY_READ_DRAFT),
    "Query.pluginFailures": R(A.CHANNEL_OPERATE),  # deployment-wide: which plugins did not load
    "Query.publications": R(A.STORY_READ_DRAFT),
    # 传播效果: newsroom staff read reach; people's figures and 绩效 are for chief editors and admins
    "Query.storyReach": R(A.STORY_READ_DRAFT),
    "Query.topStories": R(A.STORY_READ_DRAFT),
    "Query.reachByChannel": R(A.STORY_READ_DRAFT),
    "Query.reachByColumn": R(A.STORY_READ_DRAFT),
    "Query.xuexiAdoption": R(A.STORY_READ_DRAFT),
    "Query.personReach": R(A.USER_READ),
    "Query.scoringRules": R(A.USER_READ),
    "Query.performanceReport": R(A.USER_READ),
    "Mutation.saveScoringRules": R(A.ACCOUNT_MANAGE),
    "Query.previewStory": R(A.STORY_READ_DRAFT),
    "Mutation.approveStory": R(A.STORY_PUBLISH),
    "Mutation.takedownStory": R(A.STORY_PUBLISH),
    "Mutation.replayPublication": R(A.CHANNEL_OPERATE),
    "Query.channelSettings": R(A.CHANNEL_OPERATE),
    "Mutation.configureChannel": R(A.CHANNEL_OPERATE),
    "Mutation.reportPlatformStatus": R(A.CHANNEL_OPERATE),
    "Mutation.requestUrgentBroadcast": R(A.STORY_PUBLISH),
    "Mutation.confirmUrgentBroadcast": R(A.STORY_PUBLISH),
    # search: the engine applies the scope (public copy for anonymous readers)
    "Query.search": R(A.STORY_READ_PUBLISHED),
    "Query.suggest": R(A.STORY_READ_PUBLISHED),
    "Mutation.setSearchDictionary": R(A.ACCOUNT_MANAGE),
    # media: anonymous readers get preset renditions of published stories' assets only
    "Query.asset": R(A.STORY_READ_DRAFT),
    "Query.assets": R(A.STORY_READ_DRAFT),
    "Query.renditionUrl": R(A.STORY_READ_DRAFT),
    "Mutation.updateAsset": R(A.STORY_EDIT),
    "Mutation.deleteAsset": R(A.STORY_EDIT),
    # identity
    "Query.me": R(A.TENANT_READ),
    "Query.tenant": R(A.TENANT_READ),
    "Query.tenants": R(A.TENANT_MANAGE),
    "Query.accounts": R(A.TENANT_READ),
    "Query.users": R(A.USER_READ),
    "Query.auditLog": R(A.AUDIT_READ),
    "Query.signInAttempts": R(A.AUDIT_READ),
    "Query.shareOffers": R(A.SHARE_READ),
    "Query.sharedStory": R(A.SHARE_READ),
    "Query.outgoingShares": R(A.SHARE_OFFER),
    "Mutation.createTenant": R(A.TENANT_MANAGE),
    "Mutation.createAccount": R(A.ACCOUNT_MANAGE),
    "Mutation.createUser": R(A.USER_MANAGE),
    "Mutation.setUserGrants": R(A.USER_MANAGE),
    "Mutation.disableUser": R(A.USER_MANAGE),
    "Mutation.enableUser": R(A.USER_MANAGE),
    "Mutation.resetUserPassword": R(
        A.USER_MANAGE
    ),  # a platform admin's: TENANT_MANAGE too (resolver)
    "Mutation.revokeUserSessions": R(A.USER_MANAGE),
    "Mutation.changePassword": R(A.SELF_READ),  # own password; the current one is checked
    "Mutation.createClient": R(A.CLIENT_MANAGE),
    # client lifecycle: center admins their center's clients; the platform admin any (`tenant`: resolver)
    "Query.clients": R(A.CLIENT_MANAGE),
    "Mutation.rotateClientSecret": R(A.CLIENT_MANAGE),
    "Query.persistedDocuments": R(A.CLIENT_MANAGE),  # trusted documents (hub/graphql/persisted.py)
    "Mutation.registerPersistedDocuments": R(A.CLIENT_MANAGE),
    "Mutation.disableClient": R(A.CLIENT_MANAGE),
    "Mutation.enableClient": R(A.CLIENT_MANAGE),
    "Mutation.signOut": R(A.SELF_READ),
    "Mutation.configureOidcProvider": R(A.USER_MANAGE),
    "Mutation.offerStory": R(A.SHARE_OFFER),
    "Mutation.takeSharedStory": R(A.SHARE_TAKE),
    # planning (策、采): leads, topics, assignments, 指挥调度
    "Query.lead": R(A.PLANNING_READ),
    "Query.leads": R(A.PLANNING_READ),
    "Query.topic": R(A.PLANNING_READ),
    "Query.topics": R(A.PLANNING_READ),
    "Query.assignment": R(A.PLANNING_READ),
    "Query.assignments": R(A.PLANNING_READ),
    "Query.dispatchBoard": R(A.PLANNING_READ),
    "Mutation.createLead": R(A.LEAD_SUBMIT),
    "Mutation.acceptLead": R(A.LEAD_TRIAGE),
    "Mutation.mergeLead": R(A.LEAD_TRIAGE),
    "Mutation.rejectLead": R(A.LEAD_TRIAGE),
    "Mutation.proposeTopic": R(A.TOPIC_PROPOSE),
    # edits and lead links: the proposer (own, while proposed) or topic.approve (checked inside)
    "Mutation.updateTopic": R(A.TOPIC_PROPOSE),
    "Mutation.linkLeadsToTopic": R(A.TOPIC_PROPOSE),
    "Mutation.unlinkLeadFromTopic": R(A.TOPIC_PROPOSE),
    "Mutation.approveTopic": R(A.TOPIC_APPROVE),
    "Mutation.rejectTopic": R(A.TOPIC_APPROVE),
    "Mutation.completeTopic": R(A.TOPIC_APPROVE),
    "Mutation.cancelTopic": R(A.TOPIC_APPROVE),
    "Mutation.dispatchAssignment": R(A.ASSIGNMENT_DISPATCH),
    "Mutation.cancelAssignment": R(A.ASSIGNMENT_DISPATCH),
    "Mutation.reassignAssignment": R(A.ASSIGNMENT_DISPATCH),
    "Mutation.acceptAssignment": R(
        A.ASSIGNMENT_WORK
    ),  # the store checks: the assignee, or a dispatcher
    "Mutation.startAssignment": R(A.ASSIGNMENT_WORK),
    "Mutation.fileAssignment": R(A.ASSIGNMENT_WORK),
    "Mutation.declineAssignment": R(A.ASSIGNMENT_WORK),
    "Lead.contact": R(A.PLANNING_READ, Mode.HIDE),  # a tipster's contact is newsroom-only
    "Lead.triagedBy": R(A.PLANNING_READ, Mode.HIDE),  # who triaged, and why it was rejected:
    "Lead.rejectReason": R(
        A.PLANNING_READ, Mode.HIDE
    ),  # newsroom-only (a submitting client resends)
    "Story.assignment": R(A.PLANNING_READ, Mode.HIDE),
    "Story.lock": R(A.STORY_READ_DRAFT, Mode.HIDE),  # who is editing: newsroom only
    # editing (编): locks, comments, notifications, 三校, live events
    "Query.storyLock": R(A.STORY_READ_DRAFT),
    "Query.comments": R(A.STORY_READ_DRAFT),
    "Query.myNotifications": R(A.SELF_READ),
    "Query.proofRounds": R(A.STORY_READ_DRAFT),
    "Mutation.acquireStoryLock": R(A.STORY_EDIT),
    "Mutation.renewStoryLock": R(A.STORY_EDIT),
    "Mutation.releaseStoryLock": R(A.STORY_EDIT),
    "Mutation.takeOverStoryLock": R(
        A.STORY_EDIT
    ),  # a live lock: STORY_PUBLISH too (hub/editing/locks.py)
    "Mutation.addComment": R(
        A.STORY_READ_DRAFT
    ),  # reviewers comment too; visibility in the repository
    "Mutation.editComment": R(A.STORY_READ_DRAFT),  # own comments only
    "Mutation.deleteComment": R(A.STORY_READ_DRAFT),  # own comments only
    "Mutation.resolveComment": R(A.STORY_EDIT),
    "Mutation.markNotificationsRead": R(A.SELF_READ),
    "Mutation.startProofRound": R(A.STORY_EDIT),
    "Mutation.completeProofRound": R(A.STORY_EDIT),
    "Subscription.newsroomEvents": R(A.STORY_READ_DRAFT),  # and tenant-wide draft reach
    "Subscription.liveStory": R(A.STORY_READ_PUBLISHED),  # 图文直播: the public copy only
    # feeds: partner subscriptions (a client its own, admins their tenant's clients')
    "Query.feedSubscriptions": R(A.FEED_MANAGE),
    "Mutation.createFeedSubscription": R(A.FEED_MANAGE),
    "Mutation.updateFeedSubscription": R(A.FEED_MANAGE),
    "Mutation.disableFeedSubscription": R(A.FEED_MANAGE),
    # webhooks: like subscriptions (a partner client its own endpoints, admins their tenant's)
    "Query.webhookEndpoints": R(A.FEED_MANAGE),
    "Query.webhookEndpoint": R(A.FEED_MANAGE),
    "Query.webhookDeliveries": R(A.FEED_MANAGE),
    "Mutation.createWebhookEndpoint": R(A.FEED_MANAGE),
    "Mutation.updateWebhookEndpoint": R(A.FEED_MANAGE),
    "Mutation.disableWebhookEndpoint": R(A.FEED_MANAGE),
    "Mutation.enableWebhookEndpoint": R(A.FEED_MANAGE),
    "Mutation.rotateWebhookSecret": R(A.FEED_MANAGE),
    "Mutation.replayWebhookDelivery": R(A.FEED_MANAGE),
    "Mutation.replayWebhookEndpoint": R(A.FEED_MANAGE),
    "Mutation.sendWebhookTestEvent": R(A.FEED_MANAGE),
    # 问政 / 投诉信箱 (the store narrows reads: staff all, departments theirs, the app its own)
    "Query.wenzhengQuestion": R(A.WENZHENG_READ),
    "Query.wenzhengQuestions": R(A.WENZHENG_READ),
    "Query.trackWenzhengQuestion": R(
        A.TENANT_READ
    ),  # anyone with the tracking number and check code
    "Query.wenzhengFigures": R(A.WENZHENG_FIGURES),
    "Query.wenzhengSettings": R(A.WENZHENG_READ),
    "Mutation.submitWenzhengQuestion": R(A.WENZHENG_SUBMIT),
    "Mutation.screenWenzhengQuestion": R(A.WENZHENG_SCREEN),
    "Mutation.forwardWenzhengQuestion": R(A.WENZHENG_SCREEN),
    "Mutation.handleWenzhengForward": R(
        A.WENZHENG_HANDLE
    ),  # own department's forwards (store), or a screener
    "Mutation.sendWenzhengAnswerToReview": R(A.WENZHENG_SCREEN),
    "Mutation.releaseWenzhengAnswer": R(
        A.REVIEW_DECIDE
    ),  # a private answer: reviewed by who may decide reviews
    "Mutation.rateWenzhengAnswer": R(A.WENZHENG_SUBMIT),  # relayed by the app for the citizen
    "Mutation.reopenWenzhengQuestion": R(A.WENZHENG_SUBMIT),
    "Mutation.supplementWenzhengQuestion": R(A.WENZHENG_SUBMIT),
    "Mutation.configureWenzheng": R(A.ACCOUNT_MANAGE),  # center administrators
    "WenzhengQuestion.contact": R(
        A.WENZHENG_SCREEN, Mode.HIDE
    ),  # the citizen's contact: screeners only
    # field-level rules
    "Story.revisions": R(A.STORY_READ_DRAFT),  # old revisions are unpublished text
    "User.email": R(A.USER_MANAGE, Mode.HIDE),
    "User.grants": R(A.USER_READ, Mode.HIDE),
    "SignOffRecord.opinion": R(A.REVIEW_OPINION_READ, Mode.HIDE),  # 审稿意见: newsroom only
}

DEFAULT_QUERY = Rule(A.STORY_READ_PUBLISHED)
DEFAULT_MUTATION = Rule(A.STORY_EDIT)
ROOTS = ("Query", "Mutation", "Subscription")


def refusal(scope: Scope, action: Action) -> HubError:
    if scope.anonymous:
        return HubError(Codes.UNAUTHENTICATED)
    return HubError(
        Codes.FORBIDDEN,
        reason_zh=f"你的角色或令牌权限范围不允许「{action.value}」",
        reason_en=f"your roles or token scopes do not allow {action.value}",
        action=action.value,
    )


def authorize(scope: Scope, action: Action, account_id: str | None = None) -> None:
    """Raise UNAUTHENTICATED / FORBIDDEN unless `scope` may do `action`."""
    if not permits(scope.principal, action, account_id):
        raise refusal(scope, action)


def rule_for(type_name: str, field_name: str, policy: Mapping[str, Rule] = POLICY) -> Rule | None:
    rule = policy.get(f"{type_name}.{field_name}")
    if rule is None and type_name in ROOTS:
        return DEFAULT_MUTATION if type_name == "Mutation" else DEFAULT_QUERY
    return rule


def make_authorizer(policy: Mapping[str, Rule] = POLICY) -> type[SchemaExtension]:
    """A schema extension applying `policy` (tests pass their own table)."""

    class Authorize(SchemaExtension):
        def resolve(
            self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
        ) -> Any:
            rule = rule_for(info.parent_type.name, info.field_name, policy)
            if rule is not None:
                scope: Scope = info.context.scope
                if not permits(scope.principal, rule.action):
                    if rule.mode == Mode.HIDE:
                        return None
                    raise refusal(scope, rule.action)
            return _next(root, info, *args, **kwargs)

    return Authorize


Authorize = make_authorizer()
