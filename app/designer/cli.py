"""`flask --app wsgi deploy | deploy-all | test-processes`: deploying process files and running
their process tests from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.cli import fail
from app.core.errors import DomainError
from app.designer.deployment import deploy_path, deploy_workflows_dir
from app.designer.process_tests import echo_report, file_key, run_all, run_file, tests_dir

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("designer", help="Deploying processes and running their process tests.")


@cli.command("deploy")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--comment", default="", help="版本说明")
def deploy_command(path: str, comment: str):
    """Validate and deploy one BPMN file (non-zero exit and the problems on any error)."""
    if not Path(path).is_file():
        fail(f"文件不存在：{path}")
    try:
        version, created = deploy_path(path, comment=comment)
    except DomainError as exc:
        fail(exc.message)
    if created:
        click.echo(f"已部署 {version.definition.key} 第 {version.version} 版（{version.content_hash[:12]}）")
    else:
        click.echo(f"内容未变化：{version.definition.key} 仍为第 {version.version} 版")


@cli.command("deploy-all")
def deploy_all_command():
    """Deploy every changed file in workflows/."""
    try:
        for key, number, created in deploy_workflows_dir():
            click.echo(f"{key}: 第 {number} 版" + ("（新部署）" if created else "（未变化）"))
    except DomainError as exc:
        fail(exc.message)


@cli.command("test-processes")
@click.argument("key", required=False)
@click.option("--file", "file_path", type=click.Path(dir_okay=False), default=None, help="只运行这个测试文件")
def test_processes_command(key: str | None, file_path: str | None):
    """Run the process tests (workflows/tests/*.json) against the deployed processes; nothing is saved."""
    if file_path:
        if not Path(file_path).is_file():
            fail(f"文件不存在：{file_path}")
        results = {file_key(Path(file_path)): run_file(file_path)}
    else:
        results = run_all(key=key)
        if key and not results:
            fail(f"流程 {key} 没有流程测试（{tests_dir() / (key + '.json')}）")
    if echo_report(results):
        sys.exit(1)

