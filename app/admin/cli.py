"""`flask --app wsgi import-calendar FILE | dev-clock …`: the administration an operator does from
the command line (the calendar import replans open deadlines and is audited, as on the admin page)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.admin import devclock
from app.admin.service import import_calendar
from app.core.cli import fail
from app.core.clock import LOCAL_TZ
from app.core.errors import DomainError

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("admin", help="Administration: the working-day calendar and the development clock.")


@cli.command("import-calendar")
@click.argument("path", type=click.Path(dir_okay=False))
def import_calendar_command(path: str):
    """Import a holiday schedule file: lines `YYYY-MM-DD,holiday|workday,名称`."""
    if not Path(path).is_file():
        fail(f"文件不存在：{path}")
    try:
        years = import_calendar(Path(path).name, Path(path).read_bytes())
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"已导入 {', '.join(map(str, years))} 年的节假日安排")


@cli.group("dev-clock")
def dev_clock_group():
    """The development clock: product time for the whole installation (never in production)."""


def _show(change) -> None:
    """Run a change of the development clock and print the product time it leaves (or why not)."""
    try:
        shown = change()
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"系统当前时间：{shown.now.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M:%S}（上海），"
               f"与真实时间相差 {shown.offset.total_seconds() / 86400:.2f} 天")


@dev_clock_group.command("show")
def show_command():
    _show(lambda: devclock.status() if devclock.enabled() else devclock.require_enabled())


@dev_clock_group.command("set")
@click.argument("when")
def set_command(when: str):
    """WHEN: ISO date or date-time, Shanghai time unless it names an offset."""
    _show(lambda: devclock.set_time(None, when))


@dev_clock_group.command("advance")
@click.argument("days")
def advance_command(days: str):
    _show(lambda: devclock.advance(None, days))


@dev_clock_group.command("reset")
def reset_command():
    _show(lambda: devclock.reset(None))
