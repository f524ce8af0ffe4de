"""`dh-audit keygen | checkpoint | proof inclusion | proof consistency | proof verify`.

Signed tree heads and RFC 6962 proofs, so an outsider can check that a decision
was in the ledger at a signed moment, and that history was not rewritten
between two signed moments. `proof verify` needs no ledger.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from audit.counting import counted
from audit.ledger.checkpointing import LedgerUnverified, create_checkpoint
from audit.log.checkpoints import Checkpoint
from audit.cli.types import SQL_INTEGER
from audit.errors import BadInput
from audit.log.merkle import ProofError
from audit.outputs import CHECKPOINT, PROOF, Output, inputs, output
from audit.log.signing import generate_keypair, load_private_key, load_public_key
from audit.log.proofs import (
    ConsistencyProof,
    check_consistency_proof,
    check_inclusion_proof,
    order_checkpoints,
    proof_from_json,
    prove_consistency,
    prove_inclusion,
)
from audit.cli.ledger import db_option, open_ledger
from audit.cli.options import force_option


def _read(path: str, field: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise BadInput(field, f"cannot read {path} ({reason})") from None


def _load_checkpoint(path: str, field: str) -> Checkpoint:
    return Checkpoint.from_json(_read(path, field), field)


def _emit(text: str, out: Output | None, what: str) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text)
    click.echo(f"wrote {what} to {out.path}", err=True)


def _fail(reason: str) -> None:
    click.echo(f"FAILED: {reason}", err=True)
    sys.exit(1)


@click.command(
    epilog="""\b
Example:
  dh-audit keygen --out ~/.dh-audit/signing.key

Publish KEY.pub (here ~/.dh-audit/signing.key.pub) so that others can check
the checkpoints; keep the private key off the ledger's machine if you can."""
)
@click.option("--out", required=True, metavar="KEY", help="Private key file to create (KEY.pub is the public key).")
def keygen(out):
    """Create an Ed25519 key pair for signing checkpoints.

    The private key is KEY (mode 0600), the public key KEY.pub.
    """
    private_path, public_path, key_id = generate_keypair(out)
    click.echo(f"key id {key_id}")
    click.echo(f"wrote private key {private_path} (mode 0600) and public key {public_path}", err=True)


@click.command(
    epilog="""\b
Example:
  dh-audit checkpoint --db ledger.db --key signing.key --out checkpoint-2026-11.json

The signed message is six lines: 'dh-audit/ledger/<ledger id>', the tree size,
the base64 root hash, 'time <UTC>', 'key <key id>' and 'events <count> <hash>'.
docs/transparency.md describes it byte for byte, and how to check it."""
)
@db_option()
@click.option("--key", "key_path", required=True, metavar="KEY", help="Private key made by 'dh-audit keygen'.")
@click.option("--out", metavar="CHECKPOINT.json", help="Write the checkpoint here instead of stdout.")
@force_option("checkpoint")
def checkpoint(db_path, key_path, out, force):
    """Verify the ledger, then sign, store and export a checkpoint.

    The checkpoint signs the tree size, the Merkle root and the head of the events.
    Exit 1, signing nothing, when the ledger does not verify (incrementally from the
    last checkpoint made this way, or in full).
    """
    out = output(out, "--out", CHECKPOINT, force=force, inputs=inputs(db=db_path, key=key_path)) if out else None
    key = load_private_key(key_path)
    ledger = open_ledger(db_path)
    try:
        signed = create_checkpoint(ledger, key)
    except LedgerUnverified as exc:
        _fail(str(exc))
    ledger.close()
    _emit(signed.to_json(), out, f"checkpoint of {counted(signed.tree_size, 'record')} (root {signed.root_hash[:16]}…)")


@click.group()
def proof():
    """Make and check inclusion and consistency proofs.

    Making a proof needs the ledger; checking one does not.
    """


@proof.command("inclusion")
@db_option()
@click.option("--seq", type=SQL_INTEGER, required=True, help="The record to prove.")
@click.option("--head", "head_path", metavar="CHECKPOINT.json",
              help="Prove against this checkpoint's tree size (default: the current size).")
@click.option("--out", metavar="PROOF.json", help="Write the proof here instead of stdout.")
@force_option("proof")
def inclusion(db_path, seq, head_path, out, force):
    """Print the RFC 6962 inclusion proof of record SEQ.

    The proof is the audit path, with the record's canonical bytes.

    With --head, exit 1 when the ledger's root at that size is not the signed one.
    """
    out = output(out, "--out", PROOF, force=force, inputs=inputs(db=db_path, head=head_path)) if out else None
    head = _load_checkpoint(head_path, "head") if head_path else None
    ledger = open_ledger(db_path)
    try:
        made = prove_inclusion(ledger, seq, head)
    except ProofError as exc:
        _fail(str(exc))
    ledger.close()
    _emit(made.to_json(), out, f"inclusion proof of record {seq} in a tree of {counted(made.tree_size, 'record')}")
    if head is not None:
        try:
            check_inclusion_proof(made, head)
        except ProofError as exc:
            _fail(str(exc))


@proof.command("consistency")
@db_option()
@click.option("--from", "from_path", required=True, metavar="CHECKPOINT_A.json", help="The older checkpoint.")
@click.option("--to", "to_path", required=True, metavar="CHECKPOINT_B.json", help="The newer checkpoint.")
@click.option("--out", metavar="PROOF.json", help="Write the proof here instead of stdout.")
@force_option("proof")
def consistency(db_path, from_path, to_path, out, force):
    """Print the RFC 6962 consistency proof between two checkpoints.

    Exit 1 when the ledger is not consistent with both signed roots (history was rewritten);
    the proof is still written, so the failure can be shown to others.
    """
    given = inputs(db=db_path, **{"from": from_path, "to": to_path})
    out = output(out, "--out", PROOF, force=force, inputs=given) if out else None
    older, newer = _load_checkpoint(from_path, "from"), _load_checkpoint(to_path, "to")
    if older.tree_size > newer.tree_size:
        raise BadInput("from", f"the --from checkpoint ({counted(older.tree_size, 'record')}) is newer than --to "
                               f"({counted(newer.tree_size, 'record')})")
    ledger = open_ledger(db_path)
    try:
        made = prove_consistency(ledger, older, newer)
    except ProofError as exc:
        _fail(str(exc))
    ledger.close()
    _emit(made.to_json(), out, f"consistency proof from {made.size1} to {counted(made.size2, 'record')}")
    try:
        check_consistency_proof(made, older, newer)
    except ProofError as exc:
        _fail(str(exc))


@proof.command("verify")
@click.option("--proof", "proof_path", required=True, metavar="PROOF.json", help="A proof from 'dh-audit proof'.")
@click.option("--checkpoint", "checkpoint_paths", required=True, multiple=True, metavar="CHECKPOINT.json",
              help="The signed checkpoint (twice for a consistency proof: the older and the newer).")
@click.option("--pubkey", "pubkey_path", required=True, metavar="KEY.pub", help="The published public key.")
def verify_proof(proof_path, checkpoint_paths, pubkey_path):
    """Check a proof and its checkpoints, without the ledger.

    The signatures of the checkpoints are checked too.

    Exit 0 when valid, 1 when the proof or a signature fails, 2 for unreadable input.
    """
    made = proof_from_json(_read(proof_path, "proof"))
    checkpoints = [_load_checkpoint(path, "checkpoint") for path in checkpoint_paths]
    public = load_public_key(pubkey_path)
    try:
        if isinstance(made, ConsistencyProof):
            older, newer = order_checkpoints(checkpoints)
            check_consistency_proof(made, older, newer, public)
            click.echo(f"ok: the signed tree of {counted(newer.tree_size, 'record')} ({newer.timestamp}) extends the signed "
                       f"tree of {counted(older.tree_size, 'record')} ({older.timestamp}); key {newer.key_id[:16]}…")
            return
        if len(checkpoints) != 1:
            raise BadInput("checkpoint", f"an inclusion proof is checked against one checkpoint "
                                         f"(got {len(checkpoints)})")
        (head,) = checkpoints
        check_inclusion_proof(made, head, public)
        click.echo(f"ok: record {made.seq} is in the signed tree of {counted(head.tree_size, 'record')} "
                   f"(root {head.root_hash[:16]}…, {head.timestamp}, key {head.key_id[:16]}…)")
    except ProofError as exc:
        _fail(str(exc))


COMMANDS = (keygen, checkpoint, proof)
