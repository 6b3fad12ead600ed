"""Who the gateway talks to: TLS with client certificates, an address allow-list otherwise.

TAK's streaming TLS (port 8089) authenticates both ends by certificates from one CA; the
plain stream and UDP have only the peer's address to go by. Without ``--allow`` only
loopback and certified peers are admitted, so a gateway listening on every address is not
open to the network by default.
"""

from __future__ import annotations

import ssl
import tempfile
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from pathlib import Path

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from cryptography.hazmat.primitives.serialization.pkcs12 import PKCS12KeyAndCertificates

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


class CertificateError(ValueError):
    """A certificate file that does not give what it should (the message names it)."""


def server_context(
    cert: str, key: str | None, ca: str, password: str | None = None
) -> ssl.SSLContext:
    """The listener's TLS: our certificate, and every client's checked against ``ca``;
    a client without one is refused in the handshake."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    identify(context, cert, key, password)
    trust(context, ca, password)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def client_context(
    cert: str | None, key: str | None, ca: str | None, password: str | None = None
) -> ssl.SSLContext:
    """TLS to a TAK server: its certificate checked against ``ca`` (else the system's
    CAs), ours shown when there is one (TAK Server asks for it)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if cert is not None:
        identify(context, cert, key, password)
    if ca is not None:
        trust(context, ca, password)
    return context


def is_pkcs12(path: str) -> bool:
    """PEM is text that starts with ``-----BEGIN``; anything else is taken as PKCS#12,
    the binary form TAK Server's data packages carry (``.p12``)."""
    with open(path, "rb") as file:
        return b"-----BEGIN" not in file.read(4096)


def pkcs12_of(path: str, password: str | None) -> PKCS12KeyAndCertificates:
    """A PKCS#12 file opened with its password; ``CertificateError`` naming the file if not."""
    with open(path, "rb") as file:
        data = file.read()
    try:
        return pkcs12.load_pkcs12(data, password.encode() if password is not None else None)
    except ValueError:
        hint = "" if password is not None else " (give --tls-password)"
        raise CertificateError(f"{path}: wrong password or not a PKCS#12 file{hint}") from None


def identify(context: ssl.SSLContext, cert: str, key: str | None, password: str | None) -> None:
    """Our certificate and key: PEM files, or one PKCS#12 file holding both. ``ssl`` loads
    a chain only from a file, so a PKCS#12 one is written as PEM into a private temporary
    directory for the time it takes to load it."""
    if not is_pkcs12(cert):
        context.load_cert_chain(cert, key)
        return
    bundle = pkcs12_of(cert, password)
    if bundle.key is None or bundle.cert is None:
        raise CertificateError(f"{cert}: the PKCS#12 file holds no certificate with its key")
    chain = [bundle.cert.certificate, *(c.certificate for c in bundle.additional_certs)]
    pem = bundle.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    pem += b"".join(c.public_bytes(Encoding.PEM) for c in chain)
    with tempfile.TemporaryDirectory() as directory:  # mode 0700: only we can read it
        path = Path(directory, "identity.pem")
        path.write_bytes(pem)
        context.load_cert_chain(str(path))


def trust(context: ssl.SSLContext, ca: str, password: str | None) -> None:
    """The CAs that sign our peers: a PEM file, or a PKCS#12 trust store (TAK's
    ``truststore-root.p12``) whose certificates are all taken."""
    if not is_pkcs12(ca):
        context.load_verify_locations(cafile=ca)
        return
    bundle = pkcs12_of(ca, password)
    found = [c.certificate for c in bundle.additional_certs]
    if bundle.cert is not None:
        found.append(bundle.cert.certificate)
    if not found:
        raise CertificateError(f"{ca}: the PKCS#12 file holds no certificate")
    context.load_verify_locations(
        cadata="".join(c.public_bytes(Encoding.PEM).decode() for c in found)
    )
