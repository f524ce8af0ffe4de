"""`dh-audit keygen | checkpoint | proof` as an operator and an outside auditor run them."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from tests.support.attacker import connect, rewrite_history
from audit.cli import main
from audit.log.signing import load_private_key

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases.jsonl"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def last_line(result) -> str:
    lines = result.output.strip().splitlines()
    return lines[-1] if lines else ""


def setup_ledger(tmp_path):
    db, key = tmp_path / "ledger.db", tmp_path / "signing.key"
    assert run("record", "--db", db, EXAMPLES).exit_code == 0
    made = run("keygen", "--out", key)
    assert made.exit_code == 0 and made.output.startswith("key id ")
    return db, key


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path):
    key = tmp_path / "signing.key"
    result = run("keygen", "--out", key)
    assert result.exit_code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / "signing.key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = run("keygen", "--out", key)
    assert again.exit_code == 2 and last_line(again).startswith("error: --out: ") and "never overwritten" in again.output


def test_keygen_checkpoint_inclusion_proof_and_verify(tmp_path):
    db, key = setup_ledger(tmp_path)
    signed = run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "cp.json")
    assert signed.exit_code == 0
    checkpoint = json.loads((tmp_path / "cp.json").read_text())
    assert checkpoint["tree_size"] == 5 and checkpoint["format"] == "dh-audit-checkpoint/2"
    private = load_private_key(key).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("ledger.db*"))
    assert private not in stored and base64.b64encode(private) not in stored  # the private key stays out

    made = run("proof", "inclusion", "--db", db, "--seq", 3, "--head", tmp_path / "cp.json",
               "--out", tmp_path / "proof.json")
    assert made.exit_code == 0
    proof = json.loads((tmp_path / "proof.json").read_text())
    assert (proof["seq"], proof["leaf_index"], proof["tree_size"]) == (3, 2, 5)
    assert json.loads(proof["leaf"])["case_id"] == "VOORBEELD-003"
    assert all(len(h) == 64 for h in proof["audit_path"]) and len(proof["audit_path"]) == 3

    checked = run("proof", "verify", "--proof", tmp_path / "proof.json", "--checkpoint", tmp_path / "cp.json",
                  "--pubkey", f"{key}.pub")
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("ok: record 3 is in the signed tree of 5 records")

    ledger_check = run("verify", "--db", db)
    assert ledger_check.exit_code == 0
    assert f"1 signed checkpoint matches, signed by key {checkpoint['key_id'][:16]}…" in ledger_check.output


def test_a_flipped_byte_fails_and_unreadable_input_is_exit_2(tmp_path):
    db, key = setup_ledger(tmp_path)
    run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "cp.json")
    printed = run("proof", "inclusion", "--db", db, "--seq", 2)  # to stdout, against the current size
    assert printed.exit_code == 0
    text = printed.output
    proof = json.loads(text)
    first = proof["audit_path"][0]
    flipped_hash = first[:10] + ("0" if first[10] != "0" else "1") + first[11:]
    verify = ("proof", "verify", "--checkpoint", tmp_path / "cp.json", "--pubkey", f"{key}.pub", "--proof")

    for name, damaged in [("path.json", text.replace(first, flipped_hash)),
                          ("leaf.json", text.replace('\\"actor\\":\\"dh-audit\\"', '\\"actor\\":\\"dh-audiu\\"'))]:
        assert damaged != text
        (tmp_path / name).write_text(damaged)
        result = run(*verify, tmp_path / name)
        assert result.exit_code == 1, result.output
        assert last_line(result).startswith("FAILED: ") and len(result.output.strip().splitlines()) == 1

    missing = run(*verify, tmp_path / "nope.json")
    assert missing.exit_code == 2
    assert missing.output.strip() == f"error: proof: cannot read {tmp_path / 'nope.json'} (No such file or directory)"
    (tmp_path / "junk.json").write_text(text[:-20])
    assert run(*verify, tmp_path / "junk.json").exit_code == 2
    (tmp_path / "p.json").write_text(text)
    no_key = run("proof", "verify", "--proof", tmp_path / "p.json", "--checkpoint", tmp_path / "cp.json",
                 "--pubkey", tmp_path / "none.pub")
    assert no_key.exit_code == 2 and "error: pubkey: cannot read" in no_key.output
    assert run("proof", "inclusion", "--db", db, "--seq", 9).exit_code == 2
    assert run("proof", "inclusion", "--db", tmp_path / "absent.db", "--seq", 1).exit_code == 2


def test_a_checkpoint_signed_with_another_key_fails_with_the_published_key(tmp_path):
    db, key = setup_ledger(tmp_path)
    assert run("keygen", "--out", tmp_path / "rogue.key").exit_code == 0
    run("checkpoint", "--db", db, "--key", tmp_path / "rogue.key", "--out", tmp_path / "cp.json")
    run("proof", "inclusion", "--db", db, "--seq", 1, "--out", tmp_path / "proof.json")
    result = run("proof", "verify", "--proof", tmp_path / "proof.json", "--checkpoint", tmp_path / "cp.json",
                 "--pubkey", f"{key}.pub")
    assert result.exit_code == 1
    assert "not by the given public key" in result.output


def test_consistency_proof_between_two_checkpoints(tmp_path):
    db, key = setup_ledger(tmp_path)
    run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "a.json")
    run("record", "--db", db, EXAMPLES)
    run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "b.json")
    made = run("proof", "consistency", "--db", db, "--from", tmp_path / "a.json", "--to", tmp_path / "b.json",
               "--out", tmp_path / "c.json")
    assert made.exit_code == 0
    proof = json.loads((tmp_path / "c.json").read_text())
    assert (proof["type"], proof["size1"], proof["size2"]) == ("consistency", 5, 10)
    checked = run("proof", "verify", "--proof", tmp_path / "c.json", "--checkpoint", tmp_path / "b.json",
                  "--checkpoint", tmp_path / "a.json", "--pubkey", f"{key}.pub")
    assert checked.exit_code == 0 and "extends the signed tree of 5 records" in checked.output
    one = run("proof", "verify", "--proof", tmp_path / "c.json", "--checkpoint", tmp_path / "a.json",
              "--pubkey", f"{key}.pub")
    assert one.exit_code == 2 and "two checkpoints" in one.output
    backwards = run("proof", "consistency", "--db", db, "--from", tmp_path / "b.json", "--to", tmp_path / "a.json")
    assert backwards.exit_code == 2 and last_line(backwards).startswith("error: from:")


def test_rewritten_history_passes_verify_but_fails_the_consistency_proof(tmp_path):
    db, key = setup_ledger(tmp_path)
    run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "before.json")  # published in a report
    run("record", "--db", db, EXAMPLES)
    rewrite_history(db, 2)  # one old record changed; chain, tree and stored checkpoints covered up
    assert run("verify", "--db", db).exit_code == 0  # the hash chain alone cannot tell

    run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "after.json")
    made = run("proof", "consistency", "--db", db, "--from", tmp_path / "before.json", "--to",
               tmp_path / "after.json", "--out", tmp_path / "c.json")
    assert made.exit_code == 1 and last_line(made).startswith("FAILED: ")
    checked = run("proof", "verify", "--proof", tmp_path / "c.json", "--checkpoint", tmp_path / "before.json",
                  "--checkpoint", tmp_path / "after.json", "--pubkey", f"{key}.pub")
    assert checked.exit_code == 1
    assert checked.output.strip() == "FAILED: consistency proof does not lead to root1"
    stale = run("proof", "inclusion", "--db", db, "--seq", 2, "--head", tmp_path / "before.json")
    assert stale.exit_code == 1 and "not the signed root" in last_line(stale)


def test_a_ledger_shorter_than_a_checkpoint_cannot_prove_anything(tmp_path):
    db, key = setup_ledger(tmp_path)
    run("record", "--db", db, EXAMPLES)
    run("checkpoint", "--db", db, "--key", key, "--out", tmp_path / "cp.json")
    conn = connect(db)
    conn.execute("DELETE FROM records WHERE seq > 7")
    conn.execute("DELETE FROM checkpoints")
    conn.close()
    result = run("proof", "inclusion", "--db", db, "--seq", 1, "--head", tmp_path / "cp.json")
    assert result.exit_code == 1
    assert result.output.strip().startswith("FAILED: the ledger has 7 records, but a checkpoint signed 10")


def test_forged_checkpoint_signature_fails_verify(tmp_path):
    db, key = setup_ledger(tmp_path)
    run("checkpoint", "--db", db, "--key", key)
    conn = connect(db)
    conn.execute("UPDATE checkpoints SET timestamp = '2020-01-01T00:00:00Z'")  # backdated, signature kept
    conn.close()
    result = run("verify", "--db", db)
    assert result.exit_code == 1
    assert result.output.startswith("FAILED: stored checkpoint 1 (size 5, 2020-01-01T00:00:00Z)")
    assert "signature" in result.output


def test_keygen_and_checkpoint_through_the_real_entry_point(tmp_path):
    db, key = tmp_path / "ledger.db", tmp_path / "k"
    command = [sys.executable, "-m", "audit"]
    assert subprocess.run([*command, "record", "--db", str(db), str(EXAMPLES)], capture_output=True).returncode == 0
    assert subprocess.run([*command, "keygen", "--out", str(key)], capture_output=True).returncode == 0
    done = subprocess.run([*command, "checkpoint", "--db", str(db), "--key", str(key)], capture_output=True,
                          text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["tree_size"] == 5
    bad_key = subprocess.run([*command, "checkpoint", "--db", str(db), "--key", str(db)], capture_output=True,
                             text=True)
    assert bad_key.returncode == 2 and bad_key.stderr.startswith("error: key: ")
    assert len(bad_key.stderr.strip().splitlines()) == 1
