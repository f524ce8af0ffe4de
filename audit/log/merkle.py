"""RFC 6962 Merkle tree: hashing, proof generation and proof verification.

This module is pure: it performs no I/O and keeps no global state. It implements
the Merkle Tree Hash (MTH) of RFC 6962 section 2.1, the audit path (PATH,
section 2.1.1) and the consistency proof (PROOF / SUBPROOF, section 2.1.2), and
the verification algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2 (the ones
used by transparency-dev/merkle ``proof.VerifyInclusion`` and
``proof.VerifyConsistency``).

Node identification
-------------------
Proofs are built from *perfect subtrees*: complete binary subtrees of ``2**level``
leaves that start at a multiple of ``2**level``. Such a node is identified by the
pair ``(level, index)`` and covers the leaves ``[index * 2**level,
(index + 1) * 2**level)``. Level 0 holds the leaf hashes themselves (``index`` is
the leaf index). A perfect subtree is immutable once its last leaf has been
appended, so its hash can be persisted under ``(level, index)`` and never
changes, whatever the tree grows to later.

Every function that needs tree content takes a *node getter*: a callable
``node(level, index) -> bytes`` that returns the hash of a completed perfect
subtree. Any hash of a non-perfect subtree, including the root of an older tree
size, is rebuilt from perfect ones (:func:`subtree_hash`), so a store that only
holds perfect subtree hashes (in memory, as :class:`MerkleLog` does, or in a
database table keyed by ``(level, index)``) can serve inclusion and consistency
proofs for any past tree size. An inclusion or consistency proof costs
``O(log n)`` getter calls when the sizes involved are powers of two and at most
``O(log**2 n)`` in general.

Verification convention
-----------------------
``check_inclusion`` and ``check_consistency`` return ``None`` when the proof is
valid and raise :class:`ProofError` (and only :class:`ProofError`) when it is
not, with a message saying why. ``verify_inclusion`` and ``verify_consistency``
wrap them and return a plain ``bool``: ``False`` for every rejected proof, never
an exception.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "MerkleLog",
    "Node",
    "NodeGetter",
    "ProofError",
    "check_consistency",
    "check_inclusion",
    "consistency_proof",
    "frontier_ids",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_nodes",
    "split_point",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() -- the root hash of the empty tree."""

NodeGetter = Callable[[int, int], bytes]
"""``node(level, index) -> bytes``: hash of a completed perfect subtree."""


class ProofError(ValueError):
    """Raised by ``check_inclusion`` / ``check_consistency`` for a rejected proof."""


class Node(NamedTuple):
    """A perfect subtree hash: covers leaves ``[index << level, (index + 1) << level)``."""

    level: int
    index: int
    hash: bytes


# ---------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (requires ``n >= 2``)."""
    if n < 2:
        raise ValueError(f"a split needs at least 2 leaves, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _check_leaf_hash(value: bytes) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"a leaf hash must be bytes, got {type(value).__name__}")
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) for a list of leaf hashes, by the recursive definition of RFC 6962.

    ``MTH({}) = SHA-256()``, ``MTH({d0}) = d0`` (already a leaf hash), and otherwise
    ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n]))`` with ``k`` the largest power
    of two smaller than ``n``. This is the O(n) reference; :class:`CompactRange`
    maintains the same value incrementally.
    """

    def mth(start: int, end: int) -> bytes:
        n = end - start
        if n == 1:
            return leaf_hashes[start]
        k = split_point(n)
        return node_hash(mth(start, start + k), mth(start + k, end))

    if len(leaf_hashes) == 0:
        return EMPTY_ROOT
    return mth(0, len(leaf_hashes))


# ---------------------------------------------------------------------------
# Subtrees rebuilt from perfect nodes
# ---------------------------------------------------------------------------


def subtree_hash(start: int, end: int, node: NodeGetter) -> bytes:
    """Return MTH(D[start:end]) using only perfect subtree hashes from ``node``.

    The range is split exactly like RFC 6962 splits a tree (largest power of two
    smaller than its length). A part that is itself a perfect aligned subtree is
    fetched with one ``node(level, index)`` call; other parts are split again.
    When ``start`` is a multiple of the smallest power of two ``>= end - start``
    (true of every range that appears in a proof or in an older tree root), the
    range decomposes into at most ``log2(end - start) + 1`` perfect subtrees, so
    the cost is O(log n) lookups. Any other range is still hashed correctly, down
    to single leaves if needed.
    """
    if start < 0 or end <= start:
        raise ValueError(f"invalid subtree range [{start}, {end})")
    n = end - start
    if _is_power_of_two(n) and start % n == 0:
        level = n.bit_length() - 1
        return node(level, start >> level)
    k = split_point(n)
    return node_hash(subtree_hash(start, start + k, node), subtree_hash(start + k, end, node))


def root_from_nodes(size: int, node: NodeGetter) -> bytes:
    """Return the root hash of the tree of ``size`` leaves (any past size) from perfect nodes."""
    if size < 0:
        raise ValueError(f"tree size must be >= 0, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return subtree_hash(0, size, node)


def frontier_ids(size: int) -> list[tuple[int, int]]:
    """Return the ``(level, index)`` of the perfect subtrees whose right fold is the root of ``size``.

    These are the maximal perfect subtrees covering ``[0, size)``, one per set bit
    of ``size``, largest (leftmost) first. They are exactly the nodes a
    :class:`CompactRange` keeps, so a persisted log can rebuild its compact range
    with :meth:`CompactRange.from_nodes`.
    """
    if size < 0:
        raise ValueError(f"tree size must be >= 0, got {size}")
    ids = []
    offset = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            ids.append((level, offset >> level))
            offset += 1 << level
    return ids


# ---------------------------------------------------------------------------
# Proof generation (RFC 6962 section 2.1.1 and 2.1.2)
# ---------------------------------------------------------------------------


def inclusion_proof(index: int, size: int, node: NodeGetter) -> list[bytes]:
    """Return the audit path PATH(index, D[size]) of RFC 6962 section 2.1.1.

    ``size`` may be any tree size whose leaves are all covered by ``node`` (the
    current size or an older one). Hashes are ordered from the leaf up to the
    root, as RFC 6962 and RFC 9162 expect.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    siblings: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            siblings.append(subtree_hash(start + k, end, node))
            end = start + k
        else:
            siblings.append(subtree_hash(start, start + k, node))
            start += k
            m -= k
    siblings.reverse()
    return siblings


def consistency_proof(size1: int, size2: int, node: NodeGetter) -> list[bytes]:
    """Return the consistency proof PROOF(size1, D[size2]) of RFC 6962 section 2.1.2.

    Requires ``0 < size1 <= size2``; the proof for ``size1 == size2`` is empty. A
    proof from the empty tree is refused with ``ValueError``: every tree extends
    the empty tree, so there is nothing to prove and :func:`check_consistency`
    rejects ``size1 == 0``.
    """
    if size1 <= 0 or size2 < size1:
        raise ValueError(f"consistency proof needs 0 < size1 <= size2, got {size1}, {size2}")
    proof: list[bytes] = []
    if size1 == size2:
        return proof
    # SUBPROOF(m, D[start:end], b), unrolled: descend while m < n, collecting the
    # sibling of every step; the node at which m == n is added only if b is false.
    start, end, m, complete = 0, size2, size1, True
    while m < end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(subtree_hash(start + k, end, node))
            end = start + k
        else:
            proof.append(subtree_hash(start, start + k, node))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.append(subtree_hash(start, end, node))
    proof.reverse()
    return proof


# ---------------------------------------------------------------------------
# Incremental construction
# ---------------------------------------------------------------------------


class CompactRange:
    """The frontier of a growing Merkle tree: O(log n) memory, O(1) amortised append.

    Holds one perfect subtree per set bit of the current size (see
    :func:`frontier_ids`), as a Certificate Transparency / transparency-dev
    "compact range" ``[0, size)``. :meth:`append` returns every perfect subtree it
    completes (the new leaf at level 0 and each merged parent) so a caller can
    persist them; those are all the nodes any proof will ever need.
    """

    __slots__ = ("_frontier", "_size")

    def __init__(self) -> None:
        self._frontier: list[Node] = []
        self._size = 0

    @classmethod
    def from_nodes(cls, size: int, node: NodeGetter) -> CompactRange:
        """Rebuild the compact range of a tree of ``size`` leaves from its persisted perfect nodes."""
        compact = cls()
        compact._frontier = [Node(level, index, node(level, index)) for level, index in frontier_ids(size)]
        compact._size = size
        return compact

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def frontier(self) -> tuple[Node, ...]:
        """The perfect subtrees covering ``[0, size)``, largest (leftmost) first."""
        return tuple(self._frontier)

    def append(self, leaf: bytes) -> list[Node]:
        """Append one leaf hash; return the perfect subtrees completed by it, lowest level first.

        The first node returned is the leaf itself, ``Node(0, old_size, leaf)``.
        Raises ``TypeError`` if ``leaf`` is not bytes and ``ValueError`` if it is
        not 32 bytes long.
        """
        current = Node(0, self._size, _check_leaf_hash(leaf))
        created = [current]
        while self._frontier and self._frontier[-1].level == current.level:
            left = self._frontier.pop()
            current = Node(current.level + 1, left.index >> 1, node_hash(left.hash, current.hash))
            created.append(current)
        self._frontier.append(current)
        self._size += 1
        return created

    def root(self) -> bytes:
        """Return the root hash of the tree of the current size (right fold of the frontier)."""
        if not self._frontier:
            return EMPTY_ROOT
        acc = self._frontier[-1].hash
        for left in reversed(self._frontier[:-1]):
            acc = node_hash(left.hash, acc)
        return acc


class MerkleLog:
    """An in-memory append-only Merkle log: a :class:`CompactRange` plus a store of perfect nodes.

    It is the reference for a persistent log: every node returned by
    :meth:`append` goes into a dictionary keyed by ``(level, index)``, and all
    roots and proofs, for the current size or any older one, are computed from
    that dictionary through :meth:`node`.
    """

    __slots__ = ("_compact", "_nodes")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._compact = CompactRange()
        self._nodes: dict[tuple[int, int], bytes] = {}
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves in the log."""
        return self._compact.size

    def append(self, leaf: bytes) -> list[Node]:
        """Append one leaf hash; store and return the perfect subtrees it completes."""
        created = self._compact.append(leaf)
        for created_node in created:
            self._nodes[(created_node.level, created_node.index)] = created_node.hash
        return created

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[Node]:
        """Append several leaf hashes; return all perfect subtrees completed, in creation order."""
        created: list[Node] = []
        for leaf in leaf_hashes:
            created.extend(self.append(leaf))
        return created

    def node(self, level: int, index: int) -> bytes:
        """Return a stored perfect subtree hash; ``KeyError`` if that subtree is not complete yet."""
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise KeyError(f"no completed subtree at level {level}, index {index}") from None

    def _size_arg(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside [0, {self.size}]")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash at ``size`` (default: the current size)."""
        size = self._size_arg(size)
        if size == self.size:
            return self._compact.root()
        return root_from_nodes(size, self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the audit path of leaf ``index`` in the tree of ``size`` leaves (default: current)."""
        return inclusion_proof(index, self._size_arg(size), self.node)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Return the consistency proof between sizes ``size1`` and ``size2`` (default: current)."""
        return consistency_proof(size1, self._size_arg(size2), self.node)


# ---------------------------------------------------------------------------
# Verification (RFC 9162 section 2.1.3.2 and 2.1.4.2)
# ---------------------------------------------------------------------------


def _require_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ProofError(f"{what} must be >= 0, got {value}")
    return value


def _require_hash(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def _require_proof(proof: object) -> list[bytes]:
    if proof is None:
        return []
    if isinstance(proof, (bytes, bytearray, memoryview, str)):
        raise ProofError("proof must be a sequence of hashes, not a single byte string")
    try:
        items = list(proof)  # type: ignore[call-overload]
    except TypeError:
        raise ProofError(f"proof must be a sequence of hashes, got {type(proof).__name__}") from None
    return [_require_hash(item, f"proof[{i}]") for i, item in enumerate(items)]


def check_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> None:
    """Check an inclusion proof (RFC 9162 section 2.1.3.2); raise :class:`ProofError` if it is invalid.

    ``leaf`` is the leaf *hash*, ``proof`` the audit path (``None`` is read as an
    empty path), ``root_hash`` the root of the tree of ``size`` leaves. All hashes
    must be 32 bytes and ``0 <= index < size``.
    """
    index = _require_size(index, "leaf index")
    size = _require_size(size, "tree size")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    leaf = _require_hash(leaf, "leaf hash")
    root_hash = _require_hash(root_hash, "root hash")
    path = _require_proof(proof)

    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root_hash:
        raise ProofError("inclusion proof does not lead to the expected root")


def check_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check a consistency proof (RFC 9162 section 2.1.4.2); raise :class:`ProofError` if it is invalid.

    Rules, matching transparency-dev/merkle and its test vectors:

    * ``size1 > size2`` is rejected.
    * ``size1 == 0`` is rejected, even when ``size2 == 0``: every tree extends
      the empty tree, so such a "proof" proves nothing.
    * ``size1 == size2 > 0`` is valid exactly when the proof is empty and
      ``root1 == root2`` (a plain byte comparison of the two roots).
    * ``0 < size1 < size2`` runs the RFC 9162 algorithm; both roots and every
      proof hash must then be 32 bytes.
    """
    size1 = _require_size(size1, "size1")
    size2 = _require_size(size2, "size2")
    if size1 > size2:
        raise ProofError(f"size1 ({size1}) is greater than size2 ({size2})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    path = _require_proof(proof)
    if size1 == size2:
        if path:
            raise ProofError("sizes are equal but the proof is not empty")
        if not isinstance(root1, (bytes, bytearray, memoryview)) or not isinstance(
            root2, (bytes, bytearray, memoryview)
        ):
            raise ProofError("roots must be bytes")
        if bytes(root1) != bytes(root2):
            raise ProofError("sizes are equal but the roots differ")
        return
    root1 = _require_hash(root1, "root1")
    root2 = _require_hash(root2, "root2")
    if not path:
        raise ProofError("consistency proof is empty")

    if _is_power_of_two(size1):
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1:
        raise ProofError("consistency proof does not lead to root1")
    if sr != root2:
        raise ProofError("consistency proof does not lead to root2")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """Return True iff the inclusion proof is valid; never raises (see :func:`check_inclusion`)."""
    try:
        check_inclusion(leaf, index, size, proof, root_hash)
    except ProofError:
        return False
    return True


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """Return True iff the consistency proof is valid; never raises (see :func:`check_consistency`)."""
    try:
        check_consistency(size1, size2, root1, root2, proof)
    except ProofError:
        return False
    return True
