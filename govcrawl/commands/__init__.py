"""One module per `govcrawl` subcommand; each is a thin wrapper over one library call (cli.py dispatches)."""
