"""The `dh-audit` command line: one entry point, one module per group of subcommands.

A command's module is imported only when that command runs or shows its help
(`LazyGroup`), so `dh-audit --help` and `dh-audit decide` load neither the ledger,
NumPy, SciPy nor Datasette.
"""

from __future__ import annotations

import importlib
import os
import sys

import click


# command name -> (module, one-line summary for `dh-audit --help`); each module defines the command under its name.
# tests/audit/cli/test_lazy_commands.py checks that every summary is the loaded command's own.
LAZY_COMMANDS = {
    "decide": ("audit.cli.decide", "Decide one case (JSON, see docs/input.md) and print the decision JSON."),
    "record": ("audit.cli.ledger", "Evaluate each case (one JSON object per line) and append its decision."),
    "verify": ("audit.cli.ledger", "Recompute every hash; exit 0 when intact, else 1 naming the first bad seq."),
    "show": ("audit.cli.ledger", "Print stored records as JSON (canonical inputs and decision, chain fields)."),
    "head": ("audit.cli.ledger", "Print the chain head (seq, hash, time) as JSON, to keep elsewhere."),
    "synth": ("audit.cli.synth", "Generate a realistic synthetic population of Groningen cases (docs/synthetic-population.md)."),
    "replay": ("audit.cli.analysis",
               "Re-evaluate recorded decisions under their recorded framework and compare, byte for byte."),
    "compare": ("audit.cli.analysis",
                "Decide every case's latest facts under two frameworks: who gains, who loses, and why."),
    "boundary": ("audit.cli.analysis",
                 "Find cases at a boundary of the framework, each with what would flip its outcome."),
    "keygen": ("audit.cli.transparency",
               "Create an Ed25519 key pair for signing checkpoints: KEY (mode 0600) and KEY.pub."),
    "checkpoint": ("audit.cli.transparency", "Verify the ledger, then sign its tree size, Merkle root and events "
                   "head; store and export the checkpoint."),
    "proof": ("audit.cli.transparency",
              "Make inclusion and consistency proofs from a ledger, and check them without one."),
    "objection": ("audit.cli.objections",
                  "Objections (bezwaar) against recorded decisions: file, decide, list, dossier."),
    "referral": ("audit.cli.objections",
                 "Hardship referrals (IVS, CBS, or another route of the framework) of not-eligible decisions."),
    "publish": ("audit.cli.publication",
                "Build the anonymised statistics database (protected aggregates only) from the ledger."),
    "serve": ("audit.cli.publication", "Serve the statistics with Datasette (immutable, Dutch metadata, dashboard)."),
    "demo": ("audit.cli.demo", "Run the main job end to end on a synthetic Groningen population."),
}


class LoadingCommands(dict):
    """The commands of `LazyGroup`: looking one up imports its module; iterating over them imports them all."""

    def _load(self, name: str) -> None:
        if not dict.__contains__(self, name):
            module = importlib.import_module(LAZY_COMMANDS[name][0])
            dict.__setitem__(self, name, getattr(module, name))

    def _load_all(self) -> None:
        for name in LAZY_COMMANDS:
            self._load(name)

    def __missing__(self, name: str) -> click.Command:
        if name not in LAZY_COMMANDS:
            raise KeyError(name)
        self._load(name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default=None):
        return self[name] if name in self else default

    def __contains__(self, name: object) -> bool:
        return name in LAZY_COMMANDS or dict.__contains__(self, name)

    def __iter__(self):
        self._load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load_all()
        return dict.__len__(self)

    def keys(self):
        self._load_all()
        return dict.keys(self)

    def values(self):
        self._load_all()
        return dict.values(self)

    def items(self):
        self._load_all()
        return dict.items(self)


class LazyGroup(click.Group):
    """A group whose commands are imported from `LAZY_COMMANDS` when they are looked up, not at start-up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = LoadingCommands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*dict.keys(self.commands), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from the summaries, without importing any command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _is_bad_input(exc: Exception) -> bool:
    # Imported here, when an error happens: audit.errors brings in the decision engine (`InvalidCase`),
    # which `dh-audit --help` does not need.
    from audit.errors import BAD_INPUT

    return isinstance(exc, BAD_INPUT)


class AuditGroup(LazyGroup):
    """Turns errors into one line on stderr: exit 2 for bad input, 1 for anything else."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)
        except Exception as exc:
            if _is_bad_input(exc):
                click.echo(f"error: {exc}", err=True)
                ctx.exit(2)
            if os.environ.get("DH_AUDIT_DEBUG"):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            click.echo(f"error: {type(exc).__name__}: {message}", err=True)
            ctx.exit(1)


@click.group(cls=AuditGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dh-audit")
def main():
    """Replayable, tamper-evident audit of Duurzaam herstel eligibility decisions.

    \b
    Start with:
      dh-audit demo                      the whole job on a synthetic population
      dh-audit decide examples/case-kerngebied.json --explain
    """
