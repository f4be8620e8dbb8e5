"""The published contracts: the OpenAPI document and the GraphQL SDL, rendered from code."""

from __future__ import annotations

import json

from hub.settings import Settings


def render_contracts() -> dict[str, str]:
    """File name -> exact text. Tests compare these with the committed files."""
    from hub.app import create_app

    settings = Settings(mongodb_uri="mongodb://contracts.invalid", env="production")
    app = create_app(settings)
    spec = app.openapi_schema.to_schema()
    return {
        "openapi.json": json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        "schema.graphql": app.state.schema.as_str() + "\n",
    }
