"""The receipt of a release folder: a SHA-256 manifest of its files, optionally signed, and its check.

``manifest.json`` lists every file of the release with its SHA-256, the
ledger head and the checkpoint the release was computed from. ``manifest.sig``
(with ``--key``) is an Ed25519 signature of the manifest's exact bytes. The
statistics database cannot hold its own hash, so ``_publicatie`` holds the
checkpoint and the hashes of the report files, and the manifest holds the hash of
the database: `verify_release` checks both ways, with no ledger.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.errors import BadInput
from audit.log.signing import key_id, raw_public_key, signature_valid

FORMAT = "dh-audit-release/1"
SIGNATURE_FORMAT = "dh-audit-release-signature/1"
STATISTICS = "statistiek.db"
REPORT_HTML = "vergelijking.html"
REPORT_MARKDOWN = "vergelijking.md"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RELEASE_FILES = (STATISTICS, REPORT_HTML, REPORT_MARKDOWN)
RECEIPT_FILES = (MANIFEST, SIGNATURE)
REPORT_FILES = (REPORT_HTML, REPORT_MARKDOWN)
SIGNING_CONTEXT = b"dh-audit-release/1\n"

#: Keys of `_publicatie` that tie the database to the receipt.
CHECKPOINT_SIZE = "checkpoint_grootte"
CHECKPOINT_ROOT = "checkpoint_boomwortel"


def report_hash_key(name: str) -> str:
    """The `_publicatie` key holding the SHA-256 of a report file of the release."""
    return f"sha256_{name}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_bytes(files: dict[str, Path], *, ledger: dict, checkpoint: dict | None, generated: str) -> bytes:
    """The manifest of the files (name -> path), in a fixed order: the same release gives the same bytes."""
    data = {
        "format": FORMAT,
        "made_by": "dh-audit publish",
        "generated": generated,
        "ledger": ledger,
        "checkpoint": checkpoint,
        "files": {name: {"sha256": sha256_file(path)} for name, path in sorted(files.items())},
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def signature_bytes(manifest: bytes, key: Ed25519PrivateKey) -> bytes:
    public = key.public_key()
    data = {
        "format": SIGNATURE_FORMAT,
        "signed": MANIFEST,
        "key_id": key_id(public),
        "public_key": base64.b64encode(raw_public_key(public)).decode(),
        "signature": base64.b64encode(key.sign(SIGNING_CONTEXT + manifest)).decode(),
    }
    return (json.dumps(data, indent=1) + "\n").encode("utf-8")


@attrs.frozen
class Verdict:
    """The outcome of checking a release folder: `problem` names the first thing wrong, None when all is well."""

    problem: str | None
    signed: bool
    files: int
    checkpoint: dict | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if not self.ok:
            return f"FAILED: {self.problem}"
        signed = "signature valid" if self.signed else "NOT signed: hashes checked, signature not checked"
        where = (f"checkpoint {self.checkpoint['tree_size']} records, root {self.checkpoint['root_hash'][:16]}…"
                 if self.checkpoint else "no checkpoint")
        return f"ok: {self.files} files match the receipt; {signed}; {where}"


def _load_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _check_signature(directory: Path, manifest: bytes, public: Ed25519PublicKey) -> str | None:
    signature_path = directory / SIGNATURE
    if not signature_path.is_file():
        return f"{SIGNATURE} is missing: the release is not signed"
    data = _load_json(signature_path)
    if data is None or data.get("format") != SIGNATURE_FORMAT:
        return f"{SIGNATURE} is not a release signature made by dh-audit"
    if data.get("signed") != MANIFEST:
        return f"{SIGNATURE} does not sign {MANIFEST}"
    named = (data.get("key_id"), data.get("public_key"))
    if named != (key_id(public), base64.b64encode(raw_public_key(public)).decode()):
        return f"{SIGNATURE}: bad signature: it names another key than the one given"
    try:
        signature = base64.b64decode(str(data.get("signature", "")), validate=True)
    except ValueError:
        return f"{SIGNATURE}: the signature is not base64"
    if not signature_valid(public, signature, SIGNING_CONTEXT + manifest):
        return f"{SIGNATURE}: bad signature: {MANIFEST} was not signed with this key, or was changed since"
    return None


def _publication_values(path: Path) -> dict[str, str] | None:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            return dict(conn.execute("SELECT sleutel, waarde FROM _publicatie").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _check_publication(directory: Path, manifest: dict) -> str | None:
    """`_publicatie` of the database names the same checkpoint and report hashes as the manifest."""
    info = _publication_values(directory / STATISTICS)
    if info is None:
        return f"{STATISTICS} has no readable _publicatie table"
    checkpoint = manifest.get("checkpoint")
    stated = (info.get(CHECKPOINT_SIZE), info.get(CHECKPOINT_ROOT))
    expected = (str(checkpoint["tree_size"]), checkpoint["root_hash"]) if checkpoint else (None, None)
    if stated != expected:
        return f"{STATISTICS}: the checkpoint in _publicatie differs from the receipt"
    for name in REPORT_FILES:
        listed = manifest["files"].get(name, {}).get("sha256")
        if info.get(report_hash_key(name)) != listed:
            return f"{STATISTICS}: the hash of {name} in _publicatie differs from the receipt"
    return None


def verify_release(directory: str | Path, public: Ed25519PublicKey | None) -> Verdict:
    """Check every file of a release folder against its receipt (and the signature, given a public key)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BadInput("DIR", f"{directory} is not a directory")
    signed = public is not None

    def failed(problem: str) -> Verdict:
        return Verdict(problem, signed, 0)

    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        return failed(f"{MANIFEST} is missing: {directory} holds no release receipt")
    raw = manifest_path.read_bytes()
    if public is not None:
        problem = _check_signature(directory, raw, public)
        if problem:
            return failed(problem)
    manifest = _load_json(manifest_path)
    files = manifest.get("files") if manifest and manifest.get("format") == FORMAT else None
    if not isinstance(files, dict) or set(files) != set(RELEASE_FILES):
        return failed(f"{MANIFEST} is not a release receipt made by dh-audit")
    for name in sorted(files):
        path = directory / name
        if path.is_symlink() or not path.is_file():
            return failed(f"{name} is missing")
        if sha256_file(path) != files[name].get("sha256"):
            return failed(f"{name} differs from the receipt (SHA-256)")
    allowed = set(files) | set(RECEIPT_FILES)
    for path in sorted(directory.iterdir()):
        if path.name not in allowed:
            return failed(f"{path.name} is not part of the release")
    problem = _check_publication(directory, manifest)
    if problem:
        return failed(problem)
    return Verdict(None, signed, len(files), manifest.get("checkpoint"))
