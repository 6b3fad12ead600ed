"""Retried POSTs with the same Idempotency-Key make one row, and a reused key is refused."""

from __future__ import annotations

import httpx

from vtoc.client import VtocClient


def post(client: VtocClient, key: str, body: dict[str, object]) -> httpx.Response:
    return client.http.post("/api/v1/operations", json=body, headers={"Idempotency-Key": key})


def test_replay_returns_the_first_answer(operator: VtocClient) -> None:
    first = post(operator, "k-1", {"name": "Once"})
    again = post(operator, "k-1", {"name": "Once"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(operator.operations.list().items) == 1
    assert [e.kind for e in operator.events.list(entity="operation").items] == ["operation.created"]


def test_same_key_other_body_conflicts(operator: VtocClient) -> None:
    assert post(operator, "k-2", {"name": "One"}).status_code == 201
    reused = post(operator, "k-2", {"name": "Other"})
    assert reused.status_code == 409
    assert "different request body" in reused.json()["detail"]
    assert [o.name for o in operator.operations.list().items] == ["One"]


def test_keys_belong_to_their_token(client_for: object) -> None:
    from vtoc.schemas import Role

    alice = client_for(Role.operator)  # type: ignore[operator]
    bob = client_for(Role.operator)  # type: ignore[operator]
    assert post(alice, "shared", {"name": "Alice's"}).status_code == 201
    assert post(bob, "shared", {"name": "Bob's"}).status_code == 201


def test_client_creates_carry_a_key(operator: VtocClient) -> None:
    created = operator.missions.endpoint.create({"name": "x"})
    assert created.headers["Idempotency-Key"]
    assert created.idempotent
