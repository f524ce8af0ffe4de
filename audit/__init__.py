"""dh-audit: replayable, tamper-evident audit of Duurzaam herstel eligibility decisions.

The public Python API (see docs/api.md)::

    from audit import Ledger, verify, replay, compare, publish

- `Ledger`: the append-only decision ledger in one SQLite file (`audit.ledger`).
- `verify(path)`: check every hash, the Merkle tree, checkpoints, events and schema.
- `replay(path, seq=None, case_id=None)`: decide recorded cases again and compare.
- `compare(path, from_=..., to=...)`: who gains and who loses between two frameworks.
- `publish(ledger_path, out_path)`: the protected public statistics database.

The names are loaded on first use, so ``import audit`` stays cheap (the CLI
starts from it, and publishing's scipy is never imported by it).
"""

from __future__ import annotations

__all__ = ["Ledger", "verify", "replay", "compare", "publish"]


def __getattr__(name: str):
    if name in __all__:
        from audit import api

        return getattr(api, name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
