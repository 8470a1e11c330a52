"""What the rules pages and the rules API need beyond app/rules/service.py, in one place for both:
a version by its number, its state, the version the editor opens, a draft's problems by row, a
decision test's result as JSON and the publication form's values. Reads only: every change goes
through the service (it owns the transactions)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from flask_babel import gettext as _

from app.core.clock import clock
from app.core.errors import BadRequest, NotFound, ValidationFailed
from app.core.inputs import optional_text, parse_date
from app.engine import dmn
from app.rules import service
from app.rules.models import DRAFT, DecisionVersion

NOTE_MAX = service.NOTE_MAX


def version_of(key: str, number: int) -> DecisionVersion:
    """Version `number` of table `key`. NotFound (404) for an unknown key or number."""
    for version in service.versions(key):
        if version.version == number:
            return version
    raise NotFound(_("决策表 %(key)s 没有第 %(n)s 版", key=key, n=number))


def in_force_today(key: str) -> DecisionVersion | None:
    """The version of `key` in force today (Asia/Shanghai), None when none is yet. NotFound for an
    unknown key."""
    try:
        return service.in_force(key, clock.today())
    except NotFound:
        service.versions(key)  # an unknown key still answers 404
        return None


def version_state(version: DecisionVersion, in_force: DecisionVersion | None, today: date) -> str:
    """"draft", "in_force" (the version in force today), "scheduled" (published, in force after
    today) or "superseded" (published, no longer in force)."""
    if version.status == DRAFT:
        return "draft"
    if in_force is not None and version.id == in_force.id:
        return "in_force"
    return "scheduled" if version.effective_from > today else "superseded"


def editable_version(key: str, number: int | None = None) -> DecisionVersion:
    """The version the editor opens: `number` if given, else the open draft (a designer goes on with
    it), else the version in force today, else the newest. NotFound for an unknown key or number."""
    if number is not None:
        return version_of(key, number)
    all_versions = service.versions(key)
    draft = next((v for v in all_versions if v.status == DRAFT), None)
    return draft or in_force_today(key) or all_versions[0]


def problem_dicts(problems: list[dmn.Problem]) -> list[dict]:
    """Problems as JSON: [{message, row (1-based) or None, column or None}]."""
    return [{"message": p.message, "row": p.row, "column": p.column} for p in problems]


def draft_problems(exc: ValidationFailed, xml: str | bytes) -> list[dict]:
    """Why save_draft refused `xml`: the table's problems by row, or (when the table itself is
    sound, e.g. it names another decision) the service's messages."""
    problems = problem_dicts(service.validate(xml))
    return problems or [{"message": m, "row": None, "column": None} for m in exc.fields.get("xml", [exc.message])]


def decision_test_dict(result: service.DecisionTestResult) -> dict:
    """A decision test's result as JSON: {name, passed, inputs, expected, actual, rows, message}."""
    return asdict(result)


@dataclass(frozen=True)
class PublishForm:
    effective_from: date | None
    note: str


def publish_form(raw_date: str | None, raw_note: str | None) -> PublishForm:
    """The publication form's values: the effective date (YYYY-MM-DD, None when empty) and the note
    ("" when blank). ValidationFailed (422) naming each malformed field: a date that is not one or
    out of range, a note too long or with refused characters. A missing date, a date before today
    and an empty note are refused by service.publish (policy: rules never come into force backdated)."""
    fields: dict[str, list[str]] = {}
    effective_from, note = None, ""
    try:
        effective_from = parse_date(raw_date, "effective_from")
    except (BadRequest, ValidationFailed) as exc:
        fields.update(exc.fields)
    try:
        note = optional_text(raw_note, "note", _("发布说明"), max_chars=NOTE_MAX)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(_("填写有误"), fields)
    return PublishForm(effective_from, note)
