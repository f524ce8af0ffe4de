"""Ed25519 key pairs for signing checkpoints (tree heads), with the `cryptography` package.

The private key is a PKCS#8 PEM file readable only by its owner (0600); the
public key is a SubjectPublicKeyInfo PEM file next to it (``KEY.pub``). A key
is named by its key id: the SHA-256 of the 32 raw public key bytes, in hex.
The private key never goes into the ledger.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.errors import BadInput
from audit.outputs import KEY, output


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


def generate_keypair(out: str | Path, option: str = "--out") -> tuple[Path, Path, str]:
    """Write a new private key to ``out`` (mode 0600) and its public key to ``out.pub``.

    Refuses (`BadInput` naming `option`) when either file exists, even as a symlink;
    each is written to a temporary file and linked into place, so neither is ever
    overwritten. Returns both paths and the key id.
    """
    private_out = output(out, option, KEY, create_only=True)
    public_out = output(public_key_path(out), option, KEY, create_only=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def write(data: bytes):
        def into(temp: Path) -> None:
            temp.write_bytes(data)

        return into

    private_path = private_out.write_with(write(private_pem), mode=0o600)
    try:
        public_path = public_out.write_with(write(public_pem))
    except BaseException:
        private_path.unlink()  # made a moment ago by this call: a key without its public half is of no use
        raise
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
