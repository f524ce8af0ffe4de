"""The transparency log over a ledger: the Merkle tree, its stored nodes, signed checkpoints and proofs.

Its functions take an open connection (or anything with ``conn`` and ``ledger_id``), never the ledger class.
"""
