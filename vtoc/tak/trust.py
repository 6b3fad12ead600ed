"""Who the gateway talks to: TLS with client certificates, an address allow-list otherwise.

TAK's streaming TLS (port 8089) authenticates both ends by certificates from one CA; the
plain stream and UDP have only the peer's address to go by. Without ``--allow`` only
loopback and certified peers are admitted, so a gateway listening on every address is not
open to the network by default.
"""

from __future__ import annotations

import ssl
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network


def network_of(text: str) -> Network:
    """``10.0.0.0/8``, ``192.0.2.7`` or ``::1``; ``ValueError`` naming it otherwise."""
    try:
        return ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"--allow {text!r}: not an address or network (e.g. 10.0.0.0/8)") from None


def admits(allowed: list[Network] | None, host: str, *, certified: bool) -> bool:
    """Whether a peer may talk to the gateway: in ``allowed`` when there is a list, else
    certified (TLS checked its certificate) or on loopback."""
    try:
        address: IPv4Address | IPv6Address = ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket's IPv4 peers
    if allowed is not None:
        return any(address in network for network in allowed)
    return certified or address.is_loopback


def server_context(cert: str, key: str, ca: str) -> ssl.SSLContext:
    """The listener's TLS: our certificate, and every client's checked against ``ca``;
    a client without one is refused in the handshake."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=ca)
    context.load_cert_chain(cert, key)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def client_context(cert: str | None, key: str | None, ca: str | None) -> ssl.SSLContext:
    """TLS to a TAK server: its certificate checked against ``ca`` (else the system's
    CAs), ours shown when there is one (TAK Server asks for it)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    if cert is not None:
        context.load_cert_chain(cert, key)
    return context
