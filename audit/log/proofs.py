"""Inclusion and consistency proofs over the ledger's Merkle tree, checked against signed checkpoints.

A proof is made from the ledger (`prove_inclusion`, `prove_consistency`) and
checked without it (`check_inclusion_proof`, `check_consistency_proof`): a
third party needs only the proof file, the checkpoint file(s) and the
published public key.

Inclusion proof JSON (``format: dh-audit-proof/1``, ``type: inclusion``):
``seq``, ``leaf_index`` (= seq - 1), ``tree_size``, ``root_hash`` (hex),
``leaf`` (the record's canonical bytes as a UTF-8 string: the verifier hashes
``0x00 || leaf`` itself) and ``audit_path`` (hex hashes, leaf to root, as RFC
6962 §2.1.1). Consistency proof JSON (``type: consistency``): ``size1``,
``size2``, ``root1``, ``root2`` (hex) and ``proof`` (hex, RFC 6962 §2.1.2).
Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 (`audit.log.merkle`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.counting import counted
from audit.log import store as merkle_store
from audit.log.checkpoints import Checkpoint, check_signature
from audit.errors import BadInput
from audit.log.merkle import ProofError, check_consistency, check_inclusion, leaf_hash
from audit.log.store import OpenLog, tree_size

FORMAT = "dh-audit-proof/1"
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


@attrs.frozen
class InclusionProof:
    """Record ``seq`` is leaf ``seq - 1`` of the tree of ``tree_size`` records with root ``root_hash``."""

    ledger_id: str
    seq: int
    tree_size: int
    root_hash: str
    leaf: str
    audit_path: tuple[str, ...]

    @property
    def leaf_index(self) -> int:
        return self.seq - 1

    def to_data(self) -> dict:
        return {
            "format": FORMAT, "type": "inclusion", "ledger_id": self.ledger_id, "seq": self.seq,
            "leaf_index": self.leaf_index, "tree_size": self.tree_size, "root_hash": self.root_hash,
            "leaf": self.leaf, "audit_path": list(self.audit_path),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_data(), indent=2, ensure_ascii=False) + "\n"


@attrs.frozen
class ConsistencyProof:
    """The tree of ``size2`` records (root ``root2``) extends the tree of ``size1`` records (root ``root1``)."""

    ledger_id: str
    size1: int
    size2: int
    root1: str
    root2: str
    proof: tuple[str, ...]

    def to_data(self) -> dict:
        return {
            "format": FORMAT, "type": "consistency", "ledger_id": self.ledger_id, "size1": self.size1,
            "size2": self.size2, "root1": self.root1, "root2": self.root2, "proof": list(self.proof),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_data(), indent=2) + "\n"


Proof = InclusionProof | ConsistencyProof


# --- making proofs (needs the ledger) -----------------------------------------------------------


def _size_of(ledger: OpenLog, checkpoint: Checkpoint | None, field: str) -> int:
    if checkpoint is None:
        return tree_size(ledger.conn)
    if checkpoint.ledger_id != ledger.ledger_id:
        raise BadInput(field, f"the checkpoint belongs to ledger {checkpoint.ledger_id}, not {ledger.ledger_id}")
    current = tree_size(ledger.conn)
    if checkpoint.tree_size > current:
        raise ProofError(f"the ledger has {counted(current, 'record')}, but a checkpoint signed {checkpoint.tree_size} "
                         f"on {checkpoint.timestamp} (records were removed)")
    return checkpoint.tree_size


def prove_inclusion(ledger: OpenLog, seq: int, checkpoint: Checkpoint | None = None) -> InclusionProof:
    """Prove record ``seq`` is in the tree of the checkpoint's size (default: the current size).

    The proof carries the root recomputed from the ledger; `check_inclusion_proof`
    compares it with the signed one. Raises `ProofError` when the ledger is
    shorter than the checkpoint.
    """
    return prove_inclusions(ledger, [seq], checkpoint)[0]


def prove_inclusions(
    ledger: OpenLog, seqs: Iterable[int], checkpoint: Checkpoint | None = None
) -> list[InclusionProof]:
    """`prove_inclusion` for many records in one read transaction, sharing the recomputed blocks."""
    with ledger.snapshot() as conn:
        size = _size_of(ledger, checkpoint, "head")
        node = merkle_store.node_reader(conn)
        root_hash = merkle_store.root(conn, size, node).hex()
        proofs = []
        for seq in seqs:
            if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= size:
                raise BadInput("seq", f"must be between 1 and {size}, the size of the tree (got {seq})")
            path = merkle_store.inclusion_path(conn, seq - 1, size, node)
            proofs.append(InclusionProof(
                ledger.ledger_id, seq, size, root_hash, merkle_store.record_leaf(conn, seq).decode("utf-8"),
                tuple(h.hex() for h in path),
            ))
        return proofs


def prove_consistency(ledger: OpenLog, older: Checkpoint, newer: Checkpoint | None = None) -> ConsistencyProof:
    """Prove the tree at ``newer`` (default: the current tree) extends the tree at ``older``.

    The roots in the proof are recomputed from the ledger; `check_consistency_proof`
    compares them with the signed ones, so a rewritten ledger yields a proof that fails.
    """
    with ledger.snapshot() as conn:
        size1 = _size_of(ledger, older, "from")
        size2 = _size_of(ledger, newer, "to")
        node = merkle_store.node_reader(conn)
        path = merkle_store.consistency_path(conn, size1, size2, node)
        return ConsistencyProof(
            ledger.ledger_id, size1, size2, merkle_store.root(conn, size1, node).hex(),
            merkle_store.root(conn, size2, node).hex(), tuple(h.hex() for h in path),
        )


# --- checking proofs (needs only the proof, the checkpoints and the public key) ------------------------


def check_inclusion_proof(
    proof: InclusionProof, checkpoint: Checkpoint, public_key: Ed25519PublicKey | None = None
) -> None:
    """Raise `ProofError` unless the record in the proof is in the signed tree of the checkpoint.

    Checks the checkpoint's signature (by ``public_key`` when given), that the
    proof is for the checkpoint's ledger, size and root, that the leaf is the
    record with seq ``leaf_index + 1``, and the RFC 6962 audit path.
    """
    check_signature(checkpoint, public_key)
    _same_ledger(proof.ledger_id, checkpoint)
    if proof.tree_size != checkpoint.tree_size:
        raise ProofError(f"the proof is for a tree of {counted(proof.tree_size, 'record')}, the checkpoint for "
                         f"{checkpoint.tree_size}")
    if proof.root_hash != checkpoint.root_hash:
        raise ProofError(f"the proof's root {proof.root_hash[:16]}… is not the signed root "
                         f"{checkpoint.root_hash[:16]}… (the ledger was rewritten)")
    leaf = proof.leaf.encode("utf-8")
    try:
        leaf_seq = json.loads(leaf).get("seq")
    except (ValueError, AttributeError):
        leaf_seq = None
    if leaf_seq != proof.seq:
        raise ProofError(f"the leaf is not the canonical record with seq {proof.seq}")
    check_inclusion(leaf_hash(leaf), proof.leaf_index, proof.tree_size,
                    [bytes.fromhex(h) for h in proof.audit_path], checkpoint.root)


def check_consistency_proof(
    proof: ConsistencyProof, older: Checkpoint, newer: Checkpoint, public_key: Ed25519PublicKey | None = None
) -> None:
    """Raise `ProofError` unless the signed tree of ``newer`` extends the signed tree of ``older``.

    Both checkpoints must be validly signed (by ``public_key`` when given), of
    the proof's ledger and sizes; the proof is checked against the signed roots.
    """
    for checkpoint in (older, newer):
        check_signature(checkpoint, public_key)
        _same_ledger(proof.ledger_id, checkpoint)
    if (proof.size1, proof.size2) != (older.tree_size, newer.tree_size):
        raise ProofError(f"the proof is from {proof.size1} to {counted(proof.size2, 'record')}, the checkpoints are of "
                         f"{older.tree_size} and {newer.tree_size}")
    check_consistency(older.tree_size, newer.tree_size, older.root, newer.root,
                      [bytes.fromhex(h) for h in proof.proof])


def order_checkpoints(checkpoints: list[Checkpoint]) -> tuple[Checkpoint, Checkpoint]:
    """The older and the newer of two checkpoints, by tree size then time."""
    if len(checkpoints) != 2:
        raise BadInput("checkpoint", f"a consistency proof is checked against two checkpoints (got {len(checkpoints)})")
    first, second = sorted(checkpoints, key=lambda c: (c.tree_size, c.timestamp))
    return first, second


def _same_ledger(ledger_id: str, checkpoint: Checkpoint) -> None:
    if ledger_id != checkpoint.ledger_id:
        raise ProofError(f"the proof is for ledger {ledger_id}, the checkpoint for ledger {checkpoint.ledger_id}")


# --- reading proof files ------------------------------------------------------------------------


def proof_from_json(text: str, field: str = "proof") -> Proof:
    """Read a proof file; anything malformed is `BadInput` naming the field."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadInput(field, f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadInput(field, "must be a JSON object written by 'dh-audit proof'")
    if data.get("format") != FORMAT:
        raise BadInput(f"{field}.format", f"must be {FORMAT!r} (got {data.get('format')!r})")
    kind = data.get("type")
    if kind == "inclusion":
        keys = {"format", "type", "ledger_id", "seq", "leaf_index", "tree_size", "root_hash", "leaf", "audit_path"}
    elif kind == "consistency":
        keys = {"format", "type", "ledger_id", "size1", "size2", "root1", "root2", "proof"}
    else:
        raise BadInput(f"{field}.type", f"must be 'inclusion' or 'consistency' (got {kind!r})")
    for key in sorted(keys - set(data)):
        raise BadInput(f"{field}.{key}", "missing")
    for key in sorted(set(data) - keys):
        raise BadInput(f"{field}.{key}", "unknown field")
    if not isinstance(data["ledger_id"], str):
        raise BadInput(f"{field}.ledger_id", "must be a string")
    if kind == "inclusion":
        for key in ("seq", "tree_size"):
            _int(data[key], f"{field}.{key}", 1)
        _int(data["leaf_index"], f"{field}.leaf_index", 0)
        if data["leaf_index"] != data["seq"] - 1:
            raise BadInput(f"{field}.leaf_index", "must be seq - 1")
        if not isinstance(data["leaf"], str):
            raise BadInput(f"{field}.leaf", "must be the record's canonical bytes as a string")
        return InclusionProof(data["ledger_id"], data["seq"], data["tree_size"], _hex(data["root_hash"],
                              f"{field}.root_hash"), data["leaf"], _hashes(data["audit_path"], f"{field}.audit_path"))
    for key in ("size1", "size2"):
        _int(data[key], f"{field}.{key}", 1)
    return ConsistencyProof(data["ledger_id"], data["size1"], data["size2"], _hex(data["root1"], f"{field}.root1"),
                            _hex(data["root2"], f"{field}.root2"), _hashes(data["proof"], f"{field}.proof"))


def _int(value: object, field: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadInput(field, f"must be an integer >= {minimum} (got {value!r})")


def _hex(value: object, field: str) -> str:
    if not isinstance(value, str) or not _HEX64.match(value):
        raise BadInput(field, "must be a SHA-256 hash as 64 lowercase hex digits")
    return value


def _hashes(value: object, field: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BadInput(field, "must be a list of hashes")
    return tuple(_hex(item, f"{field}[{i}]") for i, item in enumerate(value))
