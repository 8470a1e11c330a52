"""Decision tables as versioned data: drafts, validation, publication with an effective date, the
version in force on a day, decisions with their provenance, decision tests and change summaries.

Designers draft (role `designer`); a rule approver (`rule_approver`) publishes a draft with a note
and the Asia/Shanghai calendar day it comes into force — never before today — and every
publication is written to the audit log. A decision is always taken with the version in force on
the day that matters (the decision date, the source decision's date, …), so a case decided before
a change keeps the old values and one decided after gets the new ones."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, undefer

from app.audit import service as audit
from app.core.clock import clock
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_, Message, sentence
from app.core.transaction import unit_of_work
from app.engine import dmn
from app.org.models import User
from app.rules.models import DRAFT, PUBLISHED, DecisionDefinition, DecisionVersion

APPROVER, DESIGNER = "rule_approver", "designer"
NOTE_MAX = 2000


@dataclass(frozen=True)
class DecisionSummary:
    key: str
    name: str
    in_force: DecisionVersion | None  # the version in force today
    scheduled: list[DecisionVersion]  # published, coming into force after today (earliest first)
    drafts: list[DecisionVersion]


@dataclass(frozen=True)
class Decided:
    """A decision taken: outputs ({name: value}, or a list of them for COLLECT tables), the rows
    (1-based) that matched, and which version (number, id, effective date) of which table gave them.
    values: output name -> the row that gave it (single-hit tables)."""

    key: str
    name: str
    version: int
    version_id: int
    effective_from: date
    on: date
    outputs: dict | list
    rows: list[int]
    values: dict[str, int] = field(default_factory=dict)
    before_first: bool = False  # `on` precedes every version: the first one decided (see _first_version)

    def provenance(self) -> dict:
        """Plain data for a timeline event: which decision, version, effective date and rows."""
        return {"decision": self.key, "decision_name": self.name, "version": self.version,
                "version_id": self.version_id, "effective_from": self.effective_from.isoformat(),
                "on": self.on.isoformat(), "rows": self.rows, "outputs": self.outputs, "values": self.values,
                "before_first": self.before_first}


@dataclass(frozen=True)
class DecisionTestResult:
    name: str
    passed: bool
    inputs: dict
    expected: Any
    actual: Any
    rows: list[int]
    message: str = ""


# ---------------------------------------------------------------- reading

def _definition(key: str) -> DecisionDefinition:
    definition = db.session.scalar(select(DecisionDefinition).where(DecisionDefinition.key == key))
    if definition is None:
        raise NotFound(_("决策表 %(key)s 不存在", key=repr(key)))
    return definition


def keys() -> list[str]:
    """Every known decision key (what a business rule task's cx:decision may name)."""
    return list(db.session.scalars(select(DecisionDefinition.key).order_by(DecisionDefinition.key)))


def get_version(version_id: int) -> DecisionVersion:
    """One version; NotFound (404) when there is none with that id."""
    version = db.session.get(DecisionVersion, version_id)
    if version is None:
        raise NotFound(_("决策表版本不存在"))
    return version


def versions(key: str) -> list[DecisionVersion]:
    """Every version of a table, newest first; NotFound for an unknown key."""
    definition = _definition(key)
    return list(db.session.scalars(select(DecisionVersion).where(DecisionVersion.definition_id == definition.id)
                                   .order_by(DecisionVersion.version.desc())))


def _in_force_query(definition_id: int, on: date):
    return (select(DecisionVersion)
            .where(DecisionVersion.definition_id == definition_id, DecisionVersion.status == PUBLISHED,
                   DecisionVersion.effective_from <= on)
            .order_by(DecisionVersion.effective_from.desc(), DecisionVersion.version.desc()).limit(1))


def in_force(key: str, on: date) -> DecisionVersion:
    """The published version in force on `on` (an Asia/Shanghai calendar day): the greatest
    effective_from on or before it, ties to the highest version, with its XML and definition loaded
    (one statement; a decision inside an engine step costs one read and flushes nothing). NotFound
    when the key is unknown or no version was in force yet on that day."""
    with db.session.no_autoflush:
        version = db.session.scalar(
            select(DecisionVersion).join(DecisionVersion.definition)
            .where(DecisionDefinition.key == key, DecisionVersion.status == PUBLISHED, DecisionVersion.effective_from <= on)
            .order_by(DecisionVersion.effective_from.desc(), DecisionVersion.version.desc()).limit(1)
            .options(undefer(DecisionVersion.xml), contains_eager(DecisionVersion.definition)))
    if version is None:
        definition = _definition(key)
        raise NotFound(_("决策表“%(name)s”（%(key)s）在 %(day)s 没有生效的版本",
                         name=definition.name, key=key, day=on.isoformat()))
    return version


def list_decisions() -> list[DecisionSummary]:
    """Every table with its version in force today, the published versions scheduled after today and
    its drafts (ordered by key)."""
    today = clock.today()
    result = []
    for definition in db.session.scalars(select(DecisionDefinition).order_by(DecisionDefinition.key)):
        current = db.session.scalar(_in_force_query(definition.id, today))
        all_versions = versions(definition.key)
        scheduled = sorted((v for v in all_versions if v.status == PUBLISHED and v.effective_from > today),
                           key=lambda v: (v.effective_from, v.version))
        drafts = [v for v in all_versions if v.status == DRAFT]
        result.append(DecisionSummary(definition.key, definition.name, current, scheduled, drafts))
    return result


def validate(xml: bytes | str) -> list[dmn.Problem]:
    """Every problem of a DMN document ([] when it may be saved and published); see app.engine.dmn.validate.
    Each Problem has message (Chinese), row (1-based) or None, column or None."""
    return dmn.validate(xml)


# ---------------------------------------------------------------- deciding

def decide(key: str, inputs: dict, *, on: date) -> Decided:
    """Take the decision `key` for `inputs` ({input variable: value}) with the version in force on
    `on`. Raises NotFound (no such table / no version in force that day) or dmn.DecisionError (422:
    no row matched a UNIQUE/FIRST table, several rows matched a UNIQUE one, a cell failed)."""
    try:
        version = in_force(key, on)
    except NotFound:
        version = _first_version(key, on)
    table = dmn.table_of(version.xml)
    result = dmn.evaluate(table, inputs, time_limit=current_app.config["SCRIPT_TIME_LIMIT_SECONDS"])
    return Decided(key=key, name=version.definition.name, version=version.version, version_id=version.id,
                   effective_from=version.effective_from, on=on, outputs=result.outputs, rows=result.rows,
                   values=result.values, before_first=on < version.effective_from)


def _first_version(key: str, on: date) -> DecisionVersion:
    """The first published version of `key`, for a day before any version came into force: the
    product holds no older rule (a penalty decided in 2025 is registered and published today, and
    NDRC Order 36's windows of 2026-04-01 are the oldest on record), so the oldest rule decides and
    the timeline says the day preceded it. NotFound when nothing of `key` is published."""
    with db.session.no_autoflush:
        version = db.session.scalar(
            select(DecisionVersion).join(DecisionVersion.definition)
            .where(DecisionDefinition.key == key, DecisionVersion.status == PUBLISHED)
            .order_by(DecisionVersion.effective_from, DecisionVersion.version).limit(1)
            .options(undefer(DecisionVersion.xml), contains_eager(DecisionVersion.definition)))
    if version is None:
        definition = _definition(key)
        raise NotFound(_("决策表“%(name)s”（%(key)s）在 %(day)s 没有生效的版本",
                         name=definition.name, key=key, day=on.isoformat()))
    return version


def decide_for_engine(key: str, inputs: dict, on: date) -> tuple[dict | list, dict]:
    """The engine's decision hook (registered by the factory): (outputs, provenance). A table without
    a version in force that day fails the step (dmn.DecisionError, 422) rather than reading as a 404."""
    try:
        decided = decide(key, inputs, on=on)
    except NotFound as exc:
        raise dmn.DecisionError(exc.message) from exc
    return decided.outputs, decided.provenance()


def describe(step: str, provenance: dict) -> Message:
    """One timeline line for a decision taken by a business rule task `step`: which table, version,
    effective date and row gave each value, e.g. "确定公开期限：失信信息公开期限（publication_window）
    第 1 版（2026-04-01 起施行），第 2 行：min_months = 3，max_months = 12" (a Message: read in the
    reader's language)."""
    params = {"step": step, "table": provenance.get("decision_name"), "decision": provenance.get("decision"),
              "version": provenance.get("version"), "effective": provenance.get("effective_from"),
              "rows": [str(r) for r in provenance.get("rows") or []]}
    labels = ("step", "table")
    early = provenance.get("before_first")
    if early:
        params["on"] = provenance.get("on")
    outputs = provenance.get("outputs")
    if isinstance(outputs, list):
        params["n"] = len(outputs)
        return sentence(N_("%(step)s：%(table)s（%(decision)s）第 %(version)s 版（%(effective)s 起施行）（%(on)s 早于该表最早版本的"
                          "施行日期，按最早版本办理），命中第 %(rows)s 行，共 %(n)s 条") if early else
                       N_("%(step)s：%(table)s（%(decision)s）第 %(version)s 版（%(effective)s 起施行），命中第 %(rows)s 行，"
                          "共 %(n)s 条"), labels=labels, **params)
    params["values"] = "，".join(f"{name} = {value}" for name, value in (outputs or {}).items())
    return sentence(N_("%(step)s：%(table)s（%(decision)s）第 %(version)s 版（%(effective)s 起施行）（%(on)s 早于该表最早版本的"
                      "施行日期，按最早版本办理），第 %(rows)s 行：%(values)s") if early else
                   N_("%(step)s：%(table)s（%(decision)s）第 %(version)s 版（%(effective)s 起施行），第 %(rows)s 行：%(values)s"),
                   labels=labels, **params)


# ---------------------------------------------------------------- changing

def _refused(problems: list[dmn.Problem]) -> ValidationFailed:
    return ValidationFailed(_("决策表有 %(n)s 个问题，未保存", n=len(problems)), {"xml": [str(p) for p in problems]})


def save_draft(user: User, key: str, xml: str | bytes, *, comment: str = "") -> DecisionVersion:
    """Save a designer's draft of table `key` (one transaction): the open draft is replaced, else a new
    draft version is added. Forbidden (403) for anyone but a designer; NotFound for an unknown key;
    ValidationFailed (422, fields {"xml": [...]}) when the table has problems or names another key."""
    if not user.has_role(DESIGNER):
        raise Forbidden(_("只有流程设计员可以起草决策表"))
    with unit_of_work():
        definition = _definition(key)
        try:
            table = dmn.parse_dmn(xml, f"{key}.dmn")
        except dmn.DecisionRefused as exc:
            raise _refused(exc.problems) from None
        if table.key != key:
            raise _refused([dmn.Problem(_("决策 id 必须是 %(key)s，而不是 %(other)s", key=key, other=table.key))])
        if missing := _outputs_dropped(definition.id, table):
            raise _refused([dmn.Problem(_("缺少现行版本的输出列 %(names)s：流程和脚本按这些名称读取决策结果，改名或删除会使案件无法办理",
                                          names="、".join(missing)))])
        draft = db.session.scalar(select(DecisionVersion).where(DecisionVersion.definition_id == definition.id,
                                                                DecisionVersion.status == DRAFT)
                                  .order_by(DecisionVersion.version.desc()).limit(1))
        if draft is None:
            draft = DecisionVersion(definition_id=definition.id, version=_next_number(definition.id), status=DRAFT)
            db.session.add(draft)
        draft.xml, draft.content_hash, draft.comment = table.xml, table.content_hash, (comment or "").strip()[:NOTE_MAX]
        draft.created_by_id, draft.created_at = user.id, clock.now()
        db.session.flush()
        audit.record(user, "rule.drafted", f"起草决策表 {definition.name}（{key}）第 {draft.version} 版",
                     {"decision": key, "version": draft.version})
    return draft


def _outputs_dropped(definition_id: int, table: dmn.Table) -> list[str]:
    """Output names of the newest published version that `table` no longer gives (processes read
    decision results by these names: a renamed output fails every case that takes the decision)."""
    published = db.session.scalar(select(DecisionVersion).where(DecisionVersion.definition_id == definition_id,
                                                                DecisionVersion.status == PUBLISHED)
                                  .order_by(DecisionVersion.version.desc()).limit(1))
    if published is None:
        return []
    given = {column.expression for column in table.outputs}
    return [column.expression for column in dmn.table_of(published.xml).outputs if column.expression not in given]


def _next_number(definition_id: int) -> int:
    return (db.session.scalar(select(func.max(DecisionVersion.version))
                              .where(DecisionVersion.definition_id == definition_id)) or 0) + 1


def publish(user: User, version_id: int, *, effective_from: date, note: str) -> DecisionVersion:
    """Publish a draft (one transaction), in force from `effective_from` (an Asia/Shanghai calendar
    day, today or later) with the approver's `note`; written to the audit log ("rule.published").
    Forbidden (403) unless the user is a rule approver; NotFound for an unknown version; Conflict
    (409) when it is not a draft; ValidationFailed (422) for a day before today, an empty note, or a
    table that no longer validates."""
    if not user.has_role(APPROVER):
        raise Forbidden(_("只有规则审批人可以发布决策表"))
    note = (note or "").strip()
    fields = {}
    if type(effective_from) is not date:  # a datetime is a date too, but not a calendar day
        fields["effective_from"] = [_("请填写生效日期")]
    elif effective_from < clock.today():
        fields["effective_from"] = [_("生效日期不能早于今天（%(today)s）", today=clock.today().isoformat())]
    if not note:
        fields["note"] = [_("请填写发布说明")]
    elif len(note) > NOTE_MAX:
        fields["note"] = [_("不能超过 %(n)s 个字", n=NOTE_MAX)]
    if fields:
        raise ValidationFailed(_("填写有误"), fields)
    with unit_of_work():
        version = get_version(version_id)
        if version.status != DRAFT:
            raise Conflict(_("该版本已发布，不能再次发布"))
        problems = dmn.validate(version.xml)
        if problems:
            raise _refused(problems)
        _publish(version, user, effective_from, note)
    return version


def _publish(version: DecisionVersion, user: User | None, effective_from: date, note: str) -> None:
    version.status, version.effective_from, version.publish_note = PUBLISHED, effective_from, note
    version.published_by_id, version.published_at = (user.id if user else None), clock.now()
    db.session.flush()
    definition = version.definition
    audit.record(user, "rule.published",
                 f"发布决策表 {definition.name}（{definition.key}）第 {version.version} 版，"
                 f"{effective_from.isoformat()} 起施行：{note}",
                 {"decision": definition.key, "version": version.version,
                  "effective_from": effective_from.isoformat(), "note": note})


def deploy_file(path: Path) -> tuple[DecisionVersion, bool]:
    """Deploy a shipped table (workflows/rules/<key>.dmn) in the caller's transaction: unless a version
    with the same content exists, add it published, in force from the file's cx:effectiveFrom (required
    here; the sync may date a shipped rule in the past, unlike an approver). Returns (version, created).
    Raises dmn.DecisionRefused naming the file and every problem."""
    table = dmn.parse_dmn(path.read_bytes(), path.name)
    if table.effective_from is None:
        raise dmn.DecisionRefused(path.name, [dmn.Problem("随代码发布的决策表必须在 decision 上写明 cx:effectiveFrom（生效日期）")])
    definition = db.session.scalar(select(DecisionDefinition).where(DecisionDefinition.key == table.key))
    if definition is None:
        definition = DecisionDefinition(key=table.key, name=table.name)
        db.session.add(definition)
        db.session.flush()
    else:
        existing = db.session.scalar(select(DecisionVersion).where(
            DecisionVersion.definition_id == definition.id, DecisionVersion.content_hash == table.content_hash,
            DecisionVersion.status == PUBLISHED).limit(1))
        if existing is not None:
            return existing, False
        definition.name = table.name
    version = DecisionVersion(definition_id=definition.id, version=_next_number(definition.id), xml=table.xml,
                              content_hash=table.content_hash, status=DRAFT, comment="workflows/rules 目录同步")
    db.session.add(version)
    db.session.flush()
    _publish(version, None, table.effective_from, f"随代码发布：{path.name}")
    return version, True


def rules_dir() -> Path:
    return Path(current_app.config["WORKFLOWS_DIR"]) / "rules"


def deploy_rules_dir() -> list[tuple[str, int, bool]]:
    """Deploy every workflows/rules/*.dmn whose content is new (one transaction) — idempotent.
    Returns (key, version number, created) per file."""
    result = []
    with unit_of_work():
        for path in sorted(rules_dir().glob("*.dmn")):
            version, created = deploy_file(path)
            result.append((version.definition.key, version.version, created))
    return result


# ---------------------------------------------------------------- comparing

def compare_xml(old_xml: str | None, new_xml: str) -> dict:
    """Rows added / removed / changed (with their cells) from old_xml to new_xml (see
    app.engine.dmn.change_summary). ValidationFailed (422) when new_xml cannot be read."""
    try:
        new = dmn.parse_dmn(new_xml)
    except dmn.DecisionRefused as exc:
        raise _refused(exc.problems) from None
    return dmn.change_summary(dmn.table_of(old_xml) if old_xml else None, new)


def change_summary(version_id: int | None = None, *, key: str | None = None, xml: str | None = None) -> dict:
    """What a version (version_id) or a draft being edited (key + xml) changes against the version in
    force today; for the version in force itself, against the one in force before it. Adds "against":
    {"version", "effective_from"} or None when nothing was in force."""
    if version_id is not None:
        version = get_version(version_id)
        definition, new_xml = version.definition, version.xml
    else:
        definition, new_xml, version = _definition(key or ""), xml or "", None
    base = db.session.scalar(_in_force_query(definition.id, clock.today()))
    if version is not None and base is not None and base.id == version.id:
        base = db.session.scalar(
            select(DecisionVersion).where(DecisionVersion.definition_id == definition.id,
                                          DecisionVersion.status == PUBLISHED, DecisionVersion.id != version.id,
                                          DecisionVersion.effective_from <= version.effective_from,
                                          DecisionVersion.version < version.version)
            .order_by(DecisionVersion.effective_from.desc(), DecisionVersion.version.desc()).limit(1))
    summary = compare_xml(base.xml if base else None, new_xml)
    summary["against"] = ({"version": base.version, "effective_from": base.effective_from.isoformat()}
                          if base else None)
    return summary


# ---------------------------------------------------------------- decision tests

def load_tests(key: str) -> list[dict]:
    """The decision tests of a table: workflows/rules/tests/<key>.json, {"decision": key, "tests":
    [{"name", "inputs": {...}, "expected": {...} | [{...}, ...], "rows": [...] (optional)}]}; [] if none."""
    path = rules_dir() / "tests" / f"{key}.json"
    if not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["tests"]


def _matches(expected, actual) -> bool:
    """Expected outputs are a subset of the actual ones (a test names only the values it is about);
    for COLLECT tables, the same number of items, each matching in order."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and actual[k] == v for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(_matches, expected, actual))
    return False


def run_decision_tests(key: str, *, xml: str | None = None) -> list[DecisionTestResult]:
    """Run the decision tests of `key` against `xml` (a draft being edited) or, when None, the version in
    force today. NotFound for an unknown key or no version in force; ValidationFailed for unreadable xml."""
    if xml is None:
        table = dmn.table_of(in_force(key, clock.today()).xml)
    else:
        _definition(key)
        try:
            table = dmn.parse_dmn(xml)
        except dmn.DecisionRefused as exc:
            raise _refused(exc.problems) from None
    results = []
    for number, test in enumerate(load_tests(key), 1):
        name = test.get("name") or f"#{number}"
        inputs, expected, rows = test.get("inputs") or {}, test.get("expected"), test.get("rows")
        try:
            result = dmn.evaluate(table, inputs, time_limit=current_app.config["SCRIPT_TIME_LIMIT_SECONDS"])
        except dmn.DecisionError as exc:
            results.append(DecisionTestResult(name, False, inputs, expected, None, [], exc.message))
            continue
        passed = _matches(expected, result.outputs) and (rows is None or rows == result.rows)
        message = "" if passed else (f"期望命中第 {rows} 行，实际第 {result.rows} 行" if rows is not None and rows != result.rows
                                     else "输出与期望不符")
        results.append(DecisionTestResult(name, passed, inputs, expected, result.outputs, result.rows, message))
    return results
