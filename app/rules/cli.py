"""`flask --app wsgi test-decisions` (decision tests of every table, non-zero exit on a failure) and
`flask --app wsgi deploy-rules` (deploy changed workflows/rules/*.dmn; deploy-all does it too)."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from app.core.errors import DomainError
from app.rules import service


def register_rules_cli(app: Flask) -> None:
    app.cli.add_command(test_decisions_cmd)
    app.cli.add_command(deploy_rules_cmd)


@click.command("test-decisions")
@click.argument("keys", nargs=-1)
@with_appcontext
def test_decisions_cmd(keys: tuple[str, ...]):
    """Run the decision tests (workflows/rules/tests/<key>.json) against the versions in force today."""
    failed = 0
    for key in keys or service.keys():
        try:
            results = service.run_decision_tests(key)
        except DomainError as exc:
            click.echo(click.style(f"{key}: {exc.message}", fg="red"))
            failed += 1
            continue
        if not results:
            click.echo(click.style(f"{key}: 没有决策测试", fg="yellow"))
        for result in results:
            if result.passed:
                click.echo(f"{key}: {result.name} … 通过（第 {'、'.join(map(str, result.rows)) or '-'} 行）")
            else:
                failed += 1
                click.echo(click.style(f"{key}: {result.name} … 失败：{result.message}；输入 {result.inputs}，"
                                       f"期望 {result.expected}，实际 {result.actual}", fg="red"))
    if failed:
        click.echo(click.style(f"{failed} 项决策测试失败", fg="red"), err=True)
        sys.exit(1)


@click.command("deploy-rules")
@with_appcontext
def deploy_rules_cmd():
    """Deploy every changed decision table in workflows/rules/ (published with the file's cx:effectiveFrom)."""
    try:
        for key, number, created in service.deploy_rules_dir():
            click.echo(f"{key}: 第 {number} 版" + ("（新部署）" if created else "（未变化）"))
    except DomainError as exc:
        click.echo(click.style(exc.message, fg="red"), err=True)
        sys.exit(1)
