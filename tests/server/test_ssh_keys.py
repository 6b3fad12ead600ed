"""SSH keys through the API: enrolment (admin only), revocation, and the session tokens
``vtoc ssh serve`` mints for an enrolled key's identity."""

from __future__ import annotations

from collections.abc import Callable

import asyncssh
import pytest

from vtoc import schemas as s
from vtoc.client import AuthError, Conflict, Forbidden, NotFound, ValidationFailed, VtocClient


def public_key() -> tuple[str, str]:
    """A fresh key's OpenSSH line and its fingerprint as OpenSSH computes it."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment="alice@laptop")
    return key.export_public_key().decode(), key.get_fingerprint("sha256")


def test_an_enrolled_key_gets_session_tokens_until_revoked(
    admin: VtocClient, client_for: Callable[..., VtocClient]
) -> None:
    line, fingerprint = public_key()
    key = admin.enroll_ssh_key(s.SshKeyCreate(name="alice", role="operator", public_key=line))
    assert (key.name, key.role, key.fingerprint) == ("alice", s.Role.operator, fingerprint)
    assert [k.name for k in admin.ssh_keys.list().items] == ["alice"]
    assert [k.name for k in admin.ssh_keys.list(fingerprint=fingerprint).items] == ["alice"]
    assert admin.ssh_keys.list(fingerprint="SHA256:nobody").items == []

    token = admin.open_ssh_session(fingerprint)
    alice = client_for(None, token=token.token)
    me = alice.whoami()
    assert me.role is s.Role.operator and me.name.startswith("ssh.alice.")
    assert token.expires_at is not None, "a session token is short-lived"
    admin.revoke_token(token.id)
    with pytest.raises(AuthError):
        alice.whoami()

    assert admin.revoke_ssh_key("alice").revoked_at is not None
    with pytest.raises(NotFound):
        admin.open_ssh_session(fingerprint)
    kinds = [e.kind for e in admin.events.list(entity="ssh_key").items]
    assert kinds == ["ssh_key.enrolled", "ssh_key.revoked"]


def test_a_session_is_in_the_audit_log_from_open_to_close(
    admin: VtocClient, client_for: Callable[..., VtocClient]
) -> None:
    line, fingerprint = public_key()
    admin.enroll_ssh_key(s.SshKeyCreate(name="alice", role="operator", public_key=line))
    token = admin.open_ssh_session(fingerprint, client="192.0.2.7")
    alice = client_for(None, token=token.token)
    alice.whoami()

    closed = admin.close_ssh_session(token.id)
    assert (closed.key, closed.fingerprint, closed.client) == ("alice", fingerprint, "192.0.2.7")
    assert closed.closed_at is not None and closed.duration_seconds is not None
    assert closed.duration_seconds >= 0
    with pytest.raises(AuthError):
        alice.whoami()
    assert admin.close_ssh_session(token.id) == closed, "a resent close changes nothing"

    logged = admin.events.list(entity="ssh").items
    assert [e.kind for e in logged] == ["ssh.session_opened", "ssh.session_closed"]
    assert all(e.entity_id == token.id and e.actor == admin.whoami().name for e in logged)
    assert logged[0].data == {"key": "alice", "fingerprint": fingerprint, "client": "192.0.2.7"}
    assert logged[1].data == {**logged[0].data, "duration_seconds": closed.duration_seconds}
    with pytest.raises(NotFound):
        admin.close_ssh_session(admin.create_token(s.TokenCreate(name="plain")).id)


def test_bad_keys_and_duplicates_are_refused(admin: VtocClient) -> None:
    line, _ = public_key()
    made_up = "x AAAAAXg="  # a blob that names its own algorithm, "x": no key SSH knows
    not_ascii = "ssh-ed25519 AAAAC3é"  # was a 500: base64 refuses it with a ValueError
    for bad in ("not a key", "ssh-ed25519 !!!", f"ssh-rsa {line.split()[1]}", made_up, not_ascii):
        with pytest.raises(ValidationFailed) as refused:
            admin.enroll_ssh_key(s.SshKeyCreate(name="bob", public_key=bad))
        assert [e.field for e in refused.value.errors] == ["public_key"]
    admin.enroll_ssh_key(s.SshKeyCreate(name="bob", public_key=line))
    with pytest.raises(Conflict, match="name"):
        admin.enroll_ssh_key(s.SshKeyCreate(name="bob", public_key=public_key()[0]))
    with pytest.raises(Conflict, match="enrolled already"):
        admin.enroll_ssh_key(s.SshKeyCreate(name="bob2", public_key=line))
    with pytest.raises(NotFound):
        admin.open_ssh_session("SHA256:nobody")


def test_only_an_admin_manages_keys_or_mints_sessions(
    admin: VtocClient, operator: VtocClient
) -> None:
    line, fingerprint = public_key()
    admin.enroll_ssh_key(s.SshKeyCreate(name="carol", public_key=line))
    with pytest.raises(Forbidden):
        operator.ssh_keys.list()
    with pytest.raises(Forbidden):
        operator.enroll_ssh_key(s.SshKeyCreate(name="mallory", public_key=public_key()[0]))
    with pytest.raises(Forbidden):
        operator.revoke_ssh_key("carol")
    with pytest.raises(Forbidden):
        operator.open_ssh_session(fingerprint)
    opened = admin.open_ssh_session(fingerprint)
    with pytest.raises(Forbidden):
        operator.close_ssh_session(opened.id)
