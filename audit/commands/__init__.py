"""One module per group of subcommands; each exposes `COMMANDS`."""
