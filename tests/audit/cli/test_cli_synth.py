"""`dh-audit synth` writes the generator's bytes, and they record cleanly."""

from click.testing import CliRunner

from audit import synth
from audit.cli import main
from audit.ledger import Ledger


def test_synth_writes_the_same_bytes_as_the_generator(tmp_path):
    out = tmp_path / "cases.jsonl"
    result = CliRunner().invoke(main, ["synth", "--n", "50", "--seed", "9", "--out", str(out)])
    assert result.exit_code == 0
    expected = tmp_path / "expected.jsonl"
    synth.write_jsonl(expected, 50, 9)
    assert out.read_bytes() == expected.read_bytes()
    recorded = CliRunner().invoke(main, ["record", "--db", str(tmp_path / "l.db"), str(out)])
    assert recorded.exit_code == 0
    with Ledger(tmp_path / "l.db") as ledger:
        assert len(ledger) == 50 and ledger.verify().ok


def test_synth_refuses_a_negative_size(tmp_path):
    result = CliRunner().invoke(main, ["synth", "--n", "-1", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--n" in result.output
