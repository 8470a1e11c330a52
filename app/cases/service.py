"""Case services: register (start a process), list, read, attach evidence. Each public function
is one user action and one transaction."""
from __future__ import annotations

import json
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app import engine, forms
from app.cases import attachments
from app.cases.models import CASE_STATUSES, KEY_AREAS, Attachment, Case, CaseLink, CaseSequence, TimelineEvent
from app.cases.timeline import record_event
from app.core.clock import clock, local_day_start
from app.core.db_types import too_long_for
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_, sentence, tr
from app.core.inputs import DB_INT_MAX
from app.org import service as org
from app.org.models import ROLES, CivilServant, Department, User
from app.core.pagination import Total, count_capped
from app.tasks.models import HumanTask, with_instance_status
from app.tasks.routing import can_act_on, can_view_case, case_filter
from app.tasks.sync import apply_step, bindings_for
from app.core.transaction import insert_if_missing, unit_of_work

NUMBER_PREFIXES = {"dishonesty_record": "ZX", "warning_rectification": "YJ"}


def startable_processes(user: User) -> list[dict]:
    """Latest version of every process with a start form whose start lane the user holds."""
    result = []
    for definition in db.session.scalars(select(engine.ProcessDefinition).order_by(engine.ProcessDefinition.key)):
        version = engine.latest_version(definition.key)
        meta = json.loads(version.task_meta_json)
        if version.start_form and meta.get("start_lane") in user.roles:
            result.append({"key": definition.key, "name": definition.name, "version": version.version,
                           "form_key": version.start_form,
                           "form_version": forms.version_in(version, version.start_form),
                           "form": forms.load_form(version.start_form, forms.version_in(version, version.start_form))})
    return result


def fillable_forms(user: User) -> list[dict]:
    """The form schemas `user` may fill: the start forms of the processes they may start, and the
    forms of the user tasks in their roles' lanes in every deployed version (running cases may
    still wait on an older version's step)."""
    schemas = [process["form"] for process in startable_processes(user)]
    for version in db.session.scalars(select(engine.ProcessVersion)):
        for task in json.loads(version.task_meta_json).get("tasks", {}).values():
            if task.get("form") and task.get("lane") in user.roles:
                schemas.append(forms.load_form(task["form"], forms.version_in(version, task["form"])))
    return schemas


def offered_sources(user: User) -> set[str]:
    """The x-source lists (org.service.SOURCES) this user picks from: those of the forms they may
    fill (`fillable_forms`), and all of them to designers, who preview every form."""
    if user.has_role("designer"):
        return set(org.SOURCES)
    return {name for schema in fillable_forms(user) for name in org.sources_in(schema)}


def _allocate_number(prefix: str, year: int) -> str:
    """The next number of the year's sequence: one atomic UPDATE … RETURNING (the row stays locked
    until the transaction ends); the year's row is created first when missing, safely when two
    writers start a year at once."""
    bump = (update(CaseSequence).where(CaseSequence.prefix == prefix, CaseSequence.year == year)
            .values(last=CaseSequence.last + 1).returning(CaseSequence.last))
    last = db.session.scalar(bump, execution_options={"synchronize_session": False})
    if last is None:
        insert_if_missing(CaseSequence, prefix=prefix, year=year, last=0)
        last = db.session.scalar(bump, execution_options={"synchronize_session": False})
    return f"{prefix}-{year}-{last:06d}"


def _resolve_subject(data: dict) -> tuple[Department, CivilServant | None]:
    department = db.session.scalar(select(Department).where(Department.code == data.get("subject_department"),
                                                            Department.active.is_(True)))
    if department is None:
        raise ValidationFailed(_("表单填写有误，请按提示修改"), {"subject_department": [_("被记录单位不存在")]})
    servant = None
    if data.get("subject_type") == "civil_servant":
        chosen = data.get("civil_servant_id")
        # Ids are 32-bit: a larger one cannot exist (and SQLite refuses to bind one beyond 64 bits).
        storable = isinstance(chosen, int) and not isinstance(chosen, bool) and 0 < chosen <= DB_INT_MAX
        servant = db.session.get(CivilServant, chosen) if storable else None
        if servant is None or servant.department_id != department.id:
            raise ValidationFailed(_("表单填写有误，请按提示修改"),
                                   {"civil_servant_id": [_("该公务员不存在或不属于被记录单位")]})
    return department, servant


def register_case(user: User, process_key: str, data, uploads: dict | None = None) -> Case:
    """A user starts a case from the process's start form (one transaction)."""
    version = _startable_version(process_key)
    if json.loads(version.task_meta_json).get("start_lane") not in user.roles:
        raise Forbidden(_("您的角色不能发起该流程"))
    with unit_of_work():
        return start_case(process_key, data, actor=user, recording_department_id=user.department_id, uploads=uploads,
                          version=version)


def _iso_date(value) -> date | None:
    """A form's (already validated) ISO date, or None when left empty."""
    return date.fromisoformat(str(value)[:10]) if value else None


def _startable_version(process_key: str):
    version = engine.latest_version(process_key)
    if version is None or not version.start_form:
        raise NotFound(_("流程 %(key)s 不存在或不能直接发起", key=repr(process_key)))
    return version


CASE_TEXT_FIELDS = ("title", "subject_type", "source_type", "document_number", "key_area", "tier")


def _check_case_columns(data: dict) -> None:
    """A start form's values the case keeps in its own columns fit them, whatever maxLength the
    designer gave the form: ValidationFailed (422) naming each field that is too long."""
    over = too_long_for(Case, {name: data.get(name) for name in CASE_TEXT_FIELDS})
    if over:
        raise ValidationFailed(_("填写有误"), {name: [_("不能超过 %(n)s 个字", n=n)] for name, n in over.items()})


def start_case(process_key: str, data, *, actor: User | None, recording_department_id: int,
               uploads: dict | None = None, origin: str | None = None, version=None) -> Case:
    """Start a case inside the caller's transaction: validate the start form, number the case,
    start the process (the newest version, or `version`) and sync its tasks. `actor` None means the
    system (a monitoring rule or an escalation, described by `origin`)."""
    version = version or _startable_version(process_key)
    form_version = forms.version_in(version, version.start_form)
    data = forms.validate(version.start_form, data, form_version)
    _check_case_columns(data)
    department, servant = _resolve_subject(data)
    case = Case(
        number=_allocate_number(NUMBER_PREFIXES.get(process_key, "AJ"), clock.today().year),
        process_key=process_key, title=data.get("title", ""), subject_type=data.get("subject_type", "department"),
        subject_department=department, civil_servant=servant, recording_department_id=recording_department_id,
        source_type=data.get("source_type"), document_number=data.get("document_number"),
        key_area=data.get("key_area"), tier=data.get("tier"), facts=data.get("facts") or data.get("reason", ""),
        source_decided_on=_iso_date(data.get("decided_on")),
        record_status="draft", created_by_id=actor.id if actor else None, created_at=clock.now(), updated_at=clock.now(),
    )
    db.session.add(case)
    db.session.flush()
    if uploads and actor is not None:
        file_fields = forms.file_fields(version.start_form, form_version)
        strays = sorted(name for name in uploads if name not in file_fields)
        if strays:
            raise ValidationFailed(_("表单填写有误，请按提示修改"), {name: [_("开始表单没有名为 %(name)s 的文件字段（可用：%(fields)s）",
                                                                       name=name, fields="、".join(file_fields) or "—")]
                                                          for name in strays})
        step = forms.load_form(version.start_form, form_version).get("title") or version.start_form
        data = forms.validate(version.start_form, attach_uploads(actor, case, data, uploads, step=step), form_version)
    # A new case holds only the files uploaded with its start form: any other id is refused.
    check_attachment_ids(case, version.start_form, data, form_version)
    who = actor.full_name if actor else (origin or N_("系统"))
    record_event(case, "case.registered", sentence(N_("%(actor)s 登记：%(title)s"), actor=who, title=case.title,
                                                  labels=() if actor else ("actor",)),
                 {"form": version.start_form, "form_version": form_version, "data": data},
                 actor_id=actor.id if actor else None)
    # Every field of the start form is a variable, None when left empty, so a model may test an
    # optional one (e.g. `decided_on if decided_on else …`); deadlines come from business rule tasks.
    fields = dict.fromkeys(forms.load_form(version.start_form, form_version).get("properties") or {})
    variables = {**fields, **data, "case_number": case.number}
    instance, result = engine.start(version, variables, bindings_for(case))
    db.session.flush()
    case.instance_id = instance.id
    apply_step(case, instance, result, started=True)
    return case


def get_case(user: User, case_id: int) -> Case:
    """A case the user may see; 404 for anything else (never reveals cases of other units)."""
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        raise NotFound(_("案件不存在"))
    return case


def _cases_query(user: User, *, status=None, area=None, subject=None, q=None, created_from=None, created_to=None):
    query = select(Case).where(case_filter(user))
    if status:
        if status not in CASE_STATUSES:
            raise ValidationFailed(_("筛选条件有误"), {"status": [_("未知状态 %(value)s", value=repr(status))]})
        query = query.where(Case.record_status == status)
    if area:
        if area not in KEY_AREAS:
            raise ValidationFailed(_("筛选条件有误"), {"area": [_("未知领域 %(value)s", value=repr(area))]})
        query = query.where(Case.key_area == area)
    if subject:
        query = query.join(Department, Department.id == Case.subject_department_id).where(
            or_(Department.code == subject, Department.name.contains(subject, autoescape=True)))
    if q:
        query = query.where(or_(Case.number.contains(q, autoescape=True), Case.title.contains(q, autoescape=True)))  # % and _ as typed
    if created_from:
        query = query.where(Case.created_at >= local_day_start(created_from))
    if created_to:
        query = query.where(Case.created_at < local_day_start(created_to + timedelta(days=1)))
    return query


def list_cases(user: User, *, page: int = 1, per_page: int = 20, **filters) -> tuple[list[Case], Total]:
    """Cases in the user's scope, newest first. Filters: status, area, subject, q, created_from/to.
    The total is counted up to a cap (`app.core.pagination`)."""
    query = _cases_query(user, **filters)
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def export_rows(user: User, limit: int = 10_000, **filters) -> list[Case]:
    return list(db.session.scalars(_cases_query(user, **filters).order_by(Case.created_at.desc()).limit(limit)))


def process_name(case: Case) -> str:
    """The display name of the case's process (the BPMN process's name), else its key."""
    return db.session.scalar(select(engine.ProcessDefinition.name)
                             .where(engine.ProcessDefinition.key == case.process_key)) or case.process_key


def timeline(case: Case) -> list[TimelineEvent]:
    return list(db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                                   .order_by(TimelineEvent.id)))


# Timeline kinds whose `element` a case has passed (the diagram marks them done).
TRACE_KINDS = frozenset({"task.completed", "process.step", "timer.fired", "process.ended", "process.started"})


def diagram(case: Case) -> dict:
    """The case's process diagram as its page draws it: `xml` (the version's BPMN, every label in
    the reader's language, lanes by role name), the element ids passed (`done`), waiting for a
    person (`current`) and waiting past their deadline (`overdue`, a subset of `current`), the
    version number and the process name (reader's language)."""
    instance = db.session.get(engine.ProcessInstance, case.instance_id)
    done = sorted({e.data.get("element") for e in timeline(case) if e.kind in TRACE_KINDS and e.data.get("element")})
    waiting = open_tasks(case)
    now = clock.now()
    return {"xml": engine.diagram_for_display(instance.version.bpmn_xml, tr, lambda role: tr(ROLES.get(role, role))),
            "done": done, "current": sorted({t.bpmn_id for t in waiting}),
            "overdue": sorted({t.bpmn_id for t in waiting if t.due_at is not None and t.due_at <= now}),
            "version": instance.version.version, "process": tr(instance.version.definition.name)}


def first_steps(process: dict) -> list[dict]:
    """What a case of a startable process (`startable_processes`) waits for once registered:
    [{"role": role label, "task": task name}], in the reader's language."""
    version = engine.latest_version(process["key"])
    return [{"role": tr(ROLES.get(t["lane"], t["lane"])), "task": tr(t["name"])}
            for t in engine.first_user_tasks(version.bpmn_xml)]


def linked_cases(user: User, case: Case) -> list[tuple[str, Case]]:
    """(relation, case) for the links of a case, only those the user may see."""
    links = db.session.scalars(select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.id))
    return [(link.relation, link.linked_case) for link in links if can_view_case(user, link.linked_case)]


def open_tasks(case: Case) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "open")
                                   .options(with_instance_status()).order_by(HumanTask.id)))


def _store_attachment(user: User, case: Case, filename: str, content: bytes, *,
                      task: HumanTask | None = None, step: str | None = None) -> Attachment:
    """Check and store one file in the current transaction (the caller's unit of work), recording
    the step it came with: `task` (its name is the step) or a named `step` without a task."""
    filename = attachments.clean_filename(filename)
    content_type = attachments.check_file(filename, content)
    digest = attachments.store(content)
    attachment = Attachment(case_id=case.id, filename=filename, content_type=content_type, size=len(content),
                            sha256=digest, uploaded_by_id=user.id, uploaded_at=clock.now(),
                            task_id=task.id if task else None, step=task.name if task else step)
    db.session.add(attachment)
    db.session.flush()
    record_event(case, "attachment.added", sentence(N_("%(actor)s 上传附件：%(file)s"), actor=user.full_name, file=filename),
                 {"attachment_id": attachment.id, "sha256": digest, "size": len(content),
                  "task_id": attachment.task_id, "step": attachment.step}, actor_id=user.id)
    return attachment


def upload_task(user: User, case: Case) -> HumanTask | None:
    """The step a user's file added to a case comes with: their current open task on it (the one
    they claimed first), or None for the recording unit's recorder adding a file outside a task.
    Raises Forbidden when the case's process has ended, or when the user holds no current task
    on it and is not its recorder (the caller has already checked that they may see the case)."""
    instance = db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None
    if instance is None or instance.status not in engine.ACTIVE_STATUSES:
        raise Forbidden(_("案件已办结，不能再上传材料"))
    mine = [t for t in open_tasks(case) if can_act_on(user, t) and t.claimed_by_id in (None, user.id)]
    if mine:
        return min(mine, key=lambda t: (t.claimed_by_id != user.id, t.id))
    if user.has_role("recorder") and user.department_id == case.recording_department_id:
        return None
    raise Forbidden(_("只有当前有待办任务的单位和角色（或登记单位）可以上传材料"))


def may_upload(user: User, case: Case) -> bool:
    """Whether `upload_task` lets the user add files to this case (to show the upload form)."""
    try:
        upload_task(user, case)
    except Forbidden:
        return False
    return True


def add_attachments(user: User, case_id: int, files: list[tuple[str, bytes]]) -> list[Attachment]:
    """Files (name, content) added from the case page or the API, all or none (one transaction).
    NotFound outside the user's scope, Forbidden as `upload_task` says, ValidationFailed for a
    bad file."""
    with unit_of_work():
        case = get_case(user, case_id)
        task = upload_task(user, case)
        return [_store_attachment(user, case, filename, content, task=task) for filename, content in files]


def attach_uploads(user: User, case: Case, data: dict, uploads: dict[str, list[tuple[str, bytes]]], *,
                   task: HumanTask | None = None, step: str | None = None) -> dict:
    """Store files submitted with a form (inside the caller's transaction) and put their ids into
    the form's file fields; each records the step (`task`, or a named `step`). A bad file is
    reported against its field."""
    data = dict(data)
    for field, files in uploads.items():
        ids = list(data.get(field) or [])
        for filename, content in files:
            try:
                ids.append(_store_attachment(user, case, filename, content, task=task, step=step).id)
            except ValidationFailed as exc:
                raise ValidationFailed(exc.message, {field: [f"{attachments.clean_filename(filename)}：{exc.message}"]}) from None
        data[field] = ids
    return data


def get_attachment(user: User, case_id: int, attachment_id: int) -> Attachment:
    case = get_case(user, case_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(_("附件不存在"))
    return attachment


def list_attachments(case: Case) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))


def check_attachment_ids(case: Case, form_key: str, data: dict, form_version: int | None = None) -> None:
    """File fields of a form hold attachment ids; each must belong to this case (for a start form:
    uploaded with it). The one check for start forms and task completion; ValidationFailed names
    each field and the ids refused."""
    errors = {}
    for field in forms.file_fields(form_key, form_version):
        ids = data.get(field) or []
        if ids:
            storable = [i for i in ids if isinstance(i, int) and 0 < i < 2**31]  # ids are 32-bit: others cannot exist
            found = set(db.session.scalars(select(Attachment.id).where(Attachment.id.in_(storable),
                                                                       Attachment.case_id == case.id)))
            missing = [i for i in ids if i not in found]
            if missing:
                errors[field] = [_("附件不存在或不属于本案件：%(ids)s", ids=", ".join(map(str, missing)))]
    if errors:
        raise ValidationFailed(_("表单填写有误，请按提示修改"), errors)

