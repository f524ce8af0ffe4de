"""Options shared by the commands that write files."""

from __future__ import annotations

import click


def force_option(what: str):
    """`--force`: replace an existing output of the same kind; nothing else is ever replaced."""
    return click.option(
        "--force", is_flag=True,
        help=f"Replace an existing {what} at the output path. Without it an existing file is refused (exit 2). "
             "A ledger, a key, another database, an input, a symlink or a file of another kind is never replaced.",
    )
