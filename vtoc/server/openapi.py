"""The published OpenAPI says what the server really sends on errors: problem+json.

FastAPI documents only its own 422 body (``application/json``, ``HTTPValidationError``);
every error here is a ``Problem`` (``application/problem+json``), whatever the status, so each
operation gets that as its 422 and its ``default`` answer. Clients and the schemathesis run
check answers against this.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from vtoc.schemas import FixIn, Problem
from vtoc.server.problems import MEDIA_TYPE

REF = "#/components/schemas/{model}"
#: models no route parameter names, so FastAPI would leave them out: Problem, and the
#: items of bodies that routes validate one by one (a batch of fixes)
PUBLISHED = (Problem, FixIn)


def problem_response(description: str) -> dict[str, Any]:
    schema = {"$ref": REF.format(model="Problem")}
    return {"description": description, "content": {MEDIA_TYPE: {"schema": schema}}}


def document_problems(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the schema it builds (once) documents problem answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in PUBLISHED:
            model_schema = model.model_json_schema(ref_template=REF)
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        for item in schema["paths"].values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = problem_response("Validation failed")
                responses["default"] = problem_response("An error, as RFC 9457 problem details")
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
