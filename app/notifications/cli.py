"""`flask --app wsgi send-mail`: send what waits in the e-mail outbox."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.notifications.mail import deliver_outbox

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("notifications", help="Notifications and e-mail.")


@cli.command("send-mail")
def send_mail_command():
    """Send what is waiting in the e-mail outbox (tick does this too)."""
    click.echo(deliver_outbox())
