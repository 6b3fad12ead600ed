"""Fixtures of the server's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vtoc import schemas as s
from vtoc.client import VtocClient


@pytest.fixture(params=["psycopg2 in a worker thread", "asyncpg on the event loop"])
def operator_on_either_read_path(
    request: pytest.FixtureRequest, app: FastAPI, make_token: Callable[..., str]
) -> Iterator[VtocClient]:
    """An operator's client on either read path: the app reads through asyncpg once its
    lifespan started the pool (``async_reads``), as a served app does, and through the
    synchronous engine without it."""
    token = make_token(s.Role.operator)
    if request.param.startswith("psycopg2"):
        http = TestClient(app)  # no lifespan: each request runs in an event loop of its own
        yield VtocClient("http://testserver", token, http=http)
        http.close()
        return
    with TestClient(app) as http:  # the lifespan starts the asyncpg pool
        reads = app.state.async_reads
        assert reads is None or reads.pool is not None
        yield VtocClient("http://testserver", token, http=http)
        assert reads is None or reads.compiled, "no read went through asyncpg"
