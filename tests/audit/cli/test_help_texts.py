"""Every command and option explains itself, and no summary is cut off mid-sentence (like sqlite-utils' test_docs)."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from audit.cli import LAZY_COMMANDS, main


def _commands(group: click.Group = main, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = dict(_commands())
IDS = [" ".join(path) for path in COMMANDS]


def _summary(command: click.Command) -> str:
    return " ".join((command.help or "").split("\n\n")[0].split())


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_every_command_has_a_summary_that_is_one_short_complete_sentence(path):
    summary = _summary(COMMANDS[path])
    assert summary.endswith(".") and not summary.endswith("..."), summary
    assert summary.count(". ") == 0 and len(summary) <= 100, summary


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_every_option_has_help_text(path):
    missing = [p.name for p in COMMANDS[path].params
               if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()]
    assert missing == []


def _listed(args: list[str]) -> dict[str, str]:
    """The Commands section of `dh-audit ARGS --help` at 80 columns: name -> the text shown, joined."""
    result = CliRunner().invoke(main, [*args, "--help"], terminal_width=80)
    assert result.exit_code == 0
    section = result.output.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    listed: dict[str, str] = {}
    name = None
    for line in section.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            name, _, text = line.strip().partition(" ")
            listed[name] = text.strip()
        elif name is not None:
            listed[name] += " " + line.strip()
    return listed


@pytest.mark.parametrize("group", [[]] + [list(p) for p, c in COMMANDS.items() if isinstance(c, click.Group)],
                         ids=lambda g: " ".join(["dh-audit", *g]))
def test_help_lists_every_summary_whole(group):
    listed = _listed(group)
    expected = {path[-1]: _summary(command) for path, command in COMMANDS.items()
                if list(path[:-1]) == group}
    assert listed == expected


def test_root_summaries_fit_on_one_line_of_dh_audit_help():
    """64 characters fit beside the longest command name at 80 columns; the analysis commands still wrap."""
    long = {name: summary for name, (_, summary) in LAZY_COMMANDS.items() if len(summary) > 64}
    assert set(long) <= {"replay", "compare", "boundary"}, long


def test_checkpoint_help_points_to_the_transparency_docs_and_keygen_examples_are_commands():
    checkpoint = CliRunner().invoke(main, ["checkpoint", "--help"]).output
    assert "docs/transparency.md" in checkpoint and "README" not in checkpoint
    keygen = CliRunner().invoke(main, ["keygen", "--help"]).output
    example = keygen.split("Example:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.strip() for line in example.splitlines()] == ["dh-audit keygen --out ~/.dh-audit/signing.key"]


def test_the_completion_variable_in_the_readme_works():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert 'eval "$(_DH_AUDIT_COMPLETE=bash_source dh-audit)"' in readme
    env = {**os.environ, "_DH_AUDIT_COMPLETE": "bash_complete", "COMP_WORDS": "dh-audit fra", "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-c", "from audit.cli import main; main(prog_name='dh-audit')"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["plain,frameworks"]
