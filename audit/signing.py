"""Ed25519 key pairs for signing checkpoints (tree heads), with the `cryptography` package.

The private key is a PKCS#8 PEM file readable only by its owner (0600); the
public key is a SubjectPublicKeyInfo PEM file next to it (``KEY.pub``). A key
is named by its key id: the SHA-256 of the 32 raw public key bytes, in hex.
The private key never goes into the ledger.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import BadInput


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key (RFC 8032)."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey | bytes) -> str:
    """SHA-256 of the raw public key, in hex."""
    raw = public if isinstance(public, bytes) else raw_public_key(public)
    return hashlib.sha256(raw).hexdigest()


def public_key_from_raw(raw: bytes, field: str = "public_key") -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise BadInput(field, f"must be a 32-byte Ed25519 public key (got {len(raw)} bytes)") from None


def public_key_path(private_path: str | Path) -> Path:
    """``KEY.pub`` for the private key file ``KEY``."""
    return Path(f"{private_path}.pub")


def generate_keypair(out: str | Path) -> tuple[Path, Path, str]:
    """Write a new private key to ``out`` (mode 0600) and its public key to ``out.pub``.

    Refuses to overwrite either file. Returns both paths and the key id.
    """
    private_path, public_path = Path(out), public_key_path(out)
    for path in (private_path, public_path):
        if path.exists():
            raise BadInput("out", f"{path} already exists; a signing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise BadInput("out", f"cannot create {private_path} ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path, key_id(key.public_key())


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput("key", f"cannot read {path} ({exc.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise BadInput("key", f"{path} is not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput("key", f"{path} is not an Ed25519 key (made by 'dh-audit keygen')")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput("pubkey", f"cannot read {path} ({exc.strerror})") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise BadInput("pubkey", f"{path} is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput("pubkey", f"{path} is not an Ed25519 public key (made by 'dh-audit keygen')")
    return key


def signature_valid(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by ``public``."""
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True
