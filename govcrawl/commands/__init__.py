"""One module per `govcrawl` subcommand; each is a thin wrapper over one library call (cli.py dispatches)."""


LOG_LEVELS = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


class UsageError(Exception):
    """A wrong path or argument: message on stderr, exit code 2, nothing created."""


def must_exist(path: str, what: str) -> None:
    """Reading commands never create what they read: a typo must not leave an empty DB behind."""
    from pathlib import Path

    if not Path(path).exists():
        raise UsageError(f"{what} {path} does not exist (only `crawl` and `import` create one)")
