"""`flask --app wsgi seed-demo | generate-load N`: demo data for development and benchmark load."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.demo.loadgen import DEFAULT_TEMPLATES, generate_load
from app.demo.seed import seed_demo

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("demo", help="Demo data and benchmark load.")


@cli.command("seed-demo")
def seed_demo_command():
    """Load departments, calendar, processes, demo users and cases (idempotent)."""
    for line in seed_demo():
        click.echo(line)


@cli.command("generate-load")
@click.argument("n_cases", type=click.IntRange(min=1))
@click.option("--templates", type=click.IntRange(min=1), default=DEFAULT_TEMPLATES, show_default=True,
              help="通过业务服务真实办理的样板案件数（其余为批量克隆）")
def generate_load_command(n_cases: int, templates: int):
    """Add N benchmark cases of both processes at various stages (benchmark/dev databases only)."""
    with click.progressbar(length=n_cases, label="生成负载案件", show_pos=True, show_eta=True) as bar:
        stats = generate_load(n_cases, progress=bar.update, templates=templates)
    click.echo(f"新增案件 {stats['cases']} 件（样板 {stats['templates']}，克隆 {stats['clones']}），"
               f"当前待办 {stats['open_tasks_total']} 项；用时 {stats['seconds']} 秒"
               f"（样板 {stats['template_seconds']} 秒）")
