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
    "decide": ("audit.cli.decide", "Decide one case and print the decision as JSON."),
    "record": ("audit.cli.ledger", "Decide each case of a JSON-lines file and append the decisions."),
    "verify": ("audit.cli.ledger", "Check that the ledger is intact: exit 0 when it is, else 1."),
    "show": ("audit.cli.ledger", "Print stored records as JSON."),
    "head": ("audit.cli.ledger", "Print the chain head as JSON, to keep elsewhere."),
    "synth": ("audit.cli.synth", "Generate a synthetic population of Groningen cases."),
    "replay": ("audit.cli.analysis",
               "Re-evaluate recorded decisions under their recorded framework and compare, byte for byte."),
    "compare": ("audit.cli.analysis",
                "Decide every case's latest facts under two frameworks: who gains, who loses, and why."),
    "boundary": ("audit.cli.analysis",
                 "Find cases at a boundary of the framework, each with what would flip its outcome."),
    "frameworks": ("audit.cli.frameworks", "List the frameworks and variants, with rules and fingerprints."),
    "whatif": ("audit.cli.whatif", "Evaluate a draft framework: who gains, who loses, what it costs."),
    "keygen": ("audit.cli.transparency", "Create an Ed25519 key pair for signing checkpoints."),
    "checkpoint": ("audit.cli.transparency", "Verify the ledger, then sign, store and export a checkpoint."),
    "proof": ("audit.cli.transparency", "Make and check inclusion and consistency proofs."),
    "objection": ("audit.cli.objections", "File, decide, list and report objections to decisions."),
    "referral": ("audit.cli.objections", "Refer not-eligible decisions to a hardship route."),
    "publish": ("audit.cli.publication", "Build the release: statistics, report and receipt."),
    "release": ("audit.cli.publication", "Check a release folder made by 'dh-audit publish'."),
    "serve": ("audit.cli.publication", "Serve the statistics database with Datasette."),
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
        """The command list of `--help`, from the summaries, without importing any command.

        A summary is shown whole (wrapped when long), never cut off mid-sentence.
        """
        names = self.list_commands(ctx)
        rows = [(name, LAZY_COMMANDS[name][1]) for name in names]
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
