"""What every command line of the app shares."""
from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print `message` in red on standard error and end the command with exit status 1."""
    click.echo(click.style(message, fg="red"), err=True)
    sys.exit(1)
