"""Designer services. Validation and deployment go through the same engine code as the CLI."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import engine, forms
from app.audit import service as audit
from app.cases.models import Case
from app.cases.timeline import record_event
from app.core.clock import clock
from app.designer.deployment import deploy_bytes
from app.designer.process_tests import CaseResult, load_tests, run_case
from app.engine import sandbox
from app.engine.definitions import BPMN_NS
from app.engine.xmlsafe import UnsafeXml, parse_xml, xml_text
from app.forms.models import FormVersion
from app.core.errors import NotFound, ValidationFailed
from app.incidents import service as incidents
from app.core.inputs import json_syntax_reason, load_json, optional_text, parse_int, required_text
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.org.models import ROLES, User
from app.tasks.models import HumanTask
from app.tasks.sync import apply_step, bindings_for
from app.core.transaction import unit_of_work

COMMENT_MAX_CHARS = 2000  # a version's note (说明) for a process or form version


@dataclass
class VersionInfo:
    version: engine.ProcessVersion
    running: int
    total: int
    summary: dict


def definitions() -> list[engine.ProcessDefinition]:
    return list(db.session.scalars(select(engine.ProcessDefinition).order_by(engine.ProcessDefinition.key)))


def get_definition(key: str) -> engine.ProcessDefinition:
    definition = db.session.scalar(select(engine.ProcessDefinition).where(engine.ProcessDefinition.key == key))
    if definition is None:
        raise NotFound(_("流程 %(key)s 不存在", key=key))
    return definition


def versions(definition: engine.ProcessDefinition) -> list[VersionInfo]:
    counts = dict(db.session.execute(
        select(engine.ProcessInstance.version_id, func.count()).where(engine.ProcessInstance.status.in_(engine.ACTIVE_STATUSES))
        .group_by(engine.ProcessInstance.version_id)).all())
    totals = dict(db.session.execute(
        select(engine.ProcessInstance.version_id, func.count()).group_by(engine.ProcessInstance.version_id)).all())
    return [VersionInfo(v, counts.get(v.id, 0), totals.get(v.id, 0), json.loads(v.change_summary_json or "{}"))
            for v in reversed(definition.versions)]


def draft(key: str) -> engine.ProcessDraft | None:
    return db.session.scalar(select(engine.ProcessDraft).where(engine.ProcessDraft.key == key))


def drafts() -> list[engine.ProcessDraft]:
    """Every saved draft, by process key."""
    return list(db.session.scalars(select(engine.ProcessDraft).order_by(engine.ProcessDraft.key)))


def get_draft(key: str) -> engine.ProcessDraft:
    """The draft of a process; NotFound when there is none."""
    row = draft(key)
    if row is None:
        raise NotFound(_("流程 %(key)s 没有草稿", key=key))
    return row


def delete_draft(key: str) -> None:
    """Discard the draft of a process (its deployed versions stay); NotFound when there is none."""
    with unit_of_work():
        db.session.delete(get_draft(key))


NEW_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0"
  id="defs_{key}" targetNamespace="https://chengxin.example.org/processes">
  <bpmn:collaboration id="collab_{key}"><bpmn:participant id="pool_{key}" name="{name}" processRef="{key}" /></bpmn:collaboration>
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="lanes_{key}">
      <bpmn:lane id="lane_recorder" name="信息录入员" cx:role="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_reviewer" name="审核员" cx:role="reviewer"><bpmn:flowNodeRef>finish</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="begin" name="开始" cx:form="record_register"><bpmn:outgoing>flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="finish" name="结束"><bpmn:incoming>flow_1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_1" sourceRef="begin" targetRef="finish" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}"><bpmndi:BPMNPlane id="plane_{key}" bpmnElement="collab_{key}">
    <bpmndi:BPMNShape id="pool_{key}_di" bpmnElement="pool_{key}" isHorizontal="true"><dc:Bounds x="100" y="60" width="900" height="400" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="lane_recorder_di" bpmnElement="lane_recorder" isHorizontal="true"><dc:Bounds x="130" y="60" width="870" height="200" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="lane_reviewer_di" bpmnElement="lane_reviewer" isHorizontal="true"><dc:Bounds x="130" y="260" width="870" height="200" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="begin_di" bpmnElement="begin"><dc:Bounds x="200" y="142" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="finish_di" bpmnElement="finish"><dc:Bounds x="800" y="342" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="flow_1_di" bpmnElement="flow_1"><di:waypoint x="236" y="160" /><di:waypoint x="818" y="160" /><di:waypoint x="818" y="342" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def xml_for(key: str, source: str = "draft") -> str:
    """The XML to open in the modeler: the draft if any, else the newest version (or version N,
    `source` being its number). Raises NotFound for a version that does not exist, BadRequest for a
    number beyond any version."""
    if source[:1].isdigit():
        number = parse_int(source, "source", minimum=1)
        version = db.session.scalar(select(engine.ProcessVersion).join(engine.ProcessDefinition).where(
            engine.ProcessDefinition.key == key, engine.ProcessVersion.version == number))
        if version is None:
            raise NotFound(_("流程 %(key)s 没有第 %(n)s 版", key=key, n=source))
        return version.bpmn_xml
    if source == "draft" and (row := draft(key)) is not None:
        return row.bpmn_xml
    latest = engine.latest_version(key)
    if latest is None:
        return NEW_PROCESS.format(key=key, name=_("新流程"))
    return latest.bpmn_xml


def _process_key(data: bytes) -> tuple[str, str]:
    """(process id, the document as text to store) of an uploaded BPMN file."""
    root = parse_xml(data, max_bytes=_max_bytes(), filename="draft.bpmn")
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1 or not processes[0].get("id"):
        raise ValidationFailed(_("文件必须只包含一个有 id 的流程"), {"bpmn": [_("文件必须只包含一个有 id 的流程")]})
    problems = engine.process_id_problems(processes[0].get("id"), processes[0].get("name"))
    if problems:  # the same check as deployment's: a draft must be storable, openable and deletable
        raise ValidationFailed(_("流程 id 或名称无效，未保存"), {"bpmn": [str(p) for p in problems]})
    return processes[0].get("id"), xml_text(data, root)


def _max_bytes() -> int:
    from flask import current_app

    return current_app.config["BPMN_MAX_BYTES"]


def save_draft(user: User, key: str | None, data: bytes) -> engine.ProcessDraft:
    """Save work in progress (checked for safe, well-formed XML, not for deployability)."""
    try:
        found, text = _process_key(data)
    except UnsafeXml as exc:
        raise ValidationFailed(exc.message, {"bpmn": [exc.message]}) from None
    if key and found != key:
        raise ValidationFailed(_("流程 id 不能修改（应为 %(key)s，实际为 %(found)s）", key=key, found=found),
                               {"bpmn": [_("流程 id 不能修改")]})
    with unit_of_work():
        row = draft(found) or engine.ProcessDraft(key=found)
        row.bpmn_xml, row.updated_by_id, row.updated_at = text, user.id, clock.now()
        db.session.add(row)
    return row


def validate(data: bytes) -> list[engine.Problem]:
    """Every problem the server finds (the same checks as deployment); [] when deployable."""
    try:
        engine.parse_bpmn(data, "draft.bpmn", roles=ROLES, forms=forms.form_keys())
    except engine.DeployRefused as exc:
        return exc.problems
    except UnsafeXml as exc:
        return [engine.Problem("", "", exc.message)]
    return []


def problem_dicts(problems: list[engine.Problem]) -> list[dict]:
    """Problems as JSON: `[{element_id, element_name, message}]` (the modeler and the API)."""
    return [{"element_id": p.element_id, "element_name": p.element_name, "message": p.message} for p in problems]


def compile_source(source: str, mode: str) -> tuple[bool, str]:
    try:
        if mode == "script":
            sandbox.compile_script(source, functions=engine.callable_names())
        else:
            sandbox.compile_expression(source, functions=engine.callable_names())
    except sandbox.SandboxError as exc:
        return False, str(exc)
    return True, _("可以运行")


def deploy(user: User, data: bytes, comment: str) -> engine.ProcessVersion:
    """Deploy a new version from the modeler; the draft is discarded once deployed."""
    comment = required_text(comment, "comment", _("版本说明"), max_chars=COMMENT_MAX_CHARS)
    key = _process_key(data)[0]
    version, created = deploy_bytes(data, f"{key}.bpmn", author_id=user.id, comment=comment)
    if not created:
        raise ValidationFailed(_("内容与第 %(n)s 版相同，没有部署新版本", n=version.version),
                               {"bpmn": [_("内容与第 %(n)s 版相同", n=version.version)]})
    with unit_of_work():
        if (row := draft(key)) is not None:
            db.session.delete(row)
    return version


def _version(definition: engine.ProcessDefinition, number: int) -> engine.ProcessVersion:
    for v in definition.versions:
        if v.version == number:
            return v
    raise NotFound(_("流程 %(key)s 没有第 %(n)s 版", key=definition.key, n=number))


def migration_plan(key: str, source: int, target: int) -> list[tuple[Case, engine.MigrationPlan]]:
    """Dry run: what would move from version `source` to `target`, and what cannot and why."""
    definition = get_definition(key)
    src, dst = _version(definition, source), _version(definition, target)
    instances = db.session.scalars(select(engine.ProcessInstance).where(
        engine.ProcessInstance.version_id == src.id, engine.ProcessInstance.status.in_(engine.ACTIVE_STATUSES))
        .order_by(engine.ProcessInstance.id))
    result = []
    for instance in instances:
        case = db.session.scalar(select(Case).where(Case.instance_id == instance.id))
        result.append((case, engine.plan_migration(instance, dst)))
    return result


def migrate(user: User, key: str, source: int, target: int) -> tuple[list[str], list[str]]:
    """Move every movable case of `source` to `target` (one transaction); a blocked case is
    retried on the target right after its move (its incident resolves as migrated). Returns
    (moved case numbers, refused case numbers)."""
    moved, refused = [], []
    with unit_of_work():
        definition = get_definition(key)
        dst = _version(definition, target)
        for case, plan in migration_plan(key, source, target):
            if not plan.possible:
                refused.append(case.number)
                continue
            instance = db.session.get(engine.ProcessInstance, case.instance_id, with_for_update=True)
            started = {t.task_guid: t.created_at for t in db.session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open"))}
            result = engine.migrate(instance, dst, bindings_for(case), started)
            apply_step(case, instance, result)
            record_event(case, "process.migrated", sentence(N_("%(actor)s 将流程从第 %(source)s 版迁移到第 %(target)s 版"),
                                                           actor=user.full_name, source=source, target=target),
                         {"from": source, "to": target, "waiting": plan.waiting}, actor_id=user.id)
            incidents.after_migration(user, case, instance, target)  # a blocked case is retried on the target
            moved.append(case.number)
        if moved:
            audit.record(user, "process.migrated", f"将流程 {key} 的 {len(moved)} 件案件从第 {source} 版迁移到第 {target} 版",
                         {"process": key, "from": source, "to": target, "cases": moved})
    return moved, refused


def form_overview() -> list[dict]:
    rows = db.session.execute(select(FormVersion.key, func.max(FormVersion.version)).group_by(FormVersion.key)
                              .order_by(FormVersion.key)).all()
    return [{"key": key, "version": version, "title": forms.load_form(key, version).get("title", key)}
            for key, version in rows]


def parse_schema(text: str):
    """A form schema from the editor's text. Raises ValidationFailed naming `schema` when it is
    not JSON (with line and reason) or is refused by load_json (too deep, NaN, unstorable text)."""
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        message = _("JSON 格式错误：%(reason)s", reason=json_syntax_reason(exc))
    except ValueError as exc:
        message = _("JSON 无法使用：%(reason)s", reason=str(exc))
    raise ValidationFailed(message, {"schema": [message]})


def save_form(user: User, key: str, text: str, comment: str):
    """Save the form editor's text as the next version of form `key` (None when unchanged).
    Raises ValidationFailed naming `schema` (not JSON, or problems of the schema) or `key`."""
    return save_form_schema(user, key, parse_schema(text), comment)


def save_form_schema(user: User, key: str, schema, comment: str):
    """Save a form schema (already parsed) as the next version of form `key`; None when unchanged."""
    comment = optional_text(comment, "comment", _("版本说明"), max_chars=COMMENT_MAX_CHARS)
    with unit_of_work():
        row = forms.save_form(key, schema, author_id=user.id, comment=comment)
        audit.record(user, "form.saved", f"保存表单 {key}" + (f"：{comment}" if comment else ""), {"form": key})
    return row


def run_process_tests(key: str) -> list[CaseResult] | None:
    """Run the stored tests of a process (workflows/tests/<key>.json), each in a transaction that
    is rolled back; None when the process has none. Raises DomainError for a bad test file."""
    get_definition(key)
    spec = load_tests(key)
    if spec is None:
        return None
    results = [run_case(key, case) for case in spec.get("cases", [])]
    db.session.rollback()
    return results

