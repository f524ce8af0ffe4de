"""`dh-audit synth`: write a seeded synthetic population as JSON lines."""

from __future__ import annotations

import sys

import click

from audit import synth as population
from audit.outputs import SYNTHETIC_CASES, output
from audit.cli.options import force_option


@click.command(
    epilog="""\b
Examples:
  dh-audit synth --n 20000 --seed 2026 --out cases.jsonl
  dh-audit synth --n 1000 --out - | dh-audit record --db ledger.db -

Every case is SYNTHETIC: invented addresses, amounts and dossiers (case ids start with SYN-)."""
)
@click.option("--n", "count", type=click.IntRange(min=0, max=10**8), default=20_000, show_default=True,
              help="Number of addresses.")
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same bytes.")
@click.option("--out", "out", required=True, metavar="FILE|-", help="Where to write the JSON lines.")
@force_option("synthetic population")
def synth(count, seed, out, force):
    """Generate a synthetic population of Groningen cases.

    Realistic, and reproducible from --seed (docs/synthetic-population.md).
    """
    if out == "-":
        written = population.write_jsonl(sys.stdout.buffer, count, seed)
    else:
        target = output(out, "--out", SYNTHETIC_CASES, force=force)
        counted = []
        target.write_with(lambda temp: counted.append(population.write_jsonl(temp, count, seed)))
        written = counted[0]
    click.echo(f"wrote {written} synthetic cases (seed {seed})" + ("" if out == "-" else f" to {out}"), err=True)


COMMANDS = (synth,)
