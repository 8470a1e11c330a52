"""Wiring only: every `flask --app wsgi …` command is defined in the cli.py of the package that
owns it (deploy, deploy-all, test-processes: app/designer; import-calendar, dev-clock: app/admin;
audit: app/cases; documents: app/documents; send-mail: app/notifications; test-decisions, deploy-rules: app/rules; sharing: app/sharing; seed-demo,
generate-load: app/demo; tick: app/scheduler.py). Each defines an AppGroup whose commands are
added here at the top level of `flask`, as a blueprint's CLI with `cli_group=None` would be."""
from __future__ import annotations

from flask import Flask

from app.admin.cli import cli as admin_cli
from app.cases.cli import cli as cases_cli
from app.demo.cli import cli as demo_cli
from app.designer.cli import cli as designer_cli
from app.documents.cli import cli as documents_cli
from app.notifications.cli import cli as notifications_cli
from app.rules.cli import cli as rules_cli
from app.scheduler import cli as scheduler_cli
from app.sharing.cli import cli as sharing_cli

PACKAGE_COMMANDS = (admin_cli, cases_cli, designer_cli, documents_cli, notifications_cli, rules_cli, scheduler_cli,
                    sharing_cli, demo_cli)


def register_cli(app: Flask) -> None:
    """Add the commands of every package to `app.cli`."""
    for group in PACKAGE_COMMANDS:
        for command in group.commands.values():
            app.cli.add_command(command)
