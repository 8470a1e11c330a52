"""`flask --app wsgi documents reports | rerender`: official documents in batches."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.cases.models import Case
from app.core.cli import fail
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.documents.models import Document
from app.documents.service import check_reason, correct, issue
from app.org.models import User

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("documents", help="Official documents in batches.")


@cli.group("documents")
def documents_group():
    """Official documents: batch issue case reports, batch re-render as corrected versions."""


@documents_group.command("reports")
@click.option("--status", default=None, help="只为该状态的案件生成")
def reports_command(status: str | None):
    """Issue a case summary report for every case (or every case in a status)."""
    query = select(Case.id).order_by(Case.id)
    if status:
        query = query.where(Case.record_status == status)
    ids = list(db.session.scalars(query))
    try:  # a refusal (e.g. no Chinese font) stops the batch with its message, not a traceback
        with click.progressbar(ids, label="生成案件报告", show_pos=True) as bar:
            for case_id in bar:
                with unit_of_work():
                    issue(db.session.get(Case, case_id), "case_report")
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"已生成 {len(ids)} 份案件办理情况报告")


@documents_group.command("rerender")
@click.option("--type", "doc_type", required=True, help="文书类型，如 notification")
@click.option("--reason", required=True, help="更正原因（写入每份新版本）")
def rerender_command(doc_type: str, reason: str):
    """Re-render the newest version of every document of a type as a corrected version
    (e.g. after a template fix); the old versions are kept."""
    try:
        reason = check_reason(reason)
    except DomainError as exc:
        fail(exc.message)
    latest = select(Document.number, func.max(Document.version).label("v")).where(
        Document.doc_type == doc_type).group_by(Document.number).subquery()
    ids = list(db.session.scalars(select(Document.id).join(latest, (Document.number == latest.c.number)
                                                            & (Document.version == latest.c.v))))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        fail("需要 admin 用户作为更正人")
    try:  # a refusal (e.g. no Chinese font) stops the batch with its message, not a traceback
        with click.progressbar(ids, label="重新出具", show_pos=True) as bar:
            for document_id in bar:
                correct(admin, document_id, reason)
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"已重新出具 {len(ids)} 份文书")
