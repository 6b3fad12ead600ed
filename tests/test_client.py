"""The shared client against real servers: retries, unreachable servers, typed errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.processes import free_port
from vtoc.client import AsyncVtocClient, Calls, RetryPolicy, Unavailable, VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import TokenCreate
from vtoc.server.app import create_app
from vtoc.server.bootstrap import create_token


def test_unreachable_server_names_its_url() -> None:
    port = free_port()
    client = VtocClient(
        f"http://127.0.0.1:{port}", "t", retry=RetryPolicy(attempts=2, base_delay=0)
    )
    with pytest.raises(
        Unavailable, match=f"cannot reach the vTOC server at http://127.0.0.1:{port}"
    ):
        client.operations.list()


def test_idempotent_calls_ride_out_a_server_that_starts_late(tmp_path: Path) -> None:
    settings = ServerSettings(database_url=f"sqlite:///{tmp_path / 'late.db'}")
    token = create_token(TokenCreate(name="late", role="operator"), settings).token
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )

    def start_later() -> None:
        time.sleep(0.6)
        server.run()

    thread = threading.Thread(target=start_later, daemon=True)
    thread.start()
    try:
        client = VtocClient(
            f"http://127.0.0.1:{port}", token, retry=RetryPolicy(attempts=8, base_delay=0.2)
        )
        created = client.operations.create(name="Made it")  # keyed POST: retried safely
        assert client.operations.get(created.id).name == "Made it"
        assert len(client.operations.list().items) == 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.anyio
async def test_async_client_reads_typed_models(admin: VtocClient) -> None:
    transport = httpx.ASGITransport(app=admin.http.app)  # type: ignore[attr-defined]
    token = admin.http.headers["Authorization"].removeprefix("Bearer ")
    async with AsyncVtocClient(
        "http://testserver",
        token,
        http=httpx.AsyncClient(transport=transport, base_url="http://testserver"),
    ) as client:
        op = await client.operations.create(name="Async op")
        page = await client.operations.list()
        assert [o.id for o in page.items] == [op.id]
        names = [o.name async for o in client.operations.iterate(limit=1)]
        assert names == ["Async op"]
        assert (await client.whoami()).role == "admin"


def public_calls(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_both_clients_have_every_call_and_filters_are_checked() -> None:
    """Each call is declared once (``Calls``): the sync client answers it, the async one
    hands back an awaitable; a filter the resource's query model lacks fails before sending."""
    declared = {name for name in vars(Calls) if not name.startswith("_")}
    assert {"lease", "claim_tasks", "revoke_token", "correlations", "intel"} <= declared
    assert declared <= public_calls(VtocClient) & public_calls(AsyncVtocClient)
    transport_only = {"send", "close", "aclose", "http", "retry", "base_url"}
    assert public_calls(VtocClient) - transport_only == public_calls(AsyncVtocClient) - (
        transport_only
    )
    client = VtocClient("http://127.0.0.1:9", "t")
    with pytest.raises(TypeError, match="no filter severty"):
        client.intel.list(severty=["high"])
    with pytest.raises(TypeError, match="no filter limit"):
        list(client.agents.iterate(limit=5))
