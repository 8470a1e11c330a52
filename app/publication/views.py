"""The public portal (`/public`, no login: what is published today, masked, within its scope) and
the publication register for staff (`/publications`: reviewers, supervisors, admins)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from app.cases.models import KEY_AREAS, SUBJECT_TYPES, TIERS
from app.core.clock import clock
from app.core.errors import DomainError
from app.core.i18n import tr
from app.core.pagination import Total, page_count
from app.core.rate_limits import public_rate_limit
from app.core.views import page_arg, role_required
from app.publication import masking, service
from app.publication.models import END_REASONS

bp = Blueprint("publication", __name__)
PER_PAGE = 20
REGISTER_ROLES = service.REGISTER_ROLES


def _text_arg(name: str) -> str | None:
    return (request.args.get(name) or "").strip() or None


def _public_filters() -> tuple[dict, dict]:
    filters = {"subject": _text_arg("subject"), "area": _text_arg("area"), "tier": _text_arg("tier"), "q": _text_arg("q")}
    errors = {}
    if filters["area"] and filters["area"] not in KEY_AREAS:
        errors["area"], filters["area"] = _("未知领域"), None
    if filters["tier"] and filters["tier"] not in TIERS:
        errors["tier"], filters["tier"] = _("未知的失信程度"), None
    for name in ("subject", "q"):
        if filters[name] and len(filters[name]) > service.SEARCH_MAX_CHARS:
            errors[name], filters[name] = _("不能超过 %(n)s 个字", n=service.SEARCH_MAX_CHARS), None
    return filters, errors


@bp.get("/public")
@public_rate_limit
def portal():
    """Search what is published today: subject, key area, tier, text; 20 a page."""
    filters, errors = _public_filters()
    page = page_arg()
    items, total = service.search_public(page=page, per_page=PER_PAGE, **filters)
    return render_template("publication/portal.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), filters=filters, errors=errors,
                           masked=service.portal_masking()), (422 if errors else 200)


@bp.get("/public/records/<int:publication_id>")
@public_rate_limit
def public_detail(publication_id: int):
    return render_template("publication/detail.html", record=service.get_public(publication_id),
                           SUBJECT_TYPES=SUBJECT_TYPES, masked=service.portal_masking())


@bp.context_processor
def portal_day() -> dict:
    """`portal_today`: the day (Asia/Shanghai) the portal shows what is published — printed on paper."""
    return {"portal_today": clock.today()}


@bp.app_template_filter("last_public_day")
def last_public_day(planned_end: str | None) -> str:
    """The last day a record is shown, from a public record's `planned_end` (ISO; the first day it
    is no longer shown): the period the portal states ends the day before."""
    if not planned_end:
        return ""
    return (date.fromisoformat(planned_end) - timedelta(days=1)).isoformat()


@bp.app_template_filter("masking_kind_label")
def masking_kind_label(kind: str) -> str:
    """A masking kind (masking.KIND_LABELS key) in the user's language."""
    return tr(masking.KIND_LABELS.get(kind, kind))


@bp.app_template_filter("public_field_label")
def public_field_label(name: str) -> str:
    """A public field's name in the user's language (the register's scope column)."""
    return tr(service.PUBLIC_FIELD_LABELS.get(name, name))


@bp.get("/publications")
@role_required(*REGISTER_ROLES)
def register():
    """The publication register: every publication with its period and why it ended."""
    filters = {"status": _text_arg("status"), "reason": _text_arg("reason"), "area": _text_arg("area"),
               "q": _text_arg("q")}
    page = page_arg()
    try:
        rows, total = service.register(page=page, per_page=PER_PAGE, **filters)
        errors = {}
    except DomainError as exc:
        rows, total, errors = [], Total(0), exc.fields
    return render_template("publication/register.html", rows=rows, total=total, page=page,
                           pages=page_count(total, PER_PAGE), filters=filters, errors=errors,
                           END_REASONS=END_REASONS), (422 if errors else 200)
