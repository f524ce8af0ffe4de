"""`dh-audit --help` and `dh-audit decide` load no command they do not run, and no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from audit.cli import LAZY_COMMANDS, main

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("numpy", "scipy", "datasette", "cryptography", "audit.ledger.store", "audit.analysis", "audit.publication")

RUN_AND_LIST_MODULES = """
import json, sys
from audit.cli import main
try:
    main(sys.argv[1:], prog_name="dh-audit")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, *args], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_loads_no_command_and_no_heavy_library():
    loaded = _loaded("--help")
    assert _heavy(loaded) == []
    assert not any(m.startswith("audit.cli.") for m in loaded)
    assert not any(m == "decisions" or m.startswith("decisions.") for m in loaded)


def test_decide_loads_only_its_own_command():
    loaded = _loaded("decide", str(ROOT / "examples" / "case-kerngebied.json"))
    assert "audit.cli.decide" in loaded
    assert _heavy(loaded) == []
    assert sorted(m for m in loaded if m.startswith("audit.cli.")) == ["audit.cli.decide"]
    assert "jinja2" not in loaded  # only --explain renders a document


def test_decide_explain_renders_with_jinja2():
    loaded = _loaded("decide", "--explain", str(ROOT / "examples" / "case-kerngebied.json"))
    assert "jinja2" in loaded


def test_a_command_that_needs_numpy_does_load_it():
    """The check above can fail: `compare --help` loads the analysis command and NumPy with it."""
    loaded = _loaded("compare", "--help")
    assert "audit.cli.analysis" in loaded and "numpy" in loaded


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_each_summary_is_the_commands_own(name):
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    summary = LAZY_COMMANDS[name][1]
    own = " ".join((command.help or "").split("\n\n")[0].split())
    assert summary == own
    assert click.Command(name, help=summary).get_short_help_str(60) == command.get_short_help_str(60)


def test_the_group_lists_every_command_it_has():
    assert sorted(main.commands) == sorted(LAZY_COMMANDS)
