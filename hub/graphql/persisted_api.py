"""GraphQL for trusted documents: register a client's persisted-documents manifest and
list what a client has (hub/graphql/persisted.py runs them)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.audit.deferred import record
from hub.graphql.context import Context
from hub.graphql.persisted import PersistedDocumentDoc, parse_manifest
from hub.graphql.types import ms_to_dt
from hub.identity.directory import ClientRepository


@strawberry.type(description="登记的查询文档: a trusted (persisted) document of a client")
class PersistedDocument:
    id: strawberry.ID = strawberry.field(
        description="the documentId clients send: the text's sha256, hex"
    )
    client_id: strawberry.ID
    text: str
    registered_at: datetime


@strawberry.type(description="The outcome of registering a manifest")
class PersistedDocumentsRegistration:
    client_id: strawberry.ID
    documents: int = strawberry.field(description="documents in the manifest")
    added: int = strawberry.field(
        description="documents not registered before (the rest were already known)"
    )


@strawberry.type
class PersistedQuery:
    @strawberry.field(description="登记的查询文档 of one of the center's clients (client.manage)")
    async def persisted_documents(
        self, info: Info[Context, None], client_id: strawberry.ID
    ) -> list[PersistedDocument]:
        scope = info.context.scope
        client = await ClientRepository(scope).require(str(client_id))
        docs = await PersistedDocumentDoc.find(
            {"tenant": scope.tenant, "client_id": client.id}
        ).to_list()
        return [
            PersistedDocument(
                id=strawberry.ID(d.sha256),
                client_id=strawberry.ID(d.client_id),
                text=d.text,
                registered_at=ms_to_dt(d.registered_at),
            )
            for d in docs
        ]


@strawberry.type
class PersistedMutation:
    @strawberry.mutation(
        description=(
            "登记查询文档: register the persisted-documents manifest a build wrote (GraphQL Code Generator client-preset, "
            '`{"<sha256 hex>": "<document>"}`) for one of the center\'s clients. Its requests may then send '
            "`documentId` instead of the text; with RONGHUB_GRAPHQL_TRUSTED_DOCUMENTS on, only registered documents run. "
            "Every hash is checked against its text. Audited."
        )
    )
    async def register_persisted_documents(
        self, info: Info[Context, None], client_id: strawberry.ID, manifest: JSON
    ) -> PersistedDocumentsRegistration:
        scope = info.context.scope
        client = await ClientRepository(scope).require(str(client_id))
        documents = parse_manifest(manifest)
        added = await info.context.services.persisted.register(scope.tenant, client.id, documents)
        await record(
            scope.tenant,
            scope.actor,
            "client.persisted_documents",
            "client",
            client.id,
            {"documents": len(documents), "added": added},
        )
        return PersistedDocumentsRegistration(
            client_id=strawberry.ID(client.id), documents=len(documents), added=added
        )
