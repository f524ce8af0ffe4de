"""The `dh-audit` command line: one entry point, one module per group of subcommands."""

from __future__ import annotations

import os
import sys

import click

from .errors import BAD_INPUT


class AuditGroup(click.Group):
    """Turns errors into one line on stderr: exit 2 for bad input, 1 for anything else."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BAD_INPUT as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)
        except Exception as exc:
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


def _register():
    from .commands import analysis, decide, demo, ledger, objections, publication, synth, transparency

    for module in (decide, ledger, synth, analysis, transparency, objections, publication, demo):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
