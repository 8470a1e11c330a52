"""Load generation for benchmarks and capacity tests: `flask --app wsgi generate-load N` (app/demo/cli.py).

FOR BENCHMARK AND DEVELOPMENT DATABASES ONLY: it adds N cases of both processes, at various stages,
for every department, so open human tasks are spread across units (handler, recorder), city-wide
lanes (reviewer, supervisor) and deadlines (some overdue, some due soon).

How it is fast and still valid:

1. A few hundred *template* cases are created through the real services (`register_case`,
   `tasks.service.complete`), each driven to one stage (in review, returned, notified, under
   objection, confirmed, published, exempted; warning explained, plan submitted, tracking,
   reporting, verifying), in `clock.travel` (this context only) 0–8 days back so deadlines vary
   and some are overdue; the stages behind the 10-working-day report interval start three weeks
   back and have that timer fired. These are ordinary cases (documents, notifications and all).
2. The rest are *clones* of the templates, bulk-inserted in batches: `process_instance` (the
   template's `state_json` with every task/workflow UUID replaced by a fresh one — consistently, so
   the engine state really waits on the cloned tasks — and the case number replaced), `case` (a new
   number from `case_sequence`), `human_task` (open, completed and cancelled rows, with the same UUID
   mapping), `attachment` (the same stored file) and `timeline_event` (task and attachment ids
   remapped). Primary keys come from the sequences on PostgreSQL (COPY is used there). Clones
   carry no documents (issued PDFs), notifications or mail: the template's `document.issued`
   timeline lines are left out. (A cloned form value naming an attachment id in the engine state
   still names the template's attachment.)

The template actors are dedicated accounts (`load.reviewer`, `load.supervisor`, `load.recorder.<unit>`,
`load.handler.<unit>`) with random passwords; they only appear in timelines. The demo accounts
(`handler.fgw`, `reviewer`, ...) see the generated tasks through the normal role/unit rules.

Calling it again adds more (new templates, new clones); nothing is ever deleted."""
from __future__ import annotations

import json
import random
import re
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, func, insert, select, text
from werkzeug.security import generate_password_hash

from app import engine
from app.cases.models import KEY_AREAS, Attachment, Case, CaseSequence, TimelineEvent
from app.cases.service import open_tasks, register_case
from app.core.clock import LOCAL_TZ, clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.demo.reference_data import seed_reference_data
from app.engine.models import ProcessInstance
from app.org.models import Department, User
from app.tasks.models import HumanTask
from app.tasks.service import complete
from app.tasks.sync import apply_step, bindings_for

BATCH_CASES = 1000          # clones per transaction
DEFAULT_TEMPLATES = 200     # real cases through the services per call (fewer when n_cases is smaller)
MAX_DAYS_BACK = 8           # templates are created 0..8 days ago, so some deadlines have passed
# Recording units (each numbers its documents with its own prefix or name).
RECORDER_UNITS = ("xyzx", "fgw", "czj", "pudong")

# stage -> (process, share of all cases, steps after registering: (role, element, form data))
_APPROVE = ("reviewer", "entry_review", {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分，同意告知"})
_ACCEPT = ("handler", "respond_notice", {"response": "accept"})
_EXPLAIN = ("handler", "explain", {"explanation": "审核环节积压，人手不足，已着手整改。", "will_rectify": "yes"})
_TIMER = ("timer", "", {})  # fire the instance's due timers as of now (the case was started weeks ago)
_TO_TRACKING = [_EXPLAIN, ("handler", "submit_plan", {
    "measures": "完善制度，专人督办，按月报送进展。", "responsible_person": "分管副主任", "rectification_deadline": "+45"}),
    ("supervisor", "review_plan", {"plan_decision": "accept", "plan_opinion": "方案可行"})]
STAGES: dict[str, tuple[str, float, list]] = {
    "in_review": ("dishonesty_record", 0.16, []),
    "returned": ("dishonesty_record", 0.05, [("reviewer", "entry_review",
                                              {"entry_decision": "return", "review_opinion": "证据不全，请补正处罚决定书文号"})]),
    "notified": ("dishonesty_record", 0.12, [_APPROVE]),
    "under_objection": ("dishonesty_record", 0.05, [_APPROVE, ("handler", "respond_notice", {
        "response": "object", "objection_grounds": "相关款项已于期限内支付，附银行回单。", "commitment": True})]),
    "confirmed": ("dishonesty_record", 0.08, [_APPROVE, _ACCEPT]),
    "published": ("dishonesty_record", 0.06, [_APPROVE, _ACCEPT, ("reviewer", "publication_decision",
                                                                  {"publish": True, "decision_note": "依规公开",
                                                                   "minor_publication_reason": "依规公开"})]),
    "exempted": ("dishonesty_record", 0.02, [("reviewer", "entry_review",
                                              {"entry_decision": "exempt", "review_opinion": "符合容错免责情形"})]),
    "explaining": ("warning_rectification", 0.12, []),
    "planning": ("warning_rectification", 0.10, [_EXPLAIN]),
    "plan_review": ("warning_rectification", 0.06, [_EXPLAIN, ("handler", "submit_plan", {
        "measures": "增派审核人员，建立限时办结台账，每周通报进度。", "responsible_person": "办公室主任",
        "rectification_deadline": "+30"})]),
    "tracking": ("warning_rectification", 0.08, _TO_TRACKING),
    "reporting": ("warning_rectification", 0.06, [*_TO_TRACKING, _TIMER]),
    "verifying": ("warning_rectification", 0.06, [*_TO_TRACKING, _TIMER, ("handler", "report_progress", {
        "progress": "整改措施已全部落实。", "completed": True,
        "_uploads": {"progress_files": [("整改完成证明.txt", "整改措施已全部落实，附台账。".encode())]}})]),
}
TITLES = {
    "dishonesty_record": ["拖欠中标企业合同款", "招商引资政策承诺未兑现", "违规干预政府采购评审", "河道整治公开承诺逾期未完成",
                          "拒不履行生效判决", "统计数据弄虚作假", "PPP项目付费义务未履行", "行政审批超期未办结"],
    "warning_rectification": ["企业服务投诉集中", "惠企资金拨付迟缓", "12345热线工单超期", "审批事项承诺时限未兑现"],
}
SOURCES = ["administrative_penalty", "court_judgment", "contract_breach", "accountability_decision", "judgment_debtor"]
TIERS = ["minor", "general", "serious"]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

Progress = Callable[[int], Any]


# --- accounts ---------------------------------------------------------------------------------

def _ensure_user(username: str, full_name: str, department: Department, roles: list[str]) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, full_name=full_name, department=department)
        # A random password nobody knows: these accounts only act while generating. A cheap hash
        # (scrypt would cost ~0.1 s for each of the ~50 accounts).
        user.password_hash = generate_password_hash(secrets.token_urlsafe(32), method="pbkdf2:sha256:1000")
        user.set_roles(roles)
        db.session.add(user)
    return user


def _actors() -> tuple[dict[str, Department], dict]:
    departments = {d.code: d for d in db.session.scalars(select(Department).where(Department.active.is_(True))
                                                         .order_by(Department.id))}
    actors = {
        "reviewer": _ensure_user("load.reviewer", "负载审核员", departments["xyzx"], ["reviewer"]),
        "supervisor": _ensure_user("load.supervisor", "负载督导员", departments["dcs"], ["supervisor"]),
        "recorder": {code: _ensure_user(f"load.recorder.{code}", f"负载录入员（{departments[code].name}）",
                                        departments[code], ["recorder"])
                     for code in RECORDER_UNITS if code in departments},
        "handler": {code: _ensure_user(f"load.handler.{code}", f"负载经办人（{d.name}）", d, ["handler"])
                    for code, d in departments.items()},
    }
    return departments, actors


# --- templates: real cases through the services ------------------------------------------------

def _plan_templates(n: int) -> list[str]:
    """Stage of each template: every stage at least once, the rest by share."""
    plan = list(STAGES)
    for stage, (_, share, _) in STAGES.items():
        plan += [stage] * max(0, round(share * n) - 1)
    return plan[:n] if n < len(plan) else plan


def _start_data(process: str, code: str, i: int) -> dict:
    title = TITLES[process][i % len(TITLES[process])]
    area = KEY_AREAS[i % len(KEY_AREAS)]
    if process == "warning_rectification":
        return {"subject_department": code, "title": title, "trigger": "supervision", "key_area": area,
                "reason": f"督查发现{title}问题，群众反映强烈。"}
    return {"subject_type": "department", "subject_department": code, "title": title,
            "source_type": SOURCES[i % len(SOURCES)], "document_number": f"沪负载〔2026〕{i + 1}号", "key_area": area,
            "tier": TIERS[i % len(TIERS)], "facts": f"{title}，经核查属实。",
            "decided_on": (clock.today() - timedelta(days=14 + i % 60)).isoformat()}


def _step_data(data: dict) -> dict:
    out = dict(data)
    if isinstance(out.get("rectification_deadline"), str) and out["rectification_deadline"].startswith("+"):
        # Kept inside the current year: deadlines past it need next year's working-day calendar,
        # which is only published (and importable) in the autumn.
        today = clock.today()
        wanted = min(today + timedelta(days=int(out["rectification_deadline"][1:])), date(today.year, 12, 15))
        out["rectification_deadline"] = max(wanted, today + timedelta(days=3)).isoformat()
    return out


def _fire_timers(case: Case) -> None:
    """What `tick` does, for this one case."""
    with unit_of_work():
        instance = db.session.get(ProcessInstance, case.instance_id, populate_existing=True)
        if instance.next_timer_at is None or instance.next_timer_at > clock.now():
            raise RuntimeError(f"{case.number}: no timer due at {clock.now()}")
        apply_step(case, instance, engine.fire_timers(instance, bindings_for(case)))


def _make_template(stage: str, i: int, departments: dict, actors: dict, when: datetime, now: datetime) -> int:
    """One real case driven to `stage` through the services, started at `when`. A timer step
    moves to `now` (the template was started long enough ago for the timer to be due)."""
    process, _, steps = STAGES[stage]
    codes = [c for c in departments if c not in ("xyzx", "dcs")]
    code = codes[i % len(codes)]
    if process == "warning_rectification":
        starter = actors["supervisor"]
    else:
        units = list(actors["recorder"])
        starter = actors["recorder"][units[i % len(units)]]
    with clock.travel(when):
        case = register_case(starter, process, _start_data(process, code, i))
    for role, element, data in steps:
        if role == "timer":
            when = now
            with clock.travel(when):
                _fire_timers(case)
            continue
        with clock.travel(when):
            task = next(t for t in open_tasks(case) if t.bpmn_id == element)
            user = actors["handler"][code] if role == "handler" else starter if role == "recorder" else actors[role]
            complete(user, task.id, _step_data({k: v for k, v in data.items() if k != "_uploads"}),
                     uploads=data.get("_uploads"))
    return case.id


def _create_templates(n: int, departments: dict, actors: dict, progress: Progress | None) -> list[int]:
    rng = random.Random(n)
    ids = []
    now = clock.now().astimezone(LOCAL_TZ)
    # Continue the round of departments where earlier calls stopped, so repeated calls spread too.
    offset = db.session.scalar(select(func.count()).select_from(Case))
    for i, stage in enumerate(_plan_templates(n)):
        # Started 0..MAX_DAYS_BACK days ago during office hours, so deadlines vary and some have
        # passed; stages behind a timer (the 10-working-day report interval) three weeks ago.
        days = 21 + rng.randint(0, 3) if _TIMER in STAGES[stage][2] else rng.randint(0, MAX_DAYS_BACK)
        when = (now - timedelta(days=days)).replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59),
                                                    second=rng.randint(0, 59))
        ids.append(_make_template(stage, offset + i, departments, actors, min(when, now), now))
        if progress:
            progress(1)
    return ids


# --- clones: bulk inserts ---------------------------------------------------------------------

class _Template:
    """A template case's rows, prepared for cheap cloning (state split around UUIDs and number)."""

    def __init__(self, case: Case):
        self.case = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
        instance = db.session.get(ProcessInstance, case.instance_id)
        self.instance = {c.key: getattr(instance, c.key) for c in ProcessInstance.__table__.columns}
        self.tasks = [{c.key: getattr(t, c.key) for c in HumanTask.__table__.columns}
                      for t in db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id).order_by(HumanTask.id))]
        self.attachments = [{c.key: getattr(a, c.key) for c in Attachment.__table__.columns}
                            for a in db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                                        .order_by(Attachment.id))]
        self.events = [{c.key: getattr(e, c.key) for c in TimelineEvent.__table__.columns}
                       for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                                                   .order_by(TimelineEvent.id))
                       if e.kind != "document.issued"]
        self.number = case.number
        prefix, year, _ = case.number.split("-")
        self.prefix, self.year = prefix, int(year)
        # state_json as literal pieces and placeholders: int k = k-th distinct UUID, None = case number.
        self.uuids: list[str] = []
        index: dict[str, int] = {}
        pieces: list[str | int | None] = []
        state = self.instance["state_json"]
        quoted = f'"{case.number}"'
        pos = 0
        for m in _UUID.finditer(state):
            self._literal(pieces, state[pos:m.start()], quoted)
            k = index.setdefault(m.group(), len(index))
            if k == len(self.uuids):
                self.uuids.append(m.group())
            pieces.append(k)
            pos = m.end()
        self._literal(pieces, state[pos:], quoted)
        self.pieces = pieces
        missing = [t["task_guid"] for t in self.tasks if t["status"] == "open" and t["task_guid"] not in index]
        if missing:
            raise RuntimeError(f"template {case.number}: open task guids {missing} not in its state")

    @staticmethod
    def _literal(pieces: list, chunk: str, quoted: str) -> None:
        parts = chunk.split(quoted)
        for j, part in enumerate(parts):
            if j:
                pieces.append(None)
            if part:
                pieces.append(part)

    def state(self, new_uuids: list[str], number: str) -> str:
        quoted = f'"{number}"'
        return "".join(p if isinstance(p, str) else (quoted if p is None else new_uuids[p]) for p in self.pieces)


def _new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _reserve_ids(table: str, n: int) -> list[int]:
    """n fresh primary keys: from the sequence on PostgreSQL (safe with concurrent writers), after
    the current maximum on SQLite (one writer at a time anyway)."""
    if n == 0:
        return []
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(text(f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) "
                                       "FROM generate_series(1, :n)"), {"n": n})
        return sorted(r[0] for r in rows)
    start = (db.session.scalar(text(f'SELECT max(id) FROM "{table}"')) or 0) + 1
    return list(range(start, start + n))


def _allocate_numbers(prefix: str, year: int, n: int) -> list[str]:
    seq = db.session.scalar(select(CaseSequence).where(CaseSequence.prefix == prefix, CaseSequence.year == year)
                            .with_for_update())
    if seq is None:
        seq = CaseSequence(prefix=prefix, year=year, last=0)
        db.session.add(seq)
    first = seq.last + 1
    seq.last += n
    db.session.flush()
    return [f"{prefix}-{year}-{k:06d}" for k in range(first, first + n)]


def _clone_batch(batch: list[_Template], rng: random.Random) -> None:
    by_seq: dict[tuple[str, int], list[int]] = defaultdict(list)
    for k, tpl in enumerate(batch):
        by_seq[(tpl.prefix, tpl.year)].append(k)
    numbers: list[str] = [""] * len(batch)
    for (prefix, year), positions in by_seq.items():
        for k, number in zip(positions, _allocate_numbers(prefix, year, len(positions))):
            numbers[k] = number
    case_ids = _reserve_ids("case", len(batch))
    instance_ids = _reserve_ids("process_instance", len(batch))
    task_ids = iter(_reserve_ids("human_task", sum(len(t.tasks) for t in batch)))
    attachment_ids = iter(_reserve_ids("attachment", sum(len(t.attachments) for t in batch)))
    instances, cases, tasks, attachments, events = [], [], [], [], []
    for k, tpl in enumerate(batch):
        shift = timedelta(seconds=rng.randint(0, 6 * 3600))  # created a little earlier than the template
        new_uuids = [_new_uuid(rng) for _ in tpl.uuids]
        guid_map = dict(zip(tpl.uuids, new_uuids))
        number = numbers[k]
        instance = dict(tpl.instance, id=instance_ids[k], state_json=tpl.state(new_uuids, number),
                        created_at=tpl.instance["created_at"] - shift)
        instances.append(instance)
        cases.append(dict(tpl.case, id=case_ids[k], number=number, instance_id=instance_ids[k],
                          created_at=tpl.case["created_at"] - shift))
        task_map = {}
        for t in tpl.tasks:
            new_id = next(task_ids)
            task_map[t["id"]] = new_id
            tasks.append(dict(t, id=new_id, task_guid=guid_map.get(t["task_guid"]) or _new_uuid(rng),
                              case_id=case_ids[k], instance_id=instance_ids[k], created_at=t["created_at"] - shift))
        attachment_map = {}
        for a in tpl.attachments:  # the same stored file (by SHA-256), now evidence of this case too
            attachment_map[a["id"]] = next(attachment_ids)
            attachments.append(dict(a, id=attachment_map[a["id"]], case_id=case_ids[k], uploaded_at=a["uploaded_at"] - shift))
        for e in tpl.events:
            data = e["data"]
            if isinstance(data, dict) and data.get("task_id") in task_map:
                data = dict(data, task_id=task_map[data["task_id"]])
            if isinstance(data, dict) and data.get("attachment_id") in attachment_map:
                data = dict(data, attachment_id=attachment_map[data["attachment_id"]])
            row = dict(e, case_id=case_ids[k], data=data, at=e["at"] - shift,
                       summary=e["summary"].replace(tpl.number, number))
            row.pop("id")
            events.append(row)
    for model, rows in ((ProcessInstance, instances), (Case, cases), (HumanTask, tasks), (Attachment, attachments),
                        (TimelineEvent, events)):
        _bulk_insert(model.__table__, rows)


def _bulk_insert(table, rows: list[dict]) -> None:
    """COPY on PostgreSQL (several times faster than multi-row INSERTs), executemany on SQLite.
    Values are converted as the column types would (UTC datetimes stored naive, JSON as text)."""
    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.key in rows[0]]
    converters = []
    for c in columns:
        if isinstance(c.type, UTCDateTime):
            converters.append(lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None))
        elif isinstance(c.type, JSON):
            converters.append(lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        else:
            converters.append(None)
    names = ", ".join(f'"{c.name}"' for c in columns)
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([conv(row[c.key]) if conv else row[c.key] for c, conv in zip(columns, converters)])


def _clone_plan(templates: list[_Template], stages: list[str], n_clones: int) -> list[_Template]:
    """Which template each clone copies: clones per stage by the stage's share, spread evenly
    over that stage's templates (so over departments and deadlines)."""
    by_stage: dict[str, list[_Template]] = defaultdict(list)
    for tpl, stage in zip(templates, stages):
        by_stage[stage].append(tpl)
    total_share = sum(STAGES[s][1] for s in by_stage)
    plan: list[_Template] = []
    stages_sorted = sorted(by_stage)
    for j, stage in enumerate(stages_sorted):
        count = (n_clones - len(plan) if j == len(stages_sorted) - 1
                 else round(n_clones * STAGES[stage][1] / total_share))
        group = by_stage[stage]
        plan += [group[i % len(group)] for i in range(max(0, count))]
    random.Random(n_clones).shuffle(plan)
    return plan


def generate_load(n_cases: int, *, progress: Progress | None = None, templates: int = DEFAULT_TEMPLATES) -> dict:
    """Add `n_cases` cases (a few hundred real ones through the services, the rest cloned in bulk).
    `progress(k)` is called with the number of cases just added (for a progress bar). Returns
    counts and timings. Needs the reference data (departments, calendar, processes): seeded here
    if missing."""
    if n_cases < 1:
        raise ValueError("n_cases must be positive")
    started = time.perf_counter()
    seed_reference_data()
    with unit_of_work():
        departments, actors = _actors()
    n_templates = min(n_cases, templates)
    stages = _plan_templates(n_templates)
    template_ids = _create_templates(n_templates, departments, actors, progress)
    templates_done = time.perf_counter()
    prepared = [_Template(db.session.get(Case, cid)) for cid in template_ids]
    plan = _clone_plan(prepared, stages, n_cases - n_templates)
    rng = random.Random(n_cases * 7919 + len(template_ids))
    for i in range(0, len(plan), BATCH_CASES):
        batch = plan[i:i + BATCH_CASES]
        with unit_of_work():
            _clone_batch(batch, rng)
        if progress:
            progress(len(batch))
    if db.engine.dialect.name == "postgresql":
        with unit_of_work():
            db.session.execute(text("ANALYZE"))
    open_total = db.session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.status == "open"))
    return {"cases": n_cases, "templates": n_templates, "clones": len(plan), "open_tasks_total": open_total,
            "template_seconds": round(templates_done - started, 1),
            "seconds": round(time.perf_counter() - started, 1)}
