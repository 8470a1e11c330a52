"""Marshmallow schemas of the JSON API v1."""
from __future__ import annotations

from flask import g, url_for
from flask_babel import lazy_gettext
from marshmallow import Schema, fields, validate

from app import forms
from app.auth.passwords import PASSWORD_MAX
from app.calendar.models import DAY_NAME_MAX
from app.cases.attachments import step_label
from app.complaints.service import FIELDS as COMPLAINT_FIELDS
from app.cases.decisions import kind_label
from app.cases.models import CASE_STATUSES, KEY_AREAS, SOURCE_TYPES, TIERS
from app.cases.notes import NOTE_MAX_CHARS
from app.cases.timeline import CATEGORIES as TIMELINE_CATEGORIES
from app.complaints.models import CHANNELS
from app.complaints.service import CATEGORY_MAX as COMPLAINT_CATEGORY_MAX
from app.complaints.service import CHANNEL_ALIASES
from app.complaints.service import EXTERNAL_ID_MAX as COMPLAINT_EXTERNAL_ID_MAX
from app.complaints.service import FIELDS as COMPLAINT_FIELDS
from app.complaints.service import TEXT_MAX as COMPLAINT_TEXT_MAX
from app.documents.service import REASON_MAX_CHARS as CORRECTION_REASON_MAX
from app.incidents.service import REASON_MAX as INCIDENT_REASON_MAX
from app.core.inputs import DB_INT_MAX
from app.notifications.models import NOTIFICATION_KINDS
from app.org.models import DEPARTMENT_KINDS, DEPARTMENT_NAME_MAX, FULL_NAME_MAX, ROLES
from app.org.service import with_choices
from app.tasks.service import task_form, task_variables
from app.tasks.routing import can_act_on

# What Function/Method fields answer, for the OpenAPI document (apispec cannot infer it from a lambda).
TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
TEXT_LIST = {"type": "array", "items": {"type": "string"}}


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX))


class CaseCreateSchema(Schema):
    process = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(required=True)


class CompleteSchema(Schema):
    data = fields.Dict(required=True)


_MESSAGE_NAMES = ("source_revoked", "objection")  # app.cases.events.MESSAGES (checked in tests)
_MESSAGE_FIELD = {"description": "消息：source_revoked 来源决定被撤销（条例第37条，字段见 source_revocation 表单："
                                 "revoking_authority、revocation_document_number、revoked_on、revocation_reason）；objection 提出异议"
                                 "（第36条，late_objection 表单：objection_grounds、commitment）/ the message: source_revoked "
                                 "(Art. 37) or objection (Art. 36); `data` is checked against its form"}


class CaseEventSchema(Schema):
    message = fields.String(required=True, validate=validate.OneOf(_MESSAGE_NAMES), metadata=_MESSAGE_FIELD)
    data = fields.Dict(required=True, metadata={"description": "消息表单的数据 / the message form's data"})


class CorrelatedEventSchema(CaseEventSchema):
    document_number = fields.String(required=True, validate=validate.Length(min=1, max=80), metadata={
        "description": "关联键：来源文书编号（登记时的 document_number）/ correlation key: the source document number"})


class ReassignSchema(Schema):
    assignee_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=DB_INT_MAX))


class DeployRequestSchema(Schema):
    xml = fields.String(required=True, validate=validate.Length(min=1))
    comment = fields.String(required=True, validate=validate.Length(max=500))


class ValidateRequestSchema(Schema):
    xml = fields.String(required=True, validate=validate.Length(min=1))


class DepartmentSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.Function(lambda d: DEPARTMENT_KINDS.get(d.kind, d.kind), metadata=TEXT)
    district_id = fields.Integer(allow_none=True, metadata={"description": "所属区 / the district it belongs to"})
    active = fields.Boolean()


# --- administration (the admin pages' forms; the service checks content and answers in Chinese)

ID = {"strict": True, "validate": validate.Range(min=1, max=DB_INT_MAX)}


class UserProfileSchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(max=FULL_NAME_MAX))
    department_id = fields.Integer(required=True, **ID)
    roles = fields.List(fields.String(validate=validate.Length(max=40)), required=True,
                        metadata={"description": f"角色代码 / role codes: {', '.join(ROLES)}"})
    scope_district_id = fields.Integer(allow_none=True, load_default=None, **ID,
                                       metadata={"description": "办理范围（区政府 id，仅审核员、督导员）/ district scope"})


class UserCreateSchema(UserProfileSchema):
    username = fields.String(required=True, validate=validate.Length(max=60))
    password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))


class PasswordSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))


class OwnPasswordSchema(Schema):
    current = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))
    new = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))
    confirm = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))


class LanguageSchema(Schema):
    lang = fields.String(required=True, validate=validate.Length(max=10), metadata={"description": "zh_CN 或 / or en"})


class DepartmentProfileSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=DEPARTMENT_NAME_MAX))
    kind = fields.String(required=True, validate=validate.Length(max=20),
                         metadata={"description": f"单位类型 / kind: {', '.join(DEPARTMENT_KINDS)}"})
    district_id = fields.Integer(allow_none=True, load_default=None, **ID)


class DepartmentCreateSchema(DepartmentProfileSchema):
    code = fields.String(required=True, validate=validate.Length(max=40))


class CalendarDayRequestSchema(Schema):
    kind = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=20),
                         metadata={"description": "holiday、workday，或 null 恢复为普通日 / or null for an ordinary day"})
    name = fields.String(load_default="", validate=validate.Length(max=DAY_NAME_MAX))


class CalendarDaySchema(Schema):
    day = fields.String(required=True, metadata={"format": "date"})
    kind = fields.String(required=True, metadata={"description": "holiday | workday | weekend | normal"})
    name = fields.String(required=True)


class CivilServantSchema(Schema):
    """What the web form's choice shows: name, unit, position (no staff number)."""
    id = fields.Integer()
    name = fields.String()
    position = fields.String(allow_none=True)
    department = fields.Function(lambda s: s.department.code, metadata=TEXT)
    department_name = fields.Function(lambda s: s.department.name, metadata=TEXT)


class PersonSchema(Schema):
    """A colleague as the reassign form lists them."""
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    department = fields.Function(lambda u: u.department.code, metadata=TEXT)
    department_name = fields.Function(lambda u: u.department.name, metadata=TEXT)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda n: NOTIFICATION_KINDS.get(n.kind, n.kind), metadata=TEXT)
    title = fields.String()
    body = fields.String()
    case_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    roles = fields.Method("_roles", metadata=TEXT_LIST)
    role_labels = fields.Method("_role_labels", metadata=TEXT_LIST)
    department = fields.Nested(DepartmentSchema)
    scope_district_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    locale = fields.String(allow_none=True, metadata={"description": "界面语言 / language (zh_CN, en)"})

    def _roles(self, user):
        return sorted(user.roles)

    def _role_labels(self, user):
        return [ROLES[r] for r in sorted(user.roles)]


class TaskSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.Function(lambda t: t.case.number, metadata=TEXT)
    name = fields.String()
    element = fields.String(attribute="bpmn_id")
    role = fields.String()
    status = fields.String()
    form_key = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    claimed_by = fields.Function(lambda t: t.claimed_by.username if t.claimed_by else None, metadata=TEXT_OR_NULL)
    completed_by = fields.Function(lambda t: t.completed_by.username if t.completed_by else None, metadata=TEXT_OR_NULL)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    state = fields.Function(lambda t: t.hold or t.status, metadata={
        "type": "string", "enum": ["open", "blocked", "suspended", "completed", "cancelled"],
        "description": "open 可办理；blocked 案件因异常阻塞、suspended 案件已暂停（均不可办理）/ "
                       "blocked: the case waits on an incident; suspended: the case is suspended (neither completable)"})
    hold_reason = fields.Function(lambda t: t.instance.error if t.hold == "blocked" else None, metadata={
        **TEXT_OR_NULL, "description": "阻塞时的异常信息 / the incident's error while blocked"})


class CaseFileValueSchema(Schema):
    field = fields.String(metadata={"description": "字段名 / field name"})
    label = fields.String(metadata={"description": "该表单的字段标题 / the form's own field title"})
    text = fields.String(metadata={"description": "供阅读的值（选项名称、单位名称、日期、是/否）/ the value as a reader sees it"})
    date = fields.Date(attribute="day", allow_none=True, metadata={"description": "日期字段的值 / the date, for date fields"})


class CaseFileFileSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer()
    step = fields.String(metadata={"description": "随附的环节 / the step the file came with"})
    uploaded_by = fields.String(metadata={"description": "上传人姓名 / who uploaded it"})
    uploaded_at = fields.DateTime()
    url = fields.Function(lambda f: url_for("api.download_attachment", case_id=f.case_id, attachment_id=f.id),
                          metadata=TEXT)


class CaseFileEntrySchema(Schema):
    kind = fields.String(metadata={"description": "case.registered（登记）或 task.completed（办理）"})
    element = fields.String(allow_none=True, metadata={"description": "BPMN 元素 id / element id"})
    form = fields.String(allow_none=True, metadata={"description": "表单代码 / form key"})
    step = fields.String(metadata={"description": "环节名称 / step name"})
    actor = fields.String(allow_none=True, metadata={"description": "办理人姓名 / who submitted"})
    at = fields.DateTime()
    values = fields.List(fields.Nested(CaseFileValueSchema))
    files = fields.List(fields.Nested(CaseFileFileSchema))
    repeated = fields.Boolean(metadata={"description": "该环节提交过不止一次 / the step was submitted more than once"})
    superseded = fields.Boolean(metadata={"description": "此前提交，已被该环节后续提交取代（最新一次为 false）/ "
                                                        "an earlier submission, replaced by a later one of the step"})


class TaskDetailSchema(TaskSchema):
    form = fields.Method("_form", metadata={"type": ["object", "null"],
                                            "description": "JSON Schema（选项已解析；today+var:变量名 日期界限已换算为日期）/ "
                                                           "with choices resolved and today+var:NAME date bounds as dates"})
    case_file = fields.List(fields.Nested(CaseFileEntrySchema), metadata={
        "description": "卷宗：此前各步骤提交的材料，新者在前（流程模型 cx:caseFile 声明的步骤）/ "
                       "the case file: what earlier steps submitted, newest first (the steps the model declares)"})

    initial_values = fields.Method("_initial_values", metadata={
        "type": "object", "description": "表单预填值（字段 x-default，如升级处理的失信事实、默认整改期限），"
                                         "仅对可办理该任务的用户 / the values the form starts with, for those who may act"})

    def _form(self, task):
        if not task.form_key:
            return None
        schema = task_form(task)[0]
        if forms.reads_variables(schema) and can_act_on(g.user, task):  # today+var:NAME bounds as dates
            schema = forms.with_variable_bounds(schema, task_variables(task))
        return with_choices(schema, g.user)

    def _initial_values(self, task):
        if not task.form_key or not can_act_on(g.user, task):
            return {}
        schema = task_form(task)[0]
        return forms.initial_values(schema, task_variables(task) if forms.reads_variables(schema) else {})


class TimelineEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    summary = fields.Function(lambda e: e.text, metadata={
        "type": "string", "description": "事件说明，用户所选语言 / what happened, in the user's language"})
    actor = fields.Function(lambda e: e.actor.username if e.actor else None, metadata=TEXT_OR_NULL)
    data = fields.Function(lambda e: e.details, metadata={"type": "object"})


class TimelineGroupSchema(Schema):
    event = fields.Nested(TimelineEventSchema, allow_none=True,
                          metadata={"description": "人工办理、决定、批注或文书；null：此前的系统步骤 / a person's step, "
                                                   "decision, note or document; null: engine steps before any"})
    category = fields.String(metadata={"enum": list(TIMELINE_CATEGORIES)})
    steps = fields.List(fields.Nested(TimelineEventSchema),
                        metadata={"description": "其后的系统步骤（网关、脚本、定时器）/ the engine steps that followed"})


class DecisionSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "决定类别，如 entry_review、plan_review、escalation / kind of decision"})
    kind_label = fields.Function(lambda d: kind_label(d), metadata=TEXT)
    task_id = fields.Integer(allow_none=True, metadata={"description": "null：系统决定 / null: a system decision"})
    step = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "结论代码（是/否字段为 true/false）/ outcome code"})
    outcome_label = fields.String(metadata={"description": "结论名称（决定时表单的 x-enum-labels）/ the outcome's name then"})
    reasons = fields.String(metadata={"description": "理由和意见 / reasons, the opinion"})
    legal_basis = fields.String(metadata={"description": "依据（政策条款、法规条文）/ legal basis"})
    actor = fields.Function(lambda d: d.actor.username if d.actor else None, metadata=TEXT_OR_NULL)
    actor_name = fields.Function(lambda d: d.actor.full_name if d.actor else None, metadata=TEXT_OR_NULL)
    at = fields.DateTime()


class NoteSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    text = fields.String()
    author = fields.Function(lambda n: n.author.username, metadata=TEXT)
    author_name = fields.Function(lambda n: n.author.full_name, metadata=TEXT)
    at = fields.DateTime()


class NoteCreateSchema(Schema):
    text = fields.String(required=True, metadata={"maxLength": NOTE_MAX_CHARS,
                                                  "description": "批注内容，去除首尾空白后不能为空 / stripped, not empty"})


class NoteListSchema(Schema):
    items = fields.List(fields.Nested(NoteSchema), required=True)


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.Function(lambda a: a.uploaded_by.username, metadata={
        "type": "string", "description": "上传人的用户名 / the uploader's username"})
    uploaded_by_name = fields.Function(lambda a: a.uploaded_by.full_name, metadata={
        "type": "string", "description": "上传人的显示名称 / the uploader's display name"})
    uploaded_at = fields.DateTime()
    step = fields.Function(step_label, metadata={
        "type": "string", "description": "随附的环节（任务名称）；在案件页面上传、不属于任何环节的为“补充材料” / "
                                         "the step the file came with; 补充材料 for a file uploaded outside a task"})
    url = fields.Function(lambda a: url_for("api.download_attachment", case_id=a.case_id, attachment_id=a.id),
                          metadata=TEXT)


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    process = fields.String(attribute="process_key")
    title = fields.String()
    subject_type = fields.String()
    subject = fields.Function(lambda c: c.subject_name, metadata=TEXT)
    subject_department = fields.Function(lambda c: c.subject_department.code, metadata=TEXT)
    source_type = fields.String(allow_none=True)
    source_type_label = fields.Function(lambda c: SOURCE_TYPES.get(c.source_type), metadata=TEXT_OR_NULL)
    document_number = fields.String(allow_none=True)
    key_area = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    tier_label = fields.Function(lambda c: TIERS.get(c.tier), metadata=TEXT_OR_NULL)
    status = fields.String(attribute="record_status")
    status_label = fields.Function(lambda c: CASE_STATUSES.get(c.record_status), metadata=TEXT_OR_NULL)
    publication_start = fields.Date(allow_none=True)
    publication_end = fields.Date(allow_none=True)
    repairable_from = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True, metadata={
        "description": "整改完成期限（预警案件，方案通过后）/ the rectification deadline of a warning, once its plan is accepted"})
    source_decided_on = fields.Date(allow_none=True, metadata={"description": "来源文书作出日期 / the source decision's date"})
    punishment_level = fields.String(metadata={"description": "惩戒程度：normal 依规、lighter 从轻、none 免于惩戒 / "
                                                              "punishment: normal, lighter, none"})
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))


# --- shapes the routes build as dicts: described here so the OpenAPI document (app/api/openapi.py)
# carries every answer; `ordered` keeps the spec stable.

class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "机器可读代码 / machine-readable code, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "中文说明 / human-readable message"})
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "逐字段的问题 / problems by field name"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(required=True, metadata={"description": "令牌有效期（秒，API_TOKEN_HOURS × 3600）/ "
                                                                        "seconds the token stays valid"})


class MeSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    warnings = fields.List(fields.String(), required=True)


class ProcessSchema(Schema):
    key = fields.String()
    name = fields.String()
    version = fields.Integer()
    form_key = fields.String()
    form_version = fields.Integer(allow_none=True)
    form = fields.Dict(metadata={"description": "JSON Schema；x-source 字段带 oneOf [{const, title}] 选项 / "
                                                "JSON Schema whose x-source fields carry their choices"})


class ProcessListSchema(Schema):
    items = fields.List(fields.Nested(ProcessSchema), required=True)


class SupersedingDocumentSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    version = fields.Integer()
    issued_at = fields.String(metadata={"format": "date-time"})


class DocumentSchema(Schema):
    id = fields.Integer()
    type = fields.String(attribute="doc_type")
    title = fields.String()
    number = fields.String(allow_none=True)
    version = fields.Integer()
    status = fields.String(metadata={"description": "PDF 生成状态 / the PDF: rendered, or pending (being rendered)",
                                     "enum": ["rendered", "pending"]})
    version_status = fields.String(metadata={
        "description": "版本状态 / current, or superseded by a correction (更正) — see superseded_by",
        "enum": ["current", "superseded"]})
    superseded_by = fields.Nested(SupersedingDocumentSchema, allow_none=True, metadata={
        "description": "替代本版本的更正版本 / the corrected version that replaced this one (null while current)"})
    issued_at = fields.DateTime()
    sha256 = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    correction_reason = fields.String(allow_none=True)
    url = fields.Function(lambda d: url_for("api.download_document", case_id=d.case_id, document_id=d.id),
                          metadata={**TEXT, "description": "以访问令牌下载 PDF / the PDF, with the bearer token"})


class CorrectionSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=CORRECTION_REASON_MAX),
                           metadata={"description": "更正原因（印在文书上）/ the reason, printed on the document"})


class HonoursRestrictionSchema(Schema):
    id = fields.Integer()
    department = fields.Function(lambda r: r.department.code, metadata={**TEXT, "description": "单位代码 / the unit's code"})
    department_name = fields.Function(lambda r: r.department.name, metadata=TEXT)
    starts_on = fields.Date(metadata={"description": "起（含）/ first day"})
    ends_on = fields.Date(metadata={"description": "止（含）/ last day"})
    reason = fields.String()
    source_case_id = fields.Integer()


class LinkedCaseSchema(Schema):
    relation = fields.String(metadata={"description": "escalated_to / escalated_from / rectification_opened / rectification_of"})
    case_id = fields.Integer()
    number = fields.String()
    title = fields.String()
    status = fields.String()


class CaseDetailSchema(CaseSchema):
    facts = fields.String(allow_none=True)
    registration_dates = fields.List(fields.Nested(CaseFileValueSchema), metadata={
        "description": "登记表单填写的日期（如 occurred_on 失信行为发生日期、decided_on 来源文书作出日期），"
                       "未填写的不列出；date 为 YYYY-MM-DD / the dates entered when the case was registered"})
    timeline = fields.List(fields.Nested(TimelineEventSchema),
                           metadata={"description": "全部事件，或 ?kind= 所选类别的事件 / all events, or those of ?kind="})
    timeline_groups = fields.List(fields.Nested(TimelineGroupSchema),
                                  metadata={"description": "按人工步骤分组，系统步骤折叠其下 / grouped under people's steps"})
    decisions = fields.List(fields.Nested(DecisionSchema))
    notes = fields.List(fields.Nested(NoteSchema), metadata={"description": "内部批注 / internal notes"})
    open_tasks = fields.List(fields.Nested(TaskSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    documents = fields.List(fields.Nested(DocumentSchema))
    honours_restrictions = fields.List(fields.Nested(HonoursRestrictionSchema), metadata={
        "description": "本案取消的荣誉评选资格（单位、起止日期、理由）/ honours eligibility this case withdrew"})
    linked_cases = fields.List(fields.Nested(LinkedCaseSchema), metadata={
        "description": "关联案件（仅限可见范围内）/ linked cases the user may see"})


class CaseCreatedSchema(CaseSchema):
    open_tasks = fields.List(fields.Nested(TaskSchema))


class CompletedSchema(Schema):
    task = fields.Nested(TaskSchema, required=True)
    case = fields.Nested(CaseSchema, required=True)
    next_tasks = fields.List(fields.Nested(TaskSchema), required=True)


class PageSchema(Schema):
    total = fields.Integer(required=True)
    total_capped = fields.Boolean(required=True, metadata={"description": "实际条数多于 total / more rows than total exist"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A `{items: [item_schema], total, total_capped, page, per_page}` schema class named `name`."""
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema), required=True)})


class ComplaintSchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    received_on = fields.String(metadata={"format": "date"})
    unit = fields.String()
    unit_name = fields.String()
    channel = fields.String()
    channel_label = fields.String()
    category = fields.String(allow_none=True)
    text = fields.String()
    warning_case_id = fields.Integer(allow_none=True)
    warning_case_number = fields.String(allow_none=True)
    imported_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class ImportReportSchema(Schema):
    imported = fields.Integer(required=True)
    duplicates = fields.List(fields.String(), required=True)
    errors = fields.List(fields.Dict(), required=True, metadata={"description": "[{line, external_id, reason}]"})
    warnings = fields.List(fields.String(), required=True)
    warning_cases = fields.List(fields.Dict(), required=True, metadata={"description": "[{id, number}]"})


class CodeNameSchema(Schema):
    code = fields.String()
    name = fields.String()


class CodeLabelSchema(Schema):
    code = fields.String()
    label = fields.String()


class ComplaintFiltersSchema(Schema):
    units = fields.List(fields.Nested(CodeNameSchema), required=True)
    categories = fields.List(fields.String(), required=True)
    channels = fields.List(fields.Nested(CodeLabelSchema), required=True)


class ComplaintItemSchema(Schema):
    """One complaint as the source system exports it (app/complaints/service.py checks each; a bad
    one is reported in `errors` with its line, the others are imported)."""

    date = fields.Date(required=True, metadata={"description": "收到日期，不晚于今天 / received on, not after today"})
    unit = fields.String(required=True, validate=validate.Length(min=1),
                         metadata={"description": "被投诉单位的代码或全称 / the unit's code or full name"})
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNEL_ALIASES)),
                            metadata={"description": "渠道 / channel: 12345 或 / or enterprise（及其中文名称）"})
    category = fields.String(required=True, validate=validate.Length(min=1, max=COMPLAINT_CATEGORY_MAX),
                             metadata={"description": "投诉类别 / category"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=COMPLAINT_TEXT_MAX),
                         metadata={"description": "投诉内容 / what the complaint says"})
    external_id = fields.String(required=True, validate=validate.Length(min=1, max=COMPLAINT_EXTERNAL_ID_MAX),
                                metadata={"description": "来源系统中的编号，重复的忽略 / the source's id; repeats are ignored"})


class ComplaintItemsSchema(Schema):
    items = fields.List(fields.Nested(ComplaintItemSchema), required=True,
                        metadata={"description": f"{{{', '.join(COMPLAINT_FIELDS)}}} 对象 / objects"})


CasePage = page_of(CaseSchema, "CasePage")
TaskPage = page_of(TaskSchema, "TaskPage")
DepartmentPage = page_of(DepartmentSchema, "DepartmentPage")
CivilServantPage = page_of(CivilServantSchema, "CivilServantPage")
UserPage = page_of(UserSchema, "UserPage")
ComplaintPage = page_of(ComplaintSchema, "ComplaintPage")


class NotificationPageSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True)


class UnreadSchema(Schema):
    unread = fields.Integer(required=True)


class MarkedSchema(Schema):
    marked = fields.Integer(required=True)


class PeopleSchema(Schema):
    items = fields.List(fields.Nested(PersonSchema), required=True)


class ProblemSchema(Schema):
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    message = fields.String()


class ValidationResultSchema(Schema):
    ok = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


class DeployedSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    summary = fields.Raw(required=True)


class DraftRequestSchema(Schema):
    xml = fields.String(required=True, validate=validate.Length(min=1),
                        metadata={"description": "BPMN 2.0 XML（只含一个流程）/ with exactly one process"})


class DraftSchema(Schema):
    key = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.Function(lambda d: d.updated_by.username if d.updated_by else None, metadata=TEXT_OR_NULL)


class DraftDetailSchema(DraftSchema):
    xml = fields.String(attribute="bpmn_xml", required=True)


class DraftListSchema(Schema):
    items = fields.List(fields.Nested(DraftSchema), required=True)


class CompileRequestSchema(Schema):
    source = fields.String(required=True, validate=validate.Length(max=20000))
    mode = fields.String(load_default="expression", validate=validate.OneOf(["expression", "script"]))


class CompileResultSchema(Schema):
    ok = fields.Boolean(required=True)
    message = fields.String(required=True)


class VersionSchema(Schema):
    version = fields.Function(lambda v: v.version.version, metadata={"type": "integer"})
    deployed_at = fields.Function(lambda v: v.version.deployed_at.isoformat(),
                                  metadata={"type": "string", "format": "date-time"})
    deployed_by = fields.Function(lambda v: v.version.deployed_by.username if v.version.deployed_by else None,
                                  metadata=TEXT_OR_NULL)
    comment = fields.Function(lambda v: v.version.comment or "", metadata=TEXT)
    running = fields.Integer(metadata={"description": "运行中的案件数 / running cases"})
    total = fields.Integer()
    summary = fields.Dict(metadata={"description": "与上一版相比 / change summary: added, removed, changed"})


class ProcessVersionsSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class MigrationRequestSchema(Schema):
    source = fields.Integer(required=True, **ID, metadata={"description": "源版本号 / from version"})
    target = fields.Integer(required=True, **ID, metadata={"description": "目标版本号 / to version"})


class MigrationItemSchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    possible = fields.Boolean(required=True)
    waiting = fields.List(fields.String(), required=True,
                          metadata={"description": "等待中的步骤（元素 id）/ waiting steps (element ids)"})
    waiting_names = fields.List(fields.String(), required=True, metadata={
        "description": "等待中的步骤（设计时的名称）/ the same steps as the designer named them"})
    added = fields.List(fields.String(), required=True, metadata={
        "description": "迁移时补建的边界事件 / boundary events the move creates (timed from when the step began)"})
    reasons = fields.List(fields.String(), required=True, metadata={"description": "不能迁移的原因 / why not"})


class MigrationPlanSchema(Schema):
    items = fields.List(fields.Nested(MigrationItemSchema), required=True)


class MigratedSchema(Schema):
    moved = fields.List(fields.String(), required=True, metadata={"description": "已迁移的案号 / case numbers moved"})
    refused = fields.List(fields.String(), required=True, metadata={"description": "不能迁移的案号 / not movable"})


class FormSummarySchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)


class FormListSchema(Schema):
    items = fields.List(fields.Nested(FormSummarySchema), required=True)


class FormDetailSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    schema = fields.Dict(required=True, metadata={"description": "表单的 JSON Schema / the form's JSON Schema"})


class FormSaveRequestSchema(Schema):
    schema = fields.Dict(required=True, metadata={"description": "表单的 JSON Schema / the form's JSON Schema"})
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class FormSavedSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    changed = fields.Boolean(required=True, metadata={"description": "false：内容没有变化 / unchanged, no new version"})


class FormCheckRequestSchema(Schema):
    schema = fields.Raw(required=True, metadata={"type": "object", "description": "待检查的 JSON Schema / to check"})


class FormCheckSchema(Schema):
    ok = fields.Boolean(required=True)
    problems = fields.List(fields.String(), required=True)


class TestResultSchema(Schema):
    name = fields.String(required=True)
    passed = fields.Boolean(required=True)
    failures = fields.List(fields.String(), required=True)
    steps_run = fields.Integer(required=True)
    duration_ms = fields.Integer(required=True)


class TestRunSchema(Schema):
    passed = fields.Boolean(required=True)
    items = fields.List(fields.Nested(TestResultSchema), required=True)


class YearsSchema(Schema):
    years = fields.List(fields.Integer(), required=True)


class IncidentSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.Function(lambda i: i.case.number, metadata=TEXT)
    element = fields.String(attribute="element_id", allow_none=True)
    element_name = fields.String(allow_none=True)
    error = fields.String()
    first_failed_at = fields.DateTime()
    last_failed_at = fields.DateTime()
    failure_count = fields.Integer()
    status = fields.String(metadata={"enum": ["open", "resolved"]})
    resolution = fields.String(allow_none=True, metadata={"enum": ["retried", "skipped", "migrated", "cancelled", None]})
    resolved_by = fields.Function(lambda i: i.resolved_by.username if i.resolved_by else None, metadata=TEXT_OR_NULL)
    resolved_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)


IncidentPageSchema = page_of(IncidentSchema, "IncidentPageSchema")


_REASON_REQUIRED = lazy_gettext("“%(field)s”为必填项", field=lazy_gettext("操作原因"))  # the service's words


class ReasonSchema(Schema):
    # What the service requires (app.incidents.service.REASON_MAX); a blank one is its 422.
    reason = fields.String(required=True, error_messages={"required": _REASON_REQUIRED},
                           validate=[validate.Length(min=1, error=_REASON_REQUIRED),
                                     validate.Length(max=INCIDENT_REASON_MAX, error=lazy_gettext(
                                         "操作原因不能超过 %(max)s 个字", max=INCIDENT_REASON_MAX))],
                           metadata={"description": f"操作原因（必填，≤ {INCIDENT_REASON_MAX} 字）/ "
                                                    f"why (required, ≤ {INCIDENT_REASON_MAX} characters)"})


class SkipRequestSchema(ReasonSchema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只试运行，不保存 / only show what would happen"})


class SkipPlanSchema(Schema):
    dry_run = fields.Boolean(required=True)
    skipped = fields.List(fields.String(), required=True, metadata={"description": "跳过的环节 / skipped elements"})
    next_tasks = fields.List(fields.String(), required=True, metadata={"description": "随后开启的任务 / tasks that open next"})
    finished = fields.Boolean(required=True, metadata={"description": "流程是否结束 / whether the process ends"})
    incident = fields.Nested(IncidentSchema, required=True)


class MoveRequestSchema(SkipRequestSchema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=255), metadata={
        "description": "案件当前等待的用户任务（BPMN 元素 id）/ the user task the token waits at (BPMN id)"})
    target = fields.String(required=True, validate=validate.Length(min=1, max=255), metadata={
        "description": "目标用户任务（同一流程或子流程，BPMN 元素 id）/ the user task to move to (same (sub-)process)"})


class MovePlanSchema(Schema):
    dry_run = fields.Boolean(required=True)
    left = fields.String(required=True, metadata={"description": "离开的环节 / the element left"})
    reached = fields.String(required=True, metadata={"description": "到达的环节 / the task reached"})
    closed = fields.List(fields.String(), required=True, metadata={"description": "关闭的待办 / tasks closed"})
    opened = fields.List(fields.String(), required=True, metadata={"description": "开启的待办 / tasks opened"})
    finished = fields.Boolean(required=True, metadata={"description": "流程是否结束 / whether the process ends"})


class ElementSchema(Schema):
    bpmn_id = fields.String(required=True)
    name = fields.String(required=True)


class TokenPositionSchema(Schema):
    at = fields.Nested(ElementSchema, required=True, metadata={"description": "令牌所在环节 / where the token waits"})
    failed = fields.Boolean(required=True)
    targets = fields.List(fields.Nested(ElementSchema), required=True,
                          metadata={"description": "可移动到的用户任务 / user tasks it may move to"})
    refusal = fields.String(allow_none=True, metadata={"description": "不能移动的原因 / why it cannot move"})


class TokenPositionsSchema(Schema):
    items = fields.List(fields.Nested(TokenPositionSchema), required=True)


# --- query parameters (documented from these; the routes read them with app.core.inputs' parsers)

class PageQuery(Schema):
    page = fields.Integer(validate=validate.Range(min=1, max=DB_INT_MAX), metadata={"description": "页码 / page, from 1"})
    per_page = fields.Integer(validate=validate.Range(min=1, max=100), metadata={"description": "每页条数 / rows a page"})


class CaseQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(list(CASE_STATUSES)))
    area = fields.String(validate=validate.OneOf(KEY_AREAS),
                         metadata={"description": "重点领域（16 个之一）/ key area (one of the 16)"})
    subject = fields.String(metadata={"description": "对象姓名或单位 / subject name"})
    q = fields.String(metadata={"description": "案号或标题包含 / number or title contains"})


class CaseDetailQuery(Schema):
    kind = fields.String(validate=validate.OneOf(list(TIMELINE_CATEGORIES)),
                         metadata={"description": "办理记录类别：human 人工办理 / decision 决定 / note 批注 / document 文书 / "
                                                  "system 系统步骤"})


class TaskQuery(PageQuery):
    scope = fields.String(validate=validate.OneOf(["mine", "available", "completed", "supervised"]))


class DepartmentQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(list(DEPARTMENT_KINDS)))
    include_inactive = fields.String(validate=validate.OneOf(["0", "1", "true", "false"]),
                                     metadata={"description": "含已停用单位（仅管理员）/ include deactivated units (admins)"})


class CivilServantQuery(PageQuery):
    department = fields.String(metadata={"description": "单位代码 / unit code"})


class UserQuery(PageQuery):
    q = fields.String()
    department = fields.Integer(validate=validate.Range(min=1, max=DB_INT_MAX),
                                metadata={"description": "单位 id / unit id"})
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    status = fields.String(validate=validate.OneOf(["active", "inactive"]))


class ComplaintQuery(PageQuery):
    unit = fields.String(metadata={"description": "单位代码 / unit code"})
    category = fields.String()
    channel = fields.String(validate=validate.OneOf(list(CHANNELS)))
    date_from = fields.Date()
    date_to = fields.Date()


class IncidentQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(["open", "resolved", "all"]),
                           metadata={"description": "默认 open / default open"})


class NotificationQuery(PageQuery):
    unread = fields.String(validate=validate.OneOf(["0", "1"]))


# Built once per process: building a schema costs more than dumping one object with it, and load/dump
# keep no state on the instance.
token_request = TokenRequestSchema()
case_create = CaseCreateSchema()
case_event_request = CaseEventSchema()
correlated_event_request = CorrelatedEventSchema()
complete_request = CompleteSchema()
reassign_request = ReassignSchema()
deploy_request = DeployRequestSchema()
validate_request = ValidateRequestSchema()
draft_request = DraftRequestSchema()
draft_out = DraftSchema()
draft_detail_out = DraftDetailSchema()
drafts_out = DraftSchema(many=True)
compile_request = CompileRequestSchema()
versions_out = VersionSchema(many=True)
migration_request = MigrationRequestSchema()
migration_items_out = MigrationItemSchema(many=True)
form_save_request = FormSaveRequestSchema()
form_check_request = FormCheckRequestSchema()
forms_out = FormSummarySchema(many=True)
test_results_out = TestResultSchema(many=True)
user_create = UserCreateSchema()
user_profile = UserProfileSchema()
password_request = PasswordSchema()
own_password_request = OwnPasswordSchema()
language_request = LanguageSchema()
department_create = DepartmentCreateSchema()
department_profile = DepartmentProfileSchema()
calendar_day_request = CalendarDayRequestSchema()
department_out = DepartmentSchema()
user_out = UserSchema()
users_out = UserSchema(many=True)
departments_out = DepartmentSchema(many=True)
civil_servants_out = CivilServantSchema(many=True)
people_out = PersonSchema(many=True)
notification_out = NotificationSchema()
notifications_out = NotificationSchema(many=True)
reason_request = ReasonSchema()
skip_request = SkipRequestSchema()
move_request = MoveRequestSchema()
token_positions_out = TokenPositionSchema(many=True)
incident_out = IncidentSchema()
incidents_out = IncidentSchema(many=True)
task_out = TaskSchema()
tasks_out = TaskSchema(many=True)
task_detail_out = TaskDetailSchema()
case_file_out = CaseFileEntrySchema(many=True)
timeline_out = TimelineEventSchema(many=True)
timeline_groups_out = TimelineGroupSchema(many=True)
decisions_out = DecisionSchema(many=True)
honours_restrictions_out = HonoursRestrictionSchema(many=True)
linked_cases_out = LinkedCaseSchema(many=True)
note_out = NoteSchema()
notes_out = NoteSchema(many=True)
note_create = NoteCreateSchema()
attachment_out = AttachmentSchema()
attachments_out = AttachmentSchema(many=True)
document_out = DocumentSchema()
documents_out = DocumentSchema(many=True)
correction_request = CorrectionSchema()
case_out = CaseSchema()
cases_out = CaseSchema(many=True)


class DevClockSchema(Schema):
    """The development clock (开发时钟): product time, wall-clock time (UTC) and the offset."""

    enabled = fields.Boolean(required=True)
    now = fields.AwareDateTime(required=True)
    real = fields.AwareDateTime(required=True)
    offset_seconds = fields.Float(required=True)


class DevClockRequestSchema(Schema):
    """Exactly one of: `when` (ISO date-time; no offset = Asia/Shanghai), `advance_days` (a JSON
    integer 1–3660), `reset: true`."""

    when = fields.String(validate=validate.Length(min=1, max=40))
    advance_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=3660))
    reset = fields.Boolean(truthy={True}, falsy={False}, metadata={"description": "true：恢复为真实时间 / back to real time"})


dev_clock_request = DevClockRequestSchema()
case_file_values_out = CaseFileValueSchema(many=True)


# --- supervision view and calendar year (the web pages /supervision and /admin/calendar)

class SupervisionQuery(Schema):
    district = fields.Integer(validate=validate.Range(min=1, max=DB_INT_MAX),
                              metadata={"description": "区（单位 id，kind=district）/ a district's id"})
    area = fields.String(validate=validate.OneOf(KEY_AREAS),
                         metadata={"description": "重点领域（16 个之一）/ key area (one of the 16)"})


class StageSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class UnitWarningsSchema(Schema):
    unit = fields.String(required=True, metadata={"description": "被预警单位名称 / the unit warned"})
    stages = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "阶段代码 → 未结预警数 / stage code → open warnings"})


class StepTimeSchema(Schema):
    process = fields.String(required=True)
    step = fields.String(required=True)
    completed = fields.Integer(required=True, metadata={"description": "近 365 天办结数 / done in the last 365 days"})
    average_days = fields.Float(required=True, metadata={"description": "平均自然日 / average calendar days"})


class SupervisionSchema(Schema):
    district = fields.Integer(allow_none=True, required=True)
    area = fields.String(allow_none=True, required=True)
    stages = fields.List(fields.Nested(StageSchema), required=True)
    warnings_by_unit = fields.List(fields.Nested(UnitWarningsSchema), required=True)
    overdue_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    step_times = fields.List(fields.Nested(StepTimeSchema), required=True)
    due_this_week = fields.List(fields.Nested(CaseSchema), required=True)


class CalendarYearSchema(Schema):
    year = fields.Integer(required=True)
    loaded = fields.Boolean(required=True, metadata={"description": "该年日历是否已导入 / the year's schedule is loaded"})
    source = fields.String(allow_none=True, required=True, metadata={"description": "导入来源 / imported from"})
    loaded_at = fields.AwareDateTime(allow_none=True, required=True)
    years = fields.List(fields.Integer(), required=True, metadata={"description": "已导入的年份 / every loaded year"})
    days = fields.List(fields.Nested(CalendarDaySchema), required=True,
                       metadata={"description": "节假日与调休上班日（其余日子周一至周五上班）/ holidays and worked "
                                                "weekends; other days: Monday–Friday work"})


step_times_out = StepTimeSchema(many=True)


class VerifiedDocumentSchema(Schema):
    """What the public verification page (/verify/<code>) shows of a document: no case, no person."""

    number = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True, metadata={"description": "文书类型 / the kind of document"})
    issued_at = fields.AwareDateTime(required=True)
    issuer = fields.Function(lambda d: d.issuer.name, required=True,
                             metadata={**TEXT, "description": "出具机关 / the issuing authority"})
    sha256 = fields.String(required=True, allow_none=True, metadata={"description": "PDF 的 SHA-256 / the PDF's SHA-256"})


class VerificationSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["current", "superseded"], "description":
                           "现行，或已被更正（以 current 为准）/ in force, or superseded by a correction (see current)"})
    document = fields.Nested(VerifiedDocumentSchema, required=True)
    current = fields.Nested(SupersedingDocumentSchema, required=True, allow_none=True,
                            metadata={"description": "现行版本（本版本已作废时）/ the version in force when this one is superseded"})


verified_out = VerifiedDocumentSchema()
class PublicRecordSchema(Schema):
    """A record published today, as the public portal shows it (masked, within its scope; a field
    outside the publication's scope is null)."""
    id = fields.Integer(required=True, metadata={"description": "公开登记 id / publication id"})
    number = fields.String(allow_none=True)
    subject_name = fields.String(allow_none=True, metadata={"description": "信用主体（公务员姓名已脱敏）/ subject, civil servants' names masked"})
    subject_type = fields.String(allow_none=True, metadata={"description": "department / civil_servant"})
    title = fields.String(allow_none=True)
    source_type = fields.String(allow_none=True)
    source_document_number = fields.String(allow_none=True)
    key_area = fields.String(allow_none=True)
    tier = fields.String(allow_none=True, metadata={"description": "minor / general / serious"})
    facts = fields.String(allow_none=True, metadata={"description": "失信事实（身份证、电话、门牌已脱敏）/ facts, masked"})
    recording_unit = fields.String(allow_none=True)
    decided_on = fields.String(allow_none=True, metadata={"format": "date"})
    start = fields.String(allow_none=True, metadata={"format": "date"})
    planned_end = fields.String(allow_none=True, metadata={"format": "date", "description": "首个不再公开的日期 / first day no longer shown"})
    actual_end = fields.String(allow_none=True, metadata={"format": "date"})
    end_reason = fields.String(allow_none=True)


PublicRecordPage = page_of(PublicRecordSchema, "PublicRecordPage")


class PublicationRowSchema(Schema):
    """One row of the publication register (reviewers, supervisors, admins)."""
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.Function(lambda p: p.case.number, required=True)
    subject_name = fields.String(required=True, metadata={"description": "信用主体（已脱敏）/ subject, masked"})
    key_area = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    scope = fields.List(fields.String(), required=True, metadata={"description": "公开范围（字段）/ the public fields"})
    start = fields.Date(required=True)
    planned_end = fields.Date(required=True, metadata={"description": "首个不再公开的日期 / first day no longer shown"})
    actual_end = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True, metadata={"enum": ["expiry", "repair", "revocation", "deletion", None],
                                                          "description": "结束原因 / why it ended"})


PublicationRegisterPage = page_of(PublicationRowSchema, "PublicationRegisterPage")


class PublicationRegisterQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(["current", "ended"]),
                           metadata={"description": "current 公开中 / ended 已结束"})
    reason = fields.String(validate=validate.OneOf(["expiry", "repair", "revocation", "deletion"]),
                           metadata={"description": "结束原因 / end reason"})
    area = fields.String(validate=validate.OneOf(KEY_AREAS), metadata={"description": "重点领域 / key area"})
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "案号或主体包含 / case number or subject"})


publication_rows_out = PublicationRowSchema(many=True)


class PublicRecordQuery(PageQuery):
    subject = fields.String(validate=validate.Length(max=100), metadata={"description": "信用主体包含 / subject contains"})
    area = fields.String(validate=validate.OneOf(KEY_AREAS), metadata={"description": "重点领域 / key area"})
    tier = fields.String(validate=validate.OneOf(list(TIERS)), metadata={"description": "失信程度 / tier"})
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "关键词（编号、主体、行为、事实）/ text"})
