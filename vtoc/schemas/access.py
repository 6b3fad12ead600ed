"""API tokens and SSH keys: who may talk to the server."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from vtoc.schemas.base import Input, Output, UtcDatetime
from vtoc.schemas.enums import Role
from vtoc.schemas.queries import WholeListQuery

# Tokens -----------------------------------------------------------------------------------


PrincipalName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$"
    ),
]
"""Who a token or an SSH key stands for: the actor its events are written under."""


OperationScope = Annotated[
    list[int | str] | None,
    Field(
        max_length=100,
        description="limit it to these operations (ids or codes such as OP-0001); "
        "null: all of them",
    ),
]


class TokenCreate(Input):
    name: PrincipalName
    role: Role = Role.viewer
    expires_at: UtcDatetime | None = None
    operations: OperationScope = None


class Token(Output):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    operation_ids: list[int] | None = Field(description="the operations it sees; null: all")


class TokenCreated(Token):
    """Returned once at creation: the only time the secret is ever shown."""

    token: str


# SSH keys ---------------------------------------------------------------------------------


class SshKeyCreate(Input):
    name: PrincipalName
    role: Role = Role.viewer
    public_key: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=16000),
        Field(description="one OpenSSH public key line, as in id_ed25519.pub"),
    ]
    operations: OperationScope = None


class SshKey(Output):
    id: int
    name: str
    role: Role
    fingerprint: str = Field(description="SHA256:..., as ssh-keygen -lf prints it")
    created_at: datetime
    revoked_at: datetime | None
    operation_ids: list[int] | None = Field(description="what its sessions see; null: all")


SshFingerprint = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SshKeyQuery(WholeListQuery):
    fingerprint: SshFingerprint | None = Field(
        default=None, description="only the key with this SHA256:... fingerprint"
    )


class SshSessionCreate(Input):
    """The SSH server asks for a session token for the key a client authenticated with."""

    fingerprint: SshFingerprint
    client: Annotated[
        str,
        StringConstraints(max_length=200),
        Field(description="the SSH client's address, for the audit log"),
    ] = ""


class SshSession(BaseModel):
    """One SSH session as the audit log has it: opened, and closed once it ended."""

    token_id: int
    key: str
    fingerprint: str
    client: str
    opened_at: datetime
    closed_at: datetime | None
    duration_seconds: float | None


class WhoAmI(BaseModel):
    name: str
    role: Role
