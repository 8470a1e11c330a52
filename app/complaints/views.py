"""Complaint pages for supervisors: the list with filters and the CSV upload, and the import report."""
from __future__ import annotations


from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.complaints import service
from app.complaints.models import CHANNELS
from app.core.errors import DomainError, ValidationFailed
from app.core.inputs import parse_date
from app.core.pagination import page_count
from app.core.extensions import db
from app.core.views import page_arg, role_required

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
PER_PAGE = 20
EXTENSIONS = (".csv", ".txt")


def _filters() -> tuple[dict, dict]:
    """Filters from the query string, and messages for values that make no sense (then ignored)."""
    args, errors = request.args, {}
    filters = {"unit": args.get("unit", "").strip() or None, "category": args.get("category", "").strip() or None,
               "channel": args.get("channel", "").strip() or None}
    if filters["unit"] and service.find_unit(filters["unit"]) is None:
        errors["unit"], filters["unit"] = _("未知单位"), None
    if filters["channel"] and filters["channel"] not in CHANNELS:
        errors["channel"], filters["channel"] = _("未知渠道"), None
    for key in ("date_from", "date_to"):
        try:
            filters[key] = parse_date(args.get(key), key)
        except DomainError as exc:
            errors[key], filters[key] = exc.message, None
    try:
        service.check_received_range(filters["date_from"], filters["date_to"])
    except DomainError as exc:  # said on the page; the list is shown without the reversed end
        errors["date_to"], filters["date_to"] = exc.message, None
    return filters, errors


def _limit_kb() -> int:
    return current_app.config["COMPLAINT_IMPORT_MAX_BYTES"] // 1024


@bp.get("")
@role_required("supervisor", "admin")
def index():
    filters, errors = _filters()
    page = page_arg()
    items, total = service.list_complaints(
        department_code=filters["unit"], category=filters["category"], channel=filters["channel"],
        date_from=filters["date_from"], date_to=filters["date_to"], page=page, per_page=PER_PAGE, user=current_user)
    return render_template("complaints/index.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), filters=filters, errors=errors,
                           numbers=service.case_numbers(items), units=service.units_with_complaints(current_user),
                           categories=service.categories(current_user), CHANNELS=CHANNELS,
                           limit_kb=_limit_kb()), (422 if errors else 200)


def _file_problem(message: str, status: int = 422):
    return render_template("complaints/report.html", report=None, file_error=message, filename=None,
                           CHANNELS=CHANNELS, limit_kb=_limit_kb()), status


@bp.post("/import")
@role_required("supervisor", "admin")
def import_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _file_problem(_("请选择要导入的 CSV 文件"))
    filename = upload.filename
    if not filename.lower().endswith(EXTENSIONS):
        return _file_problem(_("只能导入 .csv 或 .txt 文件：%(name)s", name=filename))
    limit = current_app.config["COMPLAINT_IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        return _file_problem(_("文件超过 %(kb)s KB 上限，请分批导入", kb=limit // 1024), 413)
    try:
        rows = service.parse_csv(content)
        report = service.import_complaints(rows, actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        details = "；".join(m for messages in exc.fields.values() for m in messages)
        return _file_problem(exc.message + (f"（{details}）" if details and details not in exc.message else ""))
    return render_template("complaints/report.html", report=report, file_error=None, filename=filename,
                           CHANNELS=CHANNELS, limit_kb=_limit_kb())
