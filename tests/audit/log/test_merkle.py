"""Tests for audit.log.merkle: RFC 6962 hashing, proof generation and verification.

The official transparency-dev test vectors are copied into ``tests/data/merkle``
(see ``tests/data/README.md``). Their absence is a collection error, never a skip.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.log.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    MerkleLog,
    Node,
    ProofError,
    check_consistency,
    check_inclusion,
    consistency_proof,
    frontier_ids,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_nodes,
    split_point,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------
# Test vectors
# ---------------------------------------------------------------------------

VECTOR_DIR = Path(__file__).resolve().parents[2] / "data" / "merkle"

# The leaves of the reference tree used by the transparency-dev test suite (the
# RFC 6962 / Certificate Transparency test data). The numbered vector folders are
# proofs over prefixes of this tree; test_reference_leaves_match_vector_roots
# checks that claim against the vectors' roots instead of assuming it.
REFERENCE_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]


@dataclass(frozen=True)
class Vector:
    """One JSON test vector file, with its base64 fields decoded."""

    kind: str  # "inclusion" or "consistency"
    name: str  # path relative to VECTOR_DIR
    data: dict[str, Any]
    proof: list[bytes]
    want_err: bool

    def b64(self, key: str) -> bytes:
        return base64.b64decode(self.data[key], validate=True)


def _load_vectors() -> list[Vector]:
    if not VECTOR_DIR.is_dir():
        raise FileNotFoundError(
            f"Merkle test vectors not found at {VECTOR_DIR}; they are part of the repository (tests/data/merkle)"
        )
    vectors = []
    for path in sorted(VECTOR_DIR.rglob("*.json")):
        rel = path.relative_to(VECTOR_DIR)
        kind = rel.parts[0]
        if kind not in ("inclusion", "consistency"):
            raise ValueError(f"unexpected vector folder for {rel}")
        data = json.loads(path.read_text(encoding="utf-8"))
        proof = [base64.b64decode(item, validate=True) for item in (data["proof"] or [])]
        vectors.append(Vector(kind, rel.as_posix(), data, proof, bool(data["wantErr"])))
    inclusion = sum(v.kind == "inclusion" for v in vectors)
    consistency = sum(v.kind == "consistency" for v in vectors)
    if inclusion < 90 or consistency < 90:
        raise ValueError(f"too few Merkle vectors in {VECTOR_DIR}: {inclusion} inclusion, {consistency} consistency")
    return vectors


VECTORS = _load_vectors()
HAPPY_VECTORS = [v for v in VECTORS if not v.want_err]


def _run_vector(vector: Vector) -> bool:
    d = vector.data
    if vector.kind == "inclusion":
        return verify_inclusion(vector.b64("leafHash"), d["leafIdx"], d["treeSize"], vector.proof, vector.b64("root"))
    return verify_consistency(d["size1"], d["size2"], vector.b64("root1"), vector.b64("root2"), vector.proof)


def _check_vector(vector: Vector) -> None:
    d = vector.data
    if vector.kind == "inclusion":
        check_inclusion(vector.b64("leafHash"), d["leafIdx"], d["treeSize"], vector.proof, vector.b64("root"))
    else:
        check_consistency(d["size1"], d["size2"], vector.b64("root1"), vector.b64("root2"), vector.proof)


def test_vector_inventory() -> None:
    names = {v.name for v in VECTORS}
    assert len(VECTORS) == 196
    for kind in ("inclusion", "consistency"):
        for tree in ("0", "1", "2", "3", "4"):
            assert f"{kind}/{tree}/happy-path.json" in names
    assert any(n.startswith("inclusion/additional/") for n in names)
    assert any(n.startswith("inclusion/single-entry/") for n in names)
    assert any(n.startswith("consistency/additional/") for n in names)
    # Every tree folder with a non-trivial proof also ships mutated variants.
    assert sum(v.want_err for v in VECTORS) > 150


@pytest.mark.parametrize("vector", VECTORS, ids=[v.name for v in VECTORS])
def test_vector(vector: Vector) -> None:
    assert _run_vector(vector) is (not vector.want_err), vector.data["desc"]
    # The raising form agrees with the boolean form.
    if vector.want_err:
        with pytest.raises(ProofError):
            _check_vector(vector)
    else:
        _check_vector(vector)


def test_reference_leaves_match_vector_roots() -> None:
    log = MerkleLog(leaf_hash(d) for d in REFERENCE_LEAVES)
    seen = 0
    for v in HAPPY_VECTORS:
        tree = v.name.split("/")[1]
        if not tree.isdigit():
            continue
        if v.kind == "inclusion":
            assert log.root(v.data["treeSize"]) == v.b64("root"), v.name
            assert log.node(0, v.data["leafIdx"]) == v.b64("leafHash"), v.name
        else:
            assert log.root(v.data["size1"]) == v.b64("root1"), v.name
            assert log.root(v.data["size2"]) == v.b64("root2"), v.name
        seen += 1
    assert seen == 10


@pytest.mark.parametrize("vector", HAPPY_VECTORS, ids=[v.name for v in HAPPY_VECTORS])
def test_vector_happy_path_proof_is_reproduced(vector: Vector) -> None:
    d = vector.data
    tree = vector.name.split("/")[1]
    if tree.isdigit():
        log = MerkleLog(leaf_hash(x) for x in REFERENCE_LEAVES)
    elif vector.kind == "inclusion":
        # Single-entry tree: the only leaf hash is given, and it is the root.
        log = MerkleLog([vector.b64("leafHash")])
        assert log.root() == vector.b64("root")
    else:
        # Opaque roots ("don't care"): only the proof shape can be reproduced.
        log = MerkleLog(leaf_hash(bytes([i])) for i in range(d["size2"]))
    if vector.kind == "inclusion":
        assert log.inclusion_proof(d["leafIdx"], d["treeSize"]) == vector.proof
    else:
        assert log.consistency_proof(d["size1"], d["size2"]) == vector.proof


# ---------------------------------------------------------------------------
# Hashing basics
# ---------------------------------------------------------------------------


def test_hash_primitives() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]) == EMPTY_ROOT
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = leaf_hash(b"l"), leaf_hash(b"r")
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    # Domain separation: a leaf whose data looks like two children is not a node.
    assert leaf_hash(left + right) != node_hash(left, right)
    assert len(leaf_hash(b"x")) == HASH_SIZE


def test_split_point() -> None:
    assert [split_point(n) for n in range(2, 11)] == [1, 2, 2, 4, 4, 4, 4, 8, 8]
    assert split_point(2**40 + 1) == 2**40
    for bad in (0, 1):
        with pytest.raises(ValueError):
            split_point(bad)


def test_root_matches_rfc_shape_for_small_trees() -> None:
    a, b, c, d, e = (leaf_hash(bytes([i])) for i in range(5))
    assert root([a]) == a
    assert root([a, b]) == node_hash(a, b)
    assert root([a, b, c]) == node_hash(node_hash(a, b), c)
    assert root([a, b, c, d, e]) == node_hash(node_hash(node_hash(a, b), node_hash(c, d)), e)


# ---------------------------------------------------------------------------
# Literal RFC 6962 reference (section 2.1.1 and 2.1.2) on plain leaf lists
# ---------------------------------------------------------------------------


def _rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return _rfc_path(m, leaves[:k]) + [root(leaves[k:])]
    return _rfc_path(m - k, leaves[k:]) + [root(leaves[:k])]


def _rfc_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [root(leaves)]
    k = split_point(n)
    if m <= k:
        return _rfc_subproof(m, leaves[:k], b) + [root(leaves[k:])]
    return _rfc_subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def _leaves(count: int, salt: int = 0) -> list[bytes]:
    prefix = salt.to_bytes(8, "big")
    return [leaf_hash(prefix + i.to_bytes(4, "big")) for i in range(count)]


SMALL = _leaves(70)
SMALL_LOG = MerkleLog(SMALL)


@pytest.mark.parametrize("size", range(1, 65))
def test_inclusion_proof_matches_rfc_path_for_past_sizes(size: int) -> None:
    # The store holds 70 leaves; proofs are asked for every older size.
    for index in range(size):
        proof = SMALL_LOG.inclusion_proof(index, size)
        assert proof == _rfc_path(index, SMALL[:size])
        assert len(proof) == _path_len(index, size)
        assert verify_inclusion(SMALL[index], index, size, proof, root(SMALL[:size]))


@pytest.mark.parametrize("size2", range(1, 41))
def test_consistency_proof_matches_rfc_proof_for_past_sizes(size2: int) -> None:
    root2 = root(SMALL[:size2])
    for size1 in range(1, size2 + 1):
        proof = SMALL_LOG.consistency_proof(size1, size2)
        expected = [] if size1 == size2 else _rfc_subproof(size1, SMALL[:size2], True)
        assert proof == expected
        assert verify_consistency(size1, size2, root(SMALL[:size1]), root2, proof)


# ---------------------------------------------------------------------------
# Incremental construction and the perfect-subtree store
# ---------------------------------------------------------------------------


def test_incremental_root_equals_recursive_mth_for_every_size() -> None:
    leaves = _leaves(2000, salt=7)
    compact = CompactRange()
    assert compact.root() == root([]) == EMPTY_ROOT
    for size in range(1, 2001):
        compact.append(leaves[size - 1])
        assert compact.size == size
        assert compact.root() == root(leaves[:size]), size


def test_append_emits_every_perfect_subtree_once() -> None:
    leaves = _leaves(100, salt=3)
    compact = CompactRange()
    emitted: list[Node] = []
    for leaf in leaves:
        created = compact.append(leaf)
        assert created[0] == Node(0, compact.size - 1, leaf)
        assert [n.level for n in created] == list(range(len(created)))
        emitted.extend(created)
    ids = [(n.level, n.index) for n in emitted]
    expected = {(lvl, idx) for lvl in range(7) for idx in range(100 >> lvl)}
    assert len(ids) == len(set(ids)) and set(ids) == expected
    for n in emitted:
        assert n.hash == root(leaves[n.index << n.level : (n.index + 1) << n.level])
    assert [(n.level, n.index) for n in compact.frontier] == frontier_ids(100) == [(6, 0), (5, 2), (2, 24)]


def test_compact_range_restores_from_persisted_nodes() -> None:
    leaves = _leaves(300, salt=5)
    store: dict[tuple[int, int], bytes] = {}
    compact = CompactRange()
    for leaf in leaves[:211]:
        store.update(((n.level, n.index), n.hash) for n in compact.append(leaf))
    restored = CompactRange.from_nodes(211, lambda level, index: store[(level, index)])
    assert restored.size == 211 and restored.frontier == compact.frontier
    assert restored.root() == compact.root() == root(leaves[:211])
    for leaf in leaves[211:]:
        assert restored.append(leaf) == compact.append(leaf)
    assert restored.root() == root(leaves)
    assert CompactRange.from_nodes(0, lambda level, index: b"").root() == EMPTY_ROOT


def test_subtree_hash_any_range_and_lookup_cost() -> None:
    leaves = _leaves(64, salt=9)
    log = MerkleLog(leaves)
    calls: list[tuple[int, int]] = []

    def counting(level: int, index: int) -> bytes:
        calls.append((level, index))
        return log.node(level, index)

    for start in range(64):
        for end in range(start + 1, 65):
            assert subtree_hash(start, end, log.node) == root(leaves[start:end])
    calls.clear()
    assert subtree_hash(32, 63, counting) == root(leaves[32:63])
    assert calls == [(4, 2), (3, 6), (2, 14), (1, 30), (0, 62)]
    with pytest.raises(ValueError):
        subtree_hash(5, 5, log.node)
    assert root_from_nodes(0, log.node) == EMPTY_ROOT
    assert root_from_nodes(37, log.node) == root(leaves[:37])


def test_proof_lookup_count_is_polylogarithmic() -> None:
    log = MerkleLog(_leaves(1 << 12, salt=11))
    calls = 0

    def counting(level: int, index: int) -> bytes:
        nonlocal calls
        calls += 1
        return log.node(level, index)

    worst = 0
    for size1, size2 in [(4095, 4096), (2731, 4095), (1365, 3413), (1, 4095), (2047, 4094)]:
        calls = 0
        consistency_proof(size1, size2, counting)
        worst = max(worst, calls)
        calls = 0
        inclusion_proof(size1 - 1, size2, counting)
        worst = max(worst, calls)
    assert worst <= 12 * 12


def test_merkle_log_api_errors() -> None:
    log = MerkleLog(_leaves(5))
    assert log.size == 5
    with pytest.raises(KeyError):
        log.node(1, 2)  # covers leaves 4..5, not complete yet
    with pytest.raises(ValueError):
        log.root(6)
    with pytest.raises(ValueError):
        log.inclusion_proof(5)
    with pytest.raises(ValueError):
        log.inclusion_proof(0, 0)
    with pytest.raises(ValueError):
        log.consistency_proof(0)
    with pytest.raises(ValueError):
        log.consistency_proof(4, 3)
    with pytest.raises(ValueError):
        log.append(b"too short")
    with pytest.raises(TypeError):
        log.append("not bytes" * 4)  # type: ignore[arg-type]
    assert log.consistency_proof(5) == []
    created = log.extend(_leaves(3, salt=1))
    assert log.size == 8 and (3, 0) in {(n.level, n.index) for n in created}


# ---------------------------------------------------------------------------
# Verifier rejections beyond the vectors
# ---------------------------------------------------------------------------


def test_verifiers_never_raise_on_malformed_input() -> None:
    leaves = _leaves(6)
    log = MerkleLog(leaves)
    good = log.inclusion_proof(2)
    r = log.root()
    assert verify_inclusion(leaves[2], 2, 6, good, r)
    assert verify_inclusion(leaves[2], 2, 6, tuple(good), bytearray(r))
    assert not verify_inclusion(leaves[2], 2, 6, None, r)  # type: ignore[arg-type]
    assert not verify_inclusion(leaves[2], 2, 6, b"".join(good), r)
    assert not verify_inclusion(leaves[2], 2, 6, [*good[:-1], "x" * 32], r)  # type: ignore[list-item]
    assert not verify_inclusion(leaves[2], -1, 6, good, r)
    assert not verify_inclusion(leaves[2], True, 6, good, r)  # type: ignore[arg-type]
    assert not verify_inclusion(leaves[2], 2, 6.0, good, r)  # type: ignore[arg-type]
    assert not verify_inclusion(leaves[2] + b"\x00", 2, 6, good, r)
    cproof = log.consistency_proof(3)
    r3 = log.root(3)
    assert verify_consistency(3, 6, r3, r, cproof)
    assert not verify_consistency(3, 6, r3, r, 42)  # type: ignore[arg-type]
    assert not verify_consistency(3, 6, r3[:-1], r, cproof)
    assert not verify_consistency(3, 6, r3, r, [*cproof, b""])
    assert not verify_consistency(3, -6, r3, r, cproof)
    assert not verify_consistency(6, 6, "a", "a", [])  # type: ignore[arg-type]
    with pytest.raises(ProofError, match="empty tree"):
        check_consistency(0, 6, EMPTY_ROOT, r, cproof)
    with pytest.raises(ProofError, match="root2"):
        check_consistency(3, 6, r3, log.root(5), cproof)


def test_power_of_two_size1_rejects_garbage_root1() -> None:
    # With size1 = 4 the proof never contains root1, so only the 32-byte rule
    # prevents a fabricated root1 from being "proven" consistent with root2.
    fake_root1 = b"don't care 1"
    proof = [leaf_hash(b"right")]
    fake_root2 = node_hash(fake_root1, proof[0])
    assert not verify_consistency(4, 8, fake_root1, fake_root2, proof)


def _path_len(index: int, size: int) -> int:
    """Length of the audit path of leaf ``index`` in a tree of ``size`` leaves."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _flip_bit(proof: list[bytes], item: int, bit: int) -> list[bytes]:
    mutated = list(proof)
    value = bytearray(mutated[item])
    value[bit // 8] ^= 1 << (bit % 8)
    mutated[item] = bytes(value)
    return mutated


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(size=st.integers(1, 2000), extra=st.integers(0, 64), salt=st.integers(0, 2**32))
@example(size=1024, extra=0, salt=0)
@example(size=1025, extra=0, salt=0)
@example(size=2000, extra=48, salt=1)
def test_property_inclusion_every_index(size: int, extra: int, salt: int) -> None:
    leaves = _leaves(size + extra, salt)
    log = MerkleLog(leaves)  # the store may be larger than the proven size
    expected_root = root(leaves[:size])
    assert log.root(size) == expected_root
    for index in range(size):
        proof = log.inclusion_proof(index, size)
        assert verify_inclusion(leaves[index], index, size, proof, expected_root), index


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(2, 2000), salt=st.integers(0, 2**32))
def test_property_inclusion_mutations_rejected(data: st.DataObject, size: int, salt: int) -> None:
    leaves = _leaves(size, salt)
    log = MerkleLog(leaves)
    r = log.root()
    index = data.draw(st.integers(0, size - 1))
    proof = log.inclusion_proof(index)
    assert verify_inclusion(leaves[index], index, size, proof, r)
    item = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 8 * HASH_SIZE - 1))
    assert not verify_inclusion(leaves[index], index, size, _flip_bit(proof, item, bit), r)
    assert not verify_inclusion(leaves[index], index, size, proof[:-1], r)
    assert not verify_inclusion(leaves[index], index, size, [*proof, proof[-1]], r)
    assert not verify_inclusion(leaves[index], index, size, [r, *proof], r)
    assert not verify_inclusion(leaves[(index + 1) % size], index, size, proof, r)
    other = data.draw(st.integers(0, 2 * size).filter(lambda i: i != index))
    assert not verify_inclusion(leaves[index], other, size, proof, r)
    # The root, not the size, authenticates the content: a size with the same path
    # shape (e.g. 1025 and 1026 for leaf 0) legitimately accepts the same proof.
    # Any size that implies a different path length must be rejected.
    other_size = data.draw(
        st.integers(index + 1, 2 * size).filter(lambda s: _path_len(index, s) != len(proof))
    )
    assert not verify_inclusion(leaves[index], index, other_size, proof, r)
    assert not verify_inclusion(leaves[index], index, index, proof, r)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), size2=st.integers(1, 2000), extra=st.integers(0, 64), salt=st.integers(0, 2**32))
def test_property_consistency(data: st.DataObject, size2: int, extra: int, salt: int) -> None:
    size1 = data.draw(st.integers(1, size2))
    leaves = _leaves(size2 + extra, salt)
    log = MerkleLog(leaves)
    root1, root2 = root(leaves[:size1]), root(leaves[:size2])
    proof = log.consistency_proof(size1, size2)
    assert verify_consistency(size1, size2, root1, root2, proof)
    if size1 == size2:
        assert proof == []
        return
    assert not verify_consistency(size1, size2, root2, root1, proof)
    assert not verify_consistency(size1, size2, root1, root2, proof[:-1])
    assert not verify_consistency(size1, size2, root1, root2, [*proof, proof[0]])
    item = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 8 * HASH_SIZE - 1))
    assert not verify_consistency(size1, size2, root1, root2, _flip_bit(proof, item, bit))
    if size1 + 1 < size2:
        assert not verify_consistency(size1 + 1, size2, root1, root2, proof)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), size2=st.integers(2, 2000), salt=st.integers(0, 2**32))
def test_property_rewritten_history_is_inconsistent(data: st.DataObject, size2: int, salt: int) -> None:
    size1 = data.draw(st.integers(1, size2))
    changed = data.draw(st.integers(0, size1 - 1))
    leaves = _leaves(size2, salt)
    old_root1 = root(leaves[:size1])
    rewritten = list(leaves)
    rewritten[changed] = leaf_hash(b"rewritten" + changed.to_bytes(4, "big"))
    forged = MerkleLog(rewritten)
    forged_root2 = forged.root()
    forged_proof = forged.consistency_proof(size1, size2)
    assert verify_consistency(size1, size2, forged.root(size1), forged_root2, forged_proof)
    assert not verify_consistency(size1, size2, old_root1, forged_root2, forged_proof)
    honest_proof = MerkleLog(leaves).consistency_proof(size1, size2)
    assert not verify_consistency(size1, size2, old_root1, forged_root2, honest_proof)


@PROPERTY_SETTINGS
@given(size=st.integers(0, 2000), salt=st.integers(0, 2**32), data=st.data())
def test_property_past_roots_from_store(size: int, salt: int, data: st.DataObject) -> None:
    leaves = _leaves(size, salt)
    log = MerkleLog(leaves)
    assert log.root() == root(leaves)
    for past in data.draw(st.lists(st.integers(0, size), min_size=1, max_size=5)):
        assert log.root(past) == root_from_nodes(past, log.node) == root(leaves[:past])
