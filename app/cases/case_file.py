"""The case file (卷宗) of a task: what earlier human steps of its case submitted — the start form
and every completed task — rendered with each form's own labels, as the form version it was
submitted with, and the files that came with each step.

Which steps a task shows is declared in its process model (`cx:caseFile`, a list of element ids
or form keys; app/engine/definitions.py); without it, every earlier human step. Plain dataclasses
out: the template and the API only loop over them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app import engine, forms
from app.cases.models import Attachment, Case, TimelineEvent
from app.core.errors import NotFound
from app.core.extensions import db
from app.core.i18n import tr
from app.org.models import CivilServant, Department
from app.tasks.models import HumanTask

# A message from outside (app.cases.events: an objection after the window, a revocation) is shown
# with every task's case file: it is what the later steps act on.
SUBMISSION_KINDS = ("case.registered", "task.completed", "message.received")


@dataclass(frozen=True)
class Value:
    """One submitted field: its form's label and the value as a reader sees it (choice names,
    unit and person names, formatted dates, 是/否), in the user's language. `long` marks
    multi-line text; `day` is set for dates."""

    field: str
    label: str
    text: str
    long: bool = False
    day: date | None = None


@dataclass(frozen=True)
class File:
    """A file that came with a step, labelled by that step and the person who uploaded it."""

    id: int
    case_id: int
    filename: str
    size: int
    step: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class Submission:
    """One earlier human step: the start form (`kind` "case.registered") or a completed task.
    When a step was submitted more than once (a plan returned and resubmitted), `repeated` is
    set on each of its submissions and `superseded` on all but the latest."""

    kind: str
    element: str | None
    form: str | None
    step: str
    actor: str | None
    at: datetime
    values: list[Value] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    repeated: bool = False
    superseded: bool = False


def for_task(task: HumanTask) -> list[Submission]:
    """The case file a task shows, newest first: the earlier submissions its model declares
    (`cx:caseFile`), else all of them. For a finished task, only what came before it."""
    instance = db.session.get(engine.ProcessInstance, task.instance_id)
    meta = json.loads(instance.version.task_meta_json)
    declared = (meta["tasks"].get(task.bpmn_id) or {}).get("case_file")
    events = _submission_events(task.case)
    own = next((e.id for e in events if e.kind == "task.completed" and e.data.get("task_id") == task.id), None)
    events = [e for e in events if own is None or e.id < own]
    submissions = _render(task.case, instance, meta, events)
    if declared is not None:
        submissions = [s for s in submissions
                       if s.kind == "message.received" or s.element in declared or s.form in declared]
    return _mark_latest(submissions)


def for_case(case: Case) -> list[Submission]:
    """Every human step of the case, newest first (the print view's case file)."""
    if case.instance_id is None:
        return []
    instance = db.session.get(engine.ProcessInstance, case.instance_id)
    return _mark_latest(_render(case, instance, json.loads(instance.version.task_meta_json), _submission_events(case)))


def _mark_latest(submissions: list[Submission]) -> list[Submission]:
    """Mark the submissions of a step submitted more than once (newest first in): the first of
    each step is the one in force, the others `superseded`."""
    counts: dict = {}
    for s in submissions:
        counts[s.element] = counts.get(s.element, 0) + 1
    seen: set = set()
    marked = []
    for s in submissions:
        repeated = s.element is not None and counts[s.element] > 1
        marked.append(replace(s, repeated=repeated, superseded=repeated and s.element in seen))
        seen.add(s.element)
    return marked


def registration_dates(case: Case) -> list[Value]:
    """The dates entered on the case's start form (e.g. when the conduct occurred), for the
    case summary."""
    if case.instance_id is None:
        return []
    instance = db.session.get(engine.ProcessInstance, case.instance_id)
    events = [e for e in _submission_events(case) if e.kind == "case.registered"]
    registered = _render(case, instance, json.loads(instance.version.task_meta_json), events)
    return [v for s in registered for v in s.values if v.day is not None]


def record_titles(case: Case) -> dict[str, str]:
    """{field: title} of the form the case was registered with (its start form, as the version
    the case's process was deployed with), for naming record fields (e.g. 失信事实) in texts
    that are stored, such as timeline summaries. Empty when that form cannot be read."""
    instance = db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None
    if instance is None:
        return {}
    key = json.loads(instance.version.task_meta_json).get("start_form")
    props = _form(key, forms.version_in(instance.version, key) if key else None).get("properties") or {}
    return {name: prop["title"] for name, prop in props.items() if isinstance(prop, dict) and isinstance(prop.get("title"), str)}


def _submission_events(case: Case) -> list[TimelineEvent]:
    return list(db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.case_id == case.id, TimelineEvent.kind.in_(SUBMISSION_KINDS)).order_by(TimelineEvent.id.desc())))


def _render(case: Case, instance, meta: dict, events: list[TimelineEvent]) -> list[Submission]:
    tasks = {t.id: t for t in db.session.scalars(select(HumanTask).where(
        HumanTask.id.in_([e.data.get("task_id") for e in events if e.kind == "task.completed"])))}
    attachments = list(db.session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))
    names = _Names()
    result = []
    for event in events:
        task = tasks.get(event.data.get("task_id")) if event.kind == "task.completed" else None
        if event.kind == "task.completed" and task is None:
            continue
        form_key = event.data.get("form") or (task.form_key if task else meta.get("start_form"))
        version = event.data.get("form_version") or forms.version_in(instance.version, form_key)
        schema = _form(form_key, version)
        data = event.data.get("data") or {}
        step = tr(task.name) if task else (tr(schema["title"]) if schema.get("title") else _("登记"))
        file_ids = {i for name in forms.file_fields_of(schema) for i in data.get(name) or () if isinstance(i, int)}
        files = [_file(a, step) for a in attachments
                 if a.id in file_ids or (task is not None and a.task_id == task.id)]
        result.append(Submission(
            kind=event.kind, element=task.bpmn_id if task else (
                event.data.get("message") if event.kind == "message.received" else meta.get("start_event")),
            form=form_key, step=step,
            actor=event.actor.full_name if event.actor else None, at=event.at,
            values=_values(schema, data, names), files=files))
    return result


def _form(key: str | None, version: int | None) -> dict:
    """The form a submission was made with; an empty one when it cannot be read (the step is
    still listed, with its person, time and files)."""
    try:
        return forms.load_form(key, version) if key else {}
    except NotFound:
        return {}


def _file(attachment: Attachment, step: str) -> File:
    return File(id=attachment.id, case_id=attachment.case_id, filename=attachment.filename, size=attachment.size,
                step=tr(attachment.step) if attachment.step else step, uploaded_by=attachment.uploaded_by.full_name,
                uploaded_at=attachment.uploaded_at)


def _values(schema: dict, data: dict, names: _Names) -> list[Value]:
    """The submitted fields in the form's order, files aside; fields left empty are skipped, and
    so is anything the form does not define (never a raw key)."""
    values = []
    for name, prop in (schema.get("properties") or {}).items():
        value = data.get(name)
        if not isinstance(prop, dict) or prop.get("x-widget") == "file" or value is None or value in ("", []):
            continue
        day = forms.as_date(value) if forms.is_date_field(prop) else None
        values.append(Value(field=name, label=tr(prop.get("title") or name), text=_text(prop, value, day, names),
                            long=prop.get("x-widget") == "textarea", day=day))
    return values


def _text(prop: dict, value, day: date | None, names: _Names) -> str:
    """A value as a reader sees it: the choice's name (as the form names it, also for a yes/no
    field with `x-enum-labels`; a choice without labels translated as the form offers it), not its code."""
    label = forms.choice_label(prop, value)
    if label is not None:
        return label
    if isinstance(value, str) and value in (prop.get("enum") or ()):
        return tr(value)  # a choice without labels is its own name, offered translated on the form
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if day is not None:
        return format_date(day, "long")
    if prop.get("x-source") == "departments":
        return names.department(value)
    if prop.get("x-source") == "civil_servants":
        return names.civil_servant(value)
    if prop.get("x-source") in forms.CHOICE_SOURCES:  # e.g. a 免责容错 ground: its label in the catalogue
        return tr(dict(forms.CHOICE_SOURCES[prop["x-source"]]()).get(value, str(value)))
    if isinstance(value, (list, dict)):
        return "、".join(map(str, value))
    return str(value)


class _Names:
    """Units by code and civil servants by id, read once per case file."""

    def __init__(self):
        self._departments: dict | None = None

    def department(self, code) -> str:
        if self._departments is None:
            self._departments = dict(db.session.execute(select(Department.code, Department.name)).all())
        return self._departments.get(code, str(code))

    def civil_servant(self, servant_id) -> str:
        servant = db.session.get(CivilServant, servant_id) if isinstance(servant_id, int) else None
        return f"{servant.name}（{servant.department.name}）" if servant else str(servant_id)
