"""The hot reads answer without FastAPI's dependency solver (``api/plain.py``), yet a client
generator must read them exactly as before: their OpenAPI operations (query parameters,
security, responses) are those the solver's routes had, kept in ``golden/openapi-reads.json``.

Regenerate the file only for a deliberate change: ``python -m tests.server.test_openapi_reads``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI

GOLDEN = Path(__file__).with_name("golden") / "openapi-reads.json"
RESOURCES = ("operations", "missions", "assets", "intel", "tasks")


def hot_reads(document: dict[str, Any]) -> dict[str, Any]:
    """The list and show operations of every editable resource, and how they authenticate."""
    paths = document["paths"]
    return {
        "operations": {
            path: paths[path]["get"]
            for name in RESOURCES
            for path in (f"/api/v1/{name}", f"/api/v1/{name}/{{ref}}")
        },
        "securitySchemes": document["components"]["securitySchemes"],
    }


def test_the_hot_reads_are_documented_as_before(app: FastAPI) -> None:
    assert hot_reads(app.openapi()) == json.loads(GOLDEN.read_text())


if __name__ == "__main__":
    from vtoc.config import ServerSettings
    from vtoc.server.app import create_app

    made = create_app(ServerSettings(database_url="sqlite://"))
    GOLDEN.write_text(json.dumps(hot_reads(made.openapi()), indent=1, sort_keys=True) + "\n")
