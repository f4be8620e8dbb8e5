"""Property: whoever asks, whatever they ask, no response carries another tenant's
data unless a sharing grant allows it; anonymous writes are always refused; no
request ends in an internal error.

Hypothesis draws callers (every role in three tenants, a 融媒号 operator, a
correspondent, a partner client, the development token, anonymous) and sequences
of operations over every root field of the schema, with ids taken from all tenants.
Every seeded story carries a marker `MK{tenant}S{n}`; created ones `MK{tenant}N`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import parse, validate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.graphql.schema import build_schema
from hub.identity.documents import ShareGrantDoc
from hub.ids import now_ms
from hub.reach.collect import StoryFacts, record_point
from hub.reach.schedule import month_of
from hub.settings import Settings
from hub.store.documents import StoryDoc
from tests.conftest import DEV_TOKEN
from tests.e2e.identity_helpers import make_account, make_tenant, make_user, sign_in, token_request

MONTH = month_of(now_ms())
MARKER = re.compile(r"MK(\d)(?:S(\d+)|N)")
ROLES = [
    "admin",
    "chief_editor",
    "editor",
    "reporter",
    "reviewer:final",
    "channel_operator",
    "correspondent",
]


@dataclass
class Actor:
    name: str
    tenant_index: int | None  # None: anonymous (default tenant, public)
    token: str | None


@dataclass
class World:
    tenants: list[str]  # index 0 is the default tenant (dev token), 1..3 created here
    actors: list[Actor]
    stories: list[tuple[int, int, str]]  # (tenant index, n, id)
    users: dict[int, set[str]] = field(default_factory=dict)  # usernames per tenant
    grant_ids: list[str] = field(default_factory=list)
    clients: dict[int, str] = field(default_factory=dict)  # the partner client per tenant
    questions: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # 问政: (tenant, id, tracking number, check code)


CREATE_STORY = (
    'mutation($t: String!) { createStory(input: {title: $t, bodyText: "正文"}) { id title body } }'
)

# One probe (or more) per root field; `{...}` names the argument pool each variable draws from.
PROBES: dict[str, list[tuple[str, dict[str, str]]]] = {
    "stories": [
        ("{ stories(first: 50) { totalCount edges { node { id title body status url } } } }", {}),
        ("{ stories(first: 50, filter: {status: DRAFT}) { edges { node { id title } } } }", {}),
    ],
    "story": [
        (
            "query($id: ID!) { story(id: $id) { id title body revisions { title body } } }",
            {"id": "story"},
        )
    ],
    "revision": [
        ("query($id: ID!) { revision(storyId: $id, number: 1) { title body } }", {"id": "story"})
    ],
    "diffStory": [
        (
            "query($id: ID!) { diffStory(id: $id, fromRevision: 1, toRevision: 1) { storyId changes { before after } } }",
            {"id": "story"},
        )
    ],
    "columns": [("{ columns { id name } }", {})],
    # links: story URLs, the center's pattern, draft previews (a genuine token is a deliberate share:
    # probed with forged ones; making one for another center's story is NOT_FOUND)
    "siteUrlPattern": [("{ siteUrlPattern }", {})],
    "setSiteUrlPattern": [
        (
            'mutation { setSiteUrlPattern(pattern: "https://news.example.cn/{column}/{id}.html") }',
            {},
        )
    ],
    "createPreviewLink": [
        (
            "mutation($id: ID!) { createPreviewLink(storyId: $id) { url token expiresAt } }",
            {"id": "story"},
        )
    ],
    "revokePreviewLinks": [
        ("mutation($id: ID!) { revokePreviewLinks(storyId: $id) }", {"id": "story"})
    ],
    "storyPreview": [
        ("query($t: String!) { storyPreview(token: $t) { id title body url } }", {"t": "fresh"})
    ],
    # Relay: any tenant's story id (or an asset's, column's) through node/nodes
    "node": [
        ("query($id: ID!) { node(id: $id) { id ... on Story { title body } } }", {"id": "story"})
    ],
    "nodes": [
        (
            "query($id: ID!, $other: ID!) { nodes(ids: [$id, $other]) { id ... on Story { title body } } }",
            {"id": "story", "other": "story"},
        )
    ],
    "me": [("{ me { tenantId kind grants { label } } }", {})],
    "tenant": [("{ tenant { id name } }", {})],
    "tenants": [("{ tenants { id name } }", {})],
    "accounts": [("{ accounts { id name } }", {})],
    "users": [("{ users { id username displayName email grants { label } } }", {})],
    "auditLog": [("{ auditLog(first: 100) { action actor targetId details } }", {})],
    "signInAttempts": [
        ("{ signInAttempts { userId username failures addresses { address failures } } }", {})
    ],
    "shareOffers": [("{ shareOffers { id storyId fromTenant } }", {})],
    "outgoingShares": [("{ outgoingShares { id storyId toTenant takenStoryId } }", {})],
    "sharedStory": [
        (
            "query($g: ID!) { sharedStory(grantId: $g) { title body grant { storyId } } }",
            {"g": "grant"},
        )
    ],
    "createStory": [(CREATE_STORY, {"t": "new_title"})],
    "updateStory": [
        (
            "mutation($id: ID!, $t: String!) { updateStory(input: {id: $id, expectedVersion: 1, title: $t}) { id title body } }",
            {"id": "story", "t": "update_title"},
        )
    ],
    "restoreRevision": [
        (
            "mutation($id: ID!) { restoreRevision(id: $id, number: 1, expectedVersion: 2) { id title } }",
            {"id": "story"},
        )
    ],
    "approveStory": [
        (
            "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { id title } }",
            {"id": "story"},
        )
    ],
    "takedownStory": [
        (
            'mutation($id: ID!) { takedownStory(id: $id, expectedVersion: 2, reason: "核实有误") { id title } }',
            {"id": "story"},
        )
    ],
    "requestUrgentBroadcast": [
        (
            'mutation($id: ID!) { requestUrgentBroadcast(id: $id, expectedVersion: 1, reason: "暴雨") { id title } }',
            {"id": "story"},
        )
    ],
    "confirmUrgentBroadcast": [
        (
            "mutation($id: ID!) { confirmUrgentBroadcast(id: $id, expectedVersion: 2) { id title } }",
            {"id": "story"},
        )
    ],
    "reportPlatformStatus": [
        (
            'mutation($id: ID!) { reportPlatformStatus(publicationId: $id, report: {item_id: "x", adopted: true}) { id storyId } }',
            {"id": "publication"},
        )
    ],
    "channelSettings": [('{ channelSettings(channel: "wechat") { config effective } }', {})],
    "configureChannel": [
        (
            'mutation($n: String!) { configureChannel(channel: "sms", config: {transport: {directory: $n}}) { config } }',
            {"n": "fresh"},
        )
    ],
    "reviewRound": [
        (
            "query($id: ID!) { reviewRound(storyId: $id) { storyId status signOffs { reviewer } } }",
            {"id": "story"},
        )
    ],
    "submitForReview": [
        (
            "mutation($id: ID!) { submitForReview(id: $id, expectedVersion: 1) { storyId status } }",
            {"id": "story"},
        )
    ],
    "signOff": [
        (
            'mutation($id: ID!) { signOff(storyId: $id, decision: APPROVE, opinion: "同意") { storyId status } }',
            {"id": "story"},
        )
    ],
    "storyChecks": [("query($id: ID!) { storyChecks(id: $id) { code match } }", {"id": "story"})],
    "setSensitiveWords": [
        (
            'mutation($t: String!) { setSensitiveWords(words: [{text: "违禁词"}, {text: $t, level: "warn"}]) }',
            {"t": "new_title"},
        )
    ],
    # the list as saved: each tenant's words carry its marker (MK{i}N, set by setSensitiveWords probes)
    "sensitiveWords": [
        ("{ sensitiveWords { words { text level note } allowedSources updatedBy } }", {})
    ],
    # review: chains, findings, schedule/embargo, reviewed takedown and correction, queue
    "reviewChains": [("{ reviewChains { id name stages { role } channels } }", {})],
    # (limited to a column no story uses: a chain for "any" story would change other tests' tenants)
    "createReviewChain": [
        (
            'mutation { createReviewChain(input: {name: "审核", columns: ["probe-no-such-column"], stages: [{key: "f", name: "终审", role: "chief_editor"}]}) { id name } }',
            {},
        )
    ],
    "updateReviewChain": [
        (
            'mutation($id: ID!) { updateReviewChain(id: $id, input: {name: "改", columns: ["probe-no-such-column"], stages: [{key: "f", name: "终审", role: "chief_editor"}]}) { id name } }',
            {"id": "story"},
        )
    ],
    "deleteReviewChain": [("mutation($id: ID!) { deleteReviewChain(id: $id) }", {"id": "story"})],
    "acknowledgeFinding": [
        (
            'mutation($id: ID!) { acknowledgeFinding(storyId: $id, key: "SENSITIVE_WORD:body:0", note: "已核实") { key match } }',
            {"id": "story"},
        )
    ],
    "schedulePublication": [
        (
            'mutation($id: ID!) { schedulePublication(storyId: $id, at: "2099-01-01T00:00:00Z") { storyId publishAt } }',
            {"id": "story"},
        )
    ],
    "cancelScheduledPublication": [
        (
            "mutation($id: ID!) { cancelScheduledPublication(storyId: $id) { storyId status } }",
            {"id": "story"},
        )
    ],
    "setEmbargo": [
        (
            'mutation($id: ID!) { setEmbargo(storyId: $id, until: "2099-01-01T00:00:00Z") { storyId embargoUntil } }',
            {"id": "story"},
        )
    ],
    "requestTakedown": [
        (
            'mutation($id: ID!) { requestTakedown(storyId: $id, expectedVersion: 2, reason: "核实有误") { storyId takenDown } }',
            {"id": "story"},
        )
    ],
    "signTakedown": [
        (
            'mutation($id: ID!) { signTakedown(storyId: $id, decision: APPROVE, opinion: "同意") { storyId reason } }',
            {"id": "story"},
        )
    ],
    "correctStory": [
        (
            'mutation($id: ID!, $t: String!) { correctStory(input: {id: $id, expectedVersion: 2, title: $t}, note: "更正") { storyId status } }',
            {"id": "story", "t": "update_title"},
        )
    ],
    "reviewQueue": [("{ reviewQueue { storyId chain currentStage { name } } }", {})],
    "takedownRequest": [
        (
            "query($id: ID!) { takedownRequest(storyId: $id) { storyId reason requestedBy } }",
            {"id": "story"},
        )
    ],
    "takedownQueue": [("{ takedownQueue { storyId reason requestedBy stage { name } } }", {})],
    "replayPublication": [
        ("mutation($id: ID!) { replayPublication(id: $id) { id storyId } }", {"id": "publication"})
    ],
    "channels": [("{ channels { name titleZh configSchema } }", {})],
    "pluginFailures": [("{ pluginFailures { source error } }", {})],
    "publications": [
        (
            "query($id: ID!) { publications(storyId: $id) { id storyId channel ledger { evidence } } }",
            {"id": "story"},
        )
    ],
    # 传播效果 and 绩效 (each tenant's published story has a recorded point: see `world`)
    "storyReach": [
        (
            "query($id: ID!) { storyReach(storyId: $id) { storyId totals { views } channels { channel latest { views } } } }",
            {"id": "story"},
        )
    ],
    "topStories": [
        (f'{{ topStories(month: "{MONTH}") {{ storyId title value channels }} }}', {}),
        (
            f'{{ topStories(firstDay: "{MONTH}-01", lastDay: "{MONTH}-20") {{ storyId title value }} }}',
            {},
        ),
    ],
    "reachByChannel": [
        (f'{{ reachByChannel(month: "{MONTH}") {{ key figures {{ views }} }} }}', {})
    ],
    "reachByColumn": [(f'{{ reachByColumn(month: "{MONTH}") {{ key figures {{ views }} }} }}', {})],
    "xuexiAdoption": [(f'{{ xuexiAdoption(month: "{MONTH}") {{ submitted adopted rate }} }}', {})],
    "personReach": [
        (
            f'query($p: String!) {{ personReach(person: $p, month: "{MONTH}") {{ stories items {{ storyId title roles }} }} }}',
            {"p": "fresh"},
        )
    ],
    "scoringRules": [("{ scoringRules { version name rules createdBy } }", {})],
    "saveScoringRules": [
        (
            'mutation { saveScoringRules(rules: {name: "绩效规则", role_weights: {reporter: 1}}) { version name createdBy } }',
            {},
        )
    ],
    "performanceReport": [
        (
            f'{{ performanceReport(month: "{MONTH}") {{ rulesVersion people {{ person points }} pieces {{ storyId title people }} }} }}',
            {},
        )
    ],
    "previewStory": [
        ("query($id: ID!) { previewStory(id: $id) { channel fields } }", {"id": "story"})
    ],
    "search": [
        (
            '{ search(query: "正文") { edges { node { story { id title body } highlights { fragments } } } } }',
            {},
        ),
        (
            "query($t: String!) { search(query: $t) { edges { node { story { id title } } } } }",
            {"t": "marker"},
        ),
    ],
    "suggest": [('{ suggest(prefix: "MK") { text } }', {})],
    "setSearchDictionary": [
        ('mutation { setSearchDictionary(words: ["岚溪湾"], synonyms: []) { words } }', {})
    ],
    "asset": [("query($id: ID!) { asset(id: $id) { id } }", {"id": "story"})],
    "assets": [("{ assets { edges { node { id uri } } } }", {})],
    "renditionUrl": [
        ('query($id: ID!) { renditionUrl(assetId: $id, spec: "thumb") }', {"id": "story"})
    ],
    "updateAsset": [
        (
            'mutation($id: ID!) { updateAsset(input: {id: $id, alt: "替代"}) { id } }',
            {"id": "story"},
        )
    ],
    "deleteAsset": [("mutation($id: ID!) { deleteAsset(id: $id) }", {"id": "story"})],
    "createTenant": [
        ('mutation($id: ID!) { createTenant(id: $id, name: "新中心") { id } }', {"id": "fresh"})
    ],
    "createAccount": [
        ("mutation($n: String!) { createAccount(name: $n) { id name } }", {"n": "fresh"})
    ],
    "createUser": [
        (
            'mutation($n: String!, $t: ID) { createUser(input: {username: $n, displayName: "新人", password: "long enough 1", tenant: $t}) { id username } }',
            {"n": "fresh", "t": "tenant"},
        )
    ],
    "setUserGrants": [
        (
            'mutation($u: ID!) { setUserGrants(userId: $u, grants: ["reporter"]) { id username } }',
            {"u": "fresh"},
        )
    ],
    # ending sessions: ids nobody has (a real one would sign the shared actors out mid-test)
    "disableUser": [
        ("mutation($u: ID!) { disableUser(userId: $u) { id username } }", {"u": "fresh"})
    ],
    "enableUser": [
        ("mutation($u: ID!) { enableUser(userId: $u) { id username } }", {"u": "fresh"})
    ],
    "resetUserPassword": [
        (
            'mutation($u: ID!) { resetUserPassword(userId: $u, password: "long enough 1") { id username } }',
            {"u": "fresh"},
        )
    ],
    "revokeUserSessions": [
        ("mutation($u: ID!) { revokeUserSessions(userId: $u) { id username } }", {"u": "fresh"})
    ],
    "changePassword": [
        (
            'mutation { changePassword(currentPassword: "not the password", newPassword: "long enough 2") }',
            {},
        )
    ],
    "createClient": [
        ('mutation { createClient(name: "合作方", scopes: ["stories:read"]) { clientId } }', {})
    ],
    "signOut": [("mutation { signOut }", {})],
    # client lifecycle: the world's clients are named with their tenant's marker (MK{i}N)
    # trusted documents of any tenant's client (another center's client: NOT_FOUND)
    "persistedDocuments": [
        (
            "query($c: ID!) { persistedDocuments(clientId: $c) { id clientId text } }",
            {"c": "client"},
        )
    ],
    "registerPersistedDocuments": [
        (
            "mutation($c: ID!, $m: JSON!) { registerPersistedDocuments(clientId: $c, manifest: $m) { clientId documents } }",
            {"c": "client", "m": "manifest"},
        )
    ],
    "clients": [
        ("{ clients { id name status scopes feedSubscriptionCount webhookEndpointCount } }", {}),
        ("query($t: ID) { clients(tenant: $t) { id name disabledReason } }", {"t": "tenant"}),
    ],
    # rotating keeps live tokens (no endSessions): any tenant's client, the caller's own included
    "rotateClientSecret": [
        (
            "mutation($c: ID!) { rotateClientSecret(clientId: $c) { clientSecret client { id name } } }",
            {"c": "client"},
        )
    ],
    # disabling the caller's own client would end a shared actor's token: other centers' only,
    # which must be NOT_FOUND (a disabled partner actor would then fail every later request)
    "disableClient": [
        (
            'mutation($c: ID!) { disableClient(clientId: $c, reason: "停用") { id name status } }',
            {"c": "other_client"},
        )
    ],
    "enableClient": [
        (
            "mutation($c: ID!) { enableClient(clientId: $c) { id name status } }",
            {"c": "other_client"},
        )
    ],
    "configureOidcProvider": [
        (
            'mutation($n: String!) { configureOidcProvider(name: $n, issuer: "http://127.0.0.1:9", clientId: "c", clientSecret: "s") { name loginPath } }',
            {"n": "fresh"},
        )
    ],
    "offerStory": [
        (
            "mutation($s: ID!, $to: ID!) { offerStory(storyId: $s, toTenant: $to) { id storyId toTenant } }",
            {"s": "story", "to": "tenant"},
        )
    ],
    "takeSharedStory": [
        ("mutation($g: ID!) { takeSharedStory(grantId: $g) { id title body } }", {"g": "grant"})
    ],
    # planning (策、采): leads carry the creator's tenant marker; ids from other tenants find nothing
    "createLead": [
        (
            'mutation($t: String!) { createLead(input: {title: $t, source: CITIZEN, contact: "138"}) { id title contact } }',
            {"t": "new_title"},
        )
    ],
    "lead": [
        ("query($id: ID!) { lead(id: $id) { id title contact topics { title } } }", {"id": "story"})
    ],
    "leads": [("{ leads(first: 50) { edges { node { id title contact mergedFromIds } } } }", {})],
    "acceptLead": [("mutation($id: ID!) { acceptLead(id: $id) { id title } }", {"id": "story"})],
    "mergeLead": [
        (
            "mutation($id: ID!, $to: ID!) { mergeLead(id: $id, intoId: $to) { id title } }",
            {"id": "story", "to": "story"},
        )
    ],
    "rejectLead": [
        ('mutation($id: ID!) { rejectLead(id: $id, reason: "重复") { id title } }', {"id": "story"})
    ],
    "proposeTopic": [
        (
            "mutation($t: String!) { proposeTopic(input: {title: $t}) { id title } }",
            {"t": "new_title"},
        )
    ],
    "topic": [
        (
            "query($id: ID!) { topic(id: $id) { id title leads { title } assignments { id } } }",
            {"id": "story"},
        )
    ],
    "topics": [("{ topics(first: 50) { edges { node { id title proposer } } } }", {})],
    "updateTopic": [
        (
            'mutation($id: ID!) { updateTopic(id: $id, expectedVersion: 1, input: {title: "改", channels: ["app"]}) { id title leads { title } } }',
            {"id": "story"},
        )
    ],
    "linkLeadsToTopic": [
        (
            "mutation($id: ID!, $l: ID!) { linkLeadsToTopic(topicId: $id, leadIds: [$l]) { id title leads { title contact topics { title } } } }",
            {"id": "story", "l": "story"},
        )
    ],
    "unlinkLeadFromTopic": [
        (
            "mutation($id: ID!, $l: ID!) { unlinkLeadFromTopic(topicId: $id, leadId: $l, expectedVersion: 1) { id title leads { title } } }",
            {"id": "story", "l": "story"},
        )
    ],
    "approveTopic": [
        ("mutation($id: ID!) { approveTopic(id: $id) { id title } }", {"id": "story"})
    ],
    "rejectTopic": [
        (
            'mutation($id: ID!) { rejectTopic(id: $id, reason: "不合适") { id title } }',
            {"id": "story"},
        )
    ],
    "completeTopic": [
        ("mutation($id: ID!) { completeTopic(id: $id) { id title } }", {"id": "story"})
    ],
    "cancelTopic": [
        (
            'mutation($id: ID!) { cancelTopic(id: $id, reason: "取消") { id title } }',
            {"id": "story"},
        )
    ],
    "dispatchAssignment": [
        (
            'mutation($id: ID!) { dispatchAssignment(input: {topicId: $id, assignees: ["x"], deadline: "2099-01-01T00:00:00Z"}) { id } }',
            {"id": "story"},
        )
    ],
    "assignment": [
        (
            "query($id: ID!) { assignment(id: $id) { id topic { title } story { title } assignees { displayName } } }",
            {"id": "story"},
        )
    ],
    "assignments": [
        (
            "{ assignments(first: 50) { edges { node { id topic { title } assignees { id displayName } } } } }",
            {},
        )
    ],
    "acceptAssignment": [
        ("mutation($id: ID!) { acceptAssignment(id: $id) { id } }", {"id": "story"})
    ],
    "startAssignment": [
        ("mutation($id: ID!) { startAssignment(id: $id) { id } }", {"id": "story"})
    ],
    "fileAssignment": [
        (
            "mutation($id: ID!) { fileAssignment(id: $id, storyId: $id) { id story { title } } }",
            {"id": "story"},
        )
    ],
    "declineAssignment": [
        ('mutation($id: ID!) { declineAssignment(id: $id, reason: "忙") { id } }', {"id": "story"})
    ],
    "cancelAssignment": [
        ('mutation($id: ID!) { cancelAssignment(id: $id, reason: "取消") { id } }', {"id": "story"})
    ],
    "reassignAssignment": [
        (
            'mutation($id: ID!) { reassignAssignment(id: $id, assignees: ["x"], reason: "改派") { id } }',
            {"id": "story"},
        )
    ],
    "dispatchBoard": [
        (
            "{ dispatchBoard { people { person { id displayName } } unstaffedTopics { title } leadsAwaitingTriage { title contact } } }",
            {},
        )
    ],
    # editing
    "storyLock": [
        (
            "query($id: ID!) { storyLock(storyId: $id) { storyId holder holderName } }",
            {"id": "story"},
        )
    ],
    "comments": [
        (
            "query($id: ID!) { comments(storyId: $id) { id text authorName mentions replies { text authorName } } }",
            {"id": "story"},
        )
    ],
    "myNotifications": [("{ myNotifications { id kind text storyId } }", {})],
    "proofRounds": [
        (
            "query($id: ID!) { proofRounds(storyId: $id) { number proofreaderName changes { field deletions { text } } } }",
            {"id": "story"},
        )
    ],
    "acquireStoryLock": [
        (
            "mutation($id: ID!) { acquireStoryLock(storyId: $id, seconds: 30) { holder holderName } }",
            {"id": "story"},
        )
    ],
    "renewStoryLock": [
        (
            "mutation($id: ID!) { renewStoryLock(storyId: $id, seconds: 30) { holder holderName } }",
            {"id": "story"},
        )
    ],
    "releaseStoryLock": [
        ("mutation($id: ID!) { releaseStoryLock(storyId: $id) }", {"id": "story"})
    ],
    "takeOverStoryLock": [
        (
            'mutation($id: ID!) { takeOverStoryLock(storyId: $id, reason: "急", seconds: 30) { holder holderName } }',
            {"id": "story"},
        )
    ],
    "addComment": [
        (
            'mutation($id: ID!) { addComment(input: {storyId: $id, text: "请 @nobody 核实"}) { id text authorName unknownMentions } }',
            {"id": "story"},
        ),
        (
            'mutation($id: ID!) { addComment(input: {storyId: $id, text: "回复", replyTo: $id}) { id text } }',
            {"id": "story"},
        ),
    ],
    "editComment": [
        ('mutation($id: ID!) { editComment(id: $id, text: "改") { id text } }', {"id": "story"})
    ],
    "deleteComment": [
        ("mutation($id: ID!) { deleteComment(id: $id) { id text } }", {"id": "story"})
    ],
    "resolveComment": [
        ("mutation($id: ID!) { resolveComment(id: $id) { id text resolved } }", {"id": "story"})
    ],
    "markNotificationsRead": [("mutation { markNotificationsRead }", {})],
    "startProofRound": [
        (
            "mutation($id: ID!) { startProofRound(storyId: $id) { number proofreaderName } }",
            {"id": "story"},
        )
    ],
    "completeProofRound": [
        (
            "mutation($id: ID!) { completeProofRound(storyId: $id) { number proofreaderName changes { field } } }",
            {"id": "story"},
        )
    ],
    # feeds
    "feedSubscriptions": [("{ feedSubscriptions { id clientId name selection { tenants } } }", {})],
    "createFeedSubscription": [
        (
            'mutation($t: String!) { createFeedSubscription(name: "MK", selection: {tenants: [$t]}) { id selection { tenants } } }',
            {"t": "tenant"},
        )
    ],
    "updateFeedSubscription": [
        (
            'mutation($id: ID!) { updateFeedSubscription(id: $id, expectedVersion: 1, name: "改") { id name } }',
            {"id": "story"},
        )
    ],
    "disableFeedSubscription": [
        (
            "mutation($id: ID!) { disableFeedSubscription(id: $id, expectedVersion: 1) { id } }",
            {"id": "story"},
        )
    ],
    # webhooks (ids from other tenants' pools: must be "not found", never another tenant's endpoint)
    "webhookEndpoints": [("{ webhookEndpoints { id url subscriptionId cursor } }", {})],
    "webhookEndpoint": [
        ("query($id: ID!) { webhookEndpoint(id: $id) { id url } }", {"id": "story"})
    ],
    "webhookDeliveries": [
        (
            "query($id: ID!) { webhookDeliveries(endpointId: $id) { id seq storyId } }",
            {"id": "story"},
        )
    ],
    "createWebhookEndpoint": [
        (
            'mutation($s: ID!) { createWebhookEndpoint(input: {subscriptionId: $s, url: "https://93.184.216.34/hook"}) { secret endpoint { id } } }',
            {"s": "story"},
        )
    ],
    "updateWebhookEndpoint": [
        (
            'mutation($id: ID!) { updateWebhookEndpoint(id: $id, description: "改") { id url } }',
            {"id": "story"},
        )
    ],
    "disableWebhookEndpoint": [
        ("mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id enabled } }", {"id": "story"})
    ],
    "enableWebhookEndpoint": [
        ("mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id enabled } }", {"id": "story"})
    ],
    "rotateWebhookSecret": [
        (
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }",
            {"id": "story"},
        )
    ],
    "replayWebhookDelivery": [
        ("mutation($id: ID!) { replayWebhookDelivery(id: $id) { id seq } }", {"id": "story"})
    ],
    "sendWebhookTestEvent": [
        (
            "mutation($id: ID!) { sendWebhookTestEvent(id: $id) { id endpointId state } }",
            {"id": "story"},
        )
    ],
    "replayWebhookEndpoint": [
        (
            "mutation($id: ID!) { replayWebhookEndpoint(id: $id, fromSeq: 1) { id cursor } }",
            {"id": "story"},
        )
    ],
    # 问政: each tenant's app submitted a question with its marker (MK{i}N); ids, tracking numbers and
    # check codes are drawn from every tenant (a right code of another tenant must still find nothing)
    "submitWenzhengQuestion": [
        (
            'mutation($t: String!) { submitWenzhengQuestion(input: {text: $t, contactPhone: "13800000000"}) { trackingNumber question { id text contact { phone } } } }',
            {"t": "new_title"},
        )
    ],
    "wenzhengQuestion": [
        (
            "query($id: ID!) { wenzhengQuestion(id: $id) { id text publicText contact { phone } forwards { departmentName } } }",
            {"id": "question"},
        )
    ],
    "wenzhengQuestions": [
        (
            "{ wenzhengQuestions(first: 50) { edges { node { id text publicText contact { phone } createdBy } } } }",
            {},
        )
    ],
    "trackWenzhengQuestion": [
        (
            "query($t: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $t, checkCode: $c) { text status } }",
            {"t": "tracking"},
        )
    ],
    "wenzhengFigures": [
        (
            "{ wenzhengFigures { total { received forwarded } byDepartment { key name } byCategory { key } } }",
            {},
        )
    ],
    "wenzhengSettings": [("{ wenzhengSettings { defaultWorkingDays columnId channels } }", {})],
    "screenWenzhengQuestion": [
        (
            "mutation($id: ID!) { screenWenzhengQuestion(id: $id, decision: ACCEPT) { id text } }",
            {"id": "question"},
        )
    ],
    "forwardWenzhengQuestion": [
        (
            "mutation($id: ID!) { forwardWenzhengQuestion(id: $id, departmentIds: [$id]) { id text } }",
            {"id": "question"},
        )
    ],
    "handleWenzhengForward": [
        (
            'mutation($id: ID!) { handleWenzhengForward(questionId: $id, forwardId: "001", action: ACCEPT) { id text } }',
            {"id": "question"},
        )
    ],
    "sendWenzhengAnswerToReview": [
        (
            "mutation($id: ID!) { sendWenzhengAnswerToReview(id: $id) { id text storyId } }",
            {"id": "question"},
        )
    ],
    "releaseWenzhengAnswer": [
        ("mutation($id: ID!) { releaseWenzhengAnswer(id: $id) { id text } }", {"id": "question"})
    ],
    "rateWenzhengAnswer": [
        (
            "mutation($t: String!, $c: String!) { rateWenzhengAnswer(trackingNumber: $t, checkCode: $c, score: 5) { text } }",
            {"t": "tracking"},
        )
    ],
    "reopenWenzhengQuestion": [
        (
            'mutation($t: String!, $c: String!) { reopenWenzhengQuestion(trackingNumber: $t, checkCode: $c, reason: "没解决") { text } }',
            {"t": "tracking"},
        )
    ],
    "supplementWenzhengQuestion": [
        (
            'mutation($t: String!, $c: String!) { supplementWenzhengQuestion(trackingNumber: $t, checkCode: $c, forwardId: "001", text: "补充") { text } }',
            {"t": "tracking"},
        )
    ],
    "configureWenzheng": [
        (
            'mutation { configureWenzheng(input: {defaultWorkingDays: 5, holidays: ["2026-10-01"]}) { defaultWorkingDays columnId } }',
            {},
        )
    ],
}


def test_every_root_field_has_a_probe_and_a_policy() -> None:
    """New root fields must join this property test and the policy table."""
    from hub.identity.policy import POLICY

    schema = build_schema(Settings())
    graphql_schema = schema._schema
    roots = {
        f"{t}.{name}" for t in ("Query", "Mutation") for name in graphql_schema.type_map[t].fields
    }  # type: ignore[attr-defined]
    names = {r.split(".", 1)[1] for r in roots}
    assert names - set(PROBES) == set(), "add probes for these root fields"
    assert {r for r in roots if r not in POLICY} == set(), (
        "add policy entries for these root fields"
    )


def test_every_probe_matches_the_schema() -> None:
    """A probe the schema refuses never reaches its resolver: it would test nothing (and,
    asked anonymously, fail only when hypothesis happens to draw it)."""
    schema = build_schema(Settings())._schema  # type: ignore[attr-defined]
    invalid = {
        field_name: [e.message for e in errors]
        for field_name, probes in PROBES.items()
        for query, _ in probes
        if (errors := validate(schema, parse(query)))
    }
    assert invalid == {}


@pytest.fixture
async def world(http: httpx.AsyncClient, hub_settings: Settings, drain: Any) -> World:
    tenants = [hub_settings.default_tenant]
    actors: list[Actor] = [Actor("anonymous", None, None), Actor("dev", 0, DEV_TOKEN)]
    stories: list[tuple[int, int, str]] = []
    users: dict[int, set[str]] = {}
    clients: dict[int, str] = {}
    questions: list[tuple[int, str, str, str]] = []
    for i in (1, 2, 3):
        tenant = await make_tenant(f"iso{i}")
        tenants.append(tenant)
        account = await make_account(tenant)
        names = {}
        for role in [*ROLES, f"account_operator@{account}"]:
            names[role] = await make_user(tenant, role, email=f"{role}@t{i}.example")
            actors.append(
                Actor(f"t{i}:{role}", i, (await sign_in(http, names[role]))["access_token"])
            )
        users[i] = set(names.values())
        # a failed sign-in, so signInAttempts has something of each tenant to leak
        await token_request(
            http,
            {"grant_type": "password", "username": names["reporter"], "password": "wrong password"},
        )
        admin = next(a for a in actors if a.name == f"t{i}:admin")
        headers = {"authorization": f"Bearer {admin.token}"}
        for n in range(3):
            r = await http.post(
                "/graphql",
                json={"query": CREATE_STORY, "variables": {"t": f"MK{i}S{n}"}},
                headers=headers,
            )
            sid = r.json()["data"]["createStory"]["id"]
            stories.append((i, n, sid))
            if n == 0:  # 签发; distribution publishes it in the public read model
                await http.post(
                    "/graphql",
                    headers=headers,
                    json={
                        "query": "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { id } }",
                        "variables": {"id": sid},
                    },
                )
        client = await http.post(
            "/graphql",
            headers=headers,
            json={
                "query": 'mutation($n: String!) { createClient(name: $n, scopes: ["stories:read", "stories:write", "wenzheng:submit"]) { clientId clientSecret } }',
                "variables": {"n": f"MK{i}N partner"},
            },
        )
        creds = client.json()["data"]["createClient"]
        clients[i] = creds["clientId"]
        tok = await token_request(
            http,
            {"grant_type": "client_credentials"},
            auth=(creds["clientId"], creds["clientSecret"]),
        )
        actors.append(Actor(f"t{i}:partner", i, tok.json()["access_token"]))
        asked = await http.post(
            "/graphql",
            headers={"authorization": f"Bearer {tok.json()['access_token']}"},
            json={
                "query": "mutation($t: String!) { submitWenzhengQuestion(input: {text: $t}) { trackingNumber checkCode question { id } } }",
                "variables": {"t": f"MK{i}N 问政"},
            },
        )
        q = asked.json()["data"]["submitWenzhengQuestion"]
        questions.append((i, q["question"]["id"], q["trackingNumber"], q["checkCode"]))
    # one standing offer: tenant 1's story 1 to tenant 2
    t1_editor = next(a for a in actors if a.name == "t1:editor")
    offer = await http.post(
        "/graphql",
        headers={"authorization": f"Bearer {t1_editor.token}"},
        json={
            "query": "mutation($s: ID!, $to: ID!) { offerStory(storyId: $s, toTenant: $to) { id } }",
            "variables": {"s": stories[1][2], "to": tenants[2]},
        },
    )
    grant_id = offer.json()["data"]["offerStory"]["id"]
    await drain()  # approvals distributed: public copies, publications, search index
    return World(
        tenants,
        [a for a in actors if "signOut" not in a.name],
        stories,
        users,
        [grant_id],
        clients,
        questions,
    )
    for t, n, sid in stories:  # 传播效果: a recorded point of each tenant's published story
        story = await StoryDoc.find_one({"tenant": tenants[t], "_id": sid})
        if n == 0 and story is not None:
            await record_point(
                tenant=tenants[t],
                publication_id=f"{sid}:app",
                story_id=sid,
                channel="app",
                slot=1,
                at_ms=now_ms(),
                previous={},
                values={"views": 10 + t},
                story=StoryFacts(story.title, story.column_id, {"reporter": story.created_by}),
            )
    return World(
        tenants, [a for a in actors if "signOut" not in a.name], stories, users, [grant_id], clients
    )


async def allowed_markers(world: World, index: int | None) -> set[tuple[int, int]]:
    """(tenant, story n) pairs tenant `index` may see from other tenants: those granted to it."""
    if index is None:
        return set()
    by_id = {sid: (t, n) for t, n, sid in world.stories}
    grants = await ShareGrantDoc.find({"to_tenant": world.tenants[index]}).to_list()
    return {by_id[g.story_id] for g in grants if g.story_id in by_id}


def leaks(text: str, index: int | None, allowed: set[tuple[int, int]], world: World) -> list[str]:
    own = 0 if index is None else index
    found = []
    for m in MARKER.finditer(text):
        t = int(m.group(1))
        if t == own:
            continue
        if m.group(2) is not None and (t, int(m.group(2))) in allowed:
            continue
        found.append(m.group(0))
    for t, names in world.users.items():
        if t != own:
            found += [n for n in names if n in text]
    return found


@st.composite
def operations(draw: st.DrawFn, world: World) -> tuple[Actor, str, str, dict[str, Any]]:
    actor = draw(st.sampled_from(world.actors))
    field_name = draw(st.sampled_from(sorted(PROBES)))
    query, pools = draw(st.sampled_from(PROBES[field_name]))
    own = 0 if actor.tenant_index is None else actor.tenant_index
    variables: dict[str, Any] = {}
    target: tuple[int, int, str] | None = None
    for var, pool in pools.items():
        if pool == "story":
            target = draw(st.sampled_from(world.stories))
            variables[var] = target[2]
        elif pool == "grant":
            variables[var] = draw(st.sampled_from([*world.grant_ids, "no-such-grant"]))
        elif pool == "tenant":
            variables[var] = draw(st.sampled_from(world.tenants))
        elif pool == "new_title":
            variables[var] = f"MK{own}N"
        elif pool == "update_title":
            variables[var] = "改"  # content stays the target's: its marker tells its tenant
        elif pool == "fresh":
            variables[var] = "p" + str(draw(st.integers(10_000, 99_999)))
        elif pool == "marker":  # search for any tenant's marker text
            t, n, _ = draw(st.sampled_from(world.stories))
            variables[var] = f"MK{t}S{n}"
        elif pool == "client":  # any tenant's partner client, or an unknown id
            variables[var] = draw(st.sampled_from([*world.clients.values(), "c-no-such-client"]))
        elif pool == "other_client":  # another tenant's partner client, or an unknown id
            variables[var] = draw(
                st.sampled_from(
                    [c for t, c in world.clients.items() if t != own] + ["c-no-such-client"]
                )
            )
        elif pool == "question":  # any tenant's 问政 question
            variables[var] = draw(st.sampled_from(world.questions))[1]
        elif pool == "tracking":  # any tenant's tracking number with its right check code
            _, _, number, code = draw(st.sampled_from(world.questions))
            variables[var], variables["c"] = number, code
        elif pool == "manifest":  # a persisted-documents manifest naming the caller's tenant
            text = f"{{ columns {{ id }} }} # MK{own}N"
            variables[var] = {hashlib.sha256(text.encode()).hexdigest(): text}
        elif pool == "publication":  # any tenant's app publication
            _, _, sid = draw(st.sampled_from(world.stories))
            variables[var] = f"{sid}:1:app:publish"
    return actor, field_name, query, variables


SWEEP = [
    "stories",
    "users",
    "auditLog",
    "signInAttempts",
    "shareOffers",
    "accounts",
    "leads",
    "topics",
    "clients",  # planning: leads, topics
    "wenzhengQuestions",  # 问政
    "sensitiveWords",
]


async def check(
    http: httpx.AsyncClient,
    world: World,
    actor: Actor,
    field_name: str,
    query: str,
    variables: dict[str, Any],
) -> None:
    headers = {"authorization": f"Bearer {actor.token}"} if actor.token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, (actor.name, field_name, response.text)
    body = response.json()
    codes = [e["extensions"]["code"] for e in body.get("errors", [])]
    assert "INTERNAL" not in codes, (actor.name, field_name, body)
    assert "GRAPHQL_VALIDATION" not in codes, (
        actor.name,
        field_name,
        body,
    )  # the probe reached its resolver
    if actor.token is None and query.lstrip().startswith("mutation"):
        assert codes == ["UNAUTHENTICATED"], (field_name, body)
    allowed = await allowed_markers(world, actor.tenant_index)
    text = json.dumps(body.get("data"), ensure_ascii=False)
    assert leaks(text, actor.tenant_index, allowed, world) == [], (
        actor.name,
        field_name,
        variables,
        text[:500],
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_response_carries_another_tenants_data_unless_shared(
    http: httpx.AsyncClient, world: World, data: st.DataObject
) -> None:
    actor = world.actors[0]
    for _ in range(data.draw(st.integers(1, 4), label="ops")):
        actor, field_name, query, variables = data.draw(operations(world), label="op")
        if field_name == "signOut":
            continue  # would end the shared actors' sessions; covered in test_auth_tokens
        await check(http, world, actor, field_name, query, variables)
    # then the last caller reads everything it can list: effects of the writes show here
    for field_name in SWEEP:
        await check(http, world, actor, field_name, PROBES[field_name][0][0], {})


async def test_every_wenzheng_field_is_tried_by_each_kind_of_caller_on_every_tenants_questions(
    http: httpx.AsyncClient, world: World
) -> None:
    """问政 on top of the random sample: every new root field, asked by tenant 1's admin,
    editor, 融媒号 operator, partner app and an anonymous caller, with each tenant's question
    id or tracking number and right check code: nothing of tenants 2 and 3 comes back."""
    callers = [
        a
        for a in world.actors
        if a.name in ("anonymous", "t1:admin", "t1:editor", "t1:partner")
        or a.name.startswith("t1:account_operator@")
    ]
    assert len(callers) == 5
    for field_name in sorted(f for f in PROBES if "enzheng" in f):
        for query, pools in PROBES[field_name]:
            for _, qid, number, code in world.questions:
                variables: dict[str, Any] = {}
                for var, pool in pools.items():
                    if pool == "question":
                        variables[var] = qid
                    elif pool == "tracking":
                        variables[var], variables["c"] = number, code
                    elif pool == "new_title":
                        variables[var] = "MK1N"
                for actor in callers:
                    await check(http, world, actor, field_name, query, variables)
