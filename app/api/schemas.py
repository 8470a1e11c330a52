"""Marshmallow schemas of the JSON API v1."""
from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from app.cases.models import CASE_STATUSES, SOURCE_TYPES, TIERS
from app.inputs import DB_INT_MAX
from app.notifications.models import NOTIFICATION_KINDS
from app.org.models import DEPARTMENT_KINDS, ROLES
from app.org.service import with_choices


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CaseCreateSchema(Schema):
    process = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(required=True)


class CompleteSchema(Schema):
    data = fields.Dict(required=True)


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
    kind_label = fields.Function(lambda d: DEPARTMENT_KINDS.get(d.kind, d.kind))
    active = fields.Boolean()


class CivilServantSchema(Schema):
    """What the web form's choice shows: name, unit, position (no staff number)."""
    id = fields.Integer()
    name = fields.String()
    position = fields.String(allow_none=True)
    department = fields.Function(lambda s: s.department.code)
    department_name = fields.Function(lambda s: s.department.name)


class PersonSchema(Schema):
    """A colleague as the reassign form lists them."""
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    department = fields.Function(lambda u: u.department.code)
    department_name = fields.Function(lambda u: u.department.name)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda n: NOTIFICATION_KINDS.get(n.kind, n.kind))
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
    roles = fields.Method("_roles")
    role_labels = fields.Method("_role_labels")
    department = fields.Nested(DepartmentSchema)
    scope_district_id = fields.Integer(allow_none=True)
    active = fields.Boolean()

    def _roles(self, user):
        return sorted(user.roles)

    def _role_labels(self, user):
        return [ROLES[r] for r in sorted(user.roles)]


class TaskSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.Function(lambda t: t.case.number)
    name = fields.String()
    element = fields.String(attribute="bpmn_id")
    role = fields.String()
    status = fields.String()
    form_key = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    claimed_by = fields.Function(lambda t: t.claimed_by.username if t.claimed_by else None)
    completed_by = fields.Function(lambda t: t.completed_by.username if t.completed_by else None)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class TaskDetailSchema(TaskSchema):
    form = fields.Method("_form")

    def _form(self, task):
        from app.tasks.service import task_form

        return with_choices(task_form(task)[0]) if task.form_key else None


class TimelineEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    summary = fields.String()
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    data = fields.Dict()


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.Function(lambda a: a.uploaded_by.username)
    uploaded_at = fields.DateTime()
    step = fields.String(allow_none=True)  # the step (task name) the file came with; None: the recorder's own
    url = fields.Function(lambda a: url_for("api.download_attachment", case_id=a.case_id, attachment_id=a.id))


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    process = fields.String(attribute="process_key")
    title = fields.String()
    subject_type = fields.String()
    subject = fields.Function(lambda c: c.subject_name)
    subject_department = fields.Function(lambda c: c.subject_department.code)
    source_type = fields.String(allow_none=True)
    source_type_label = fields.Function(lambda c: SOURCE_TYPES.get(c.source_type))
    document_number = fields.String(allow_none=True)
    key_area = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    tier_label = fields.Function(lambda c: TIERS.get(c.tier))
    status = fields.String(attribute="record_status")
    status_label = fields.Function(lambda c: CASE_STATUSES.get(c.record_status))
    publication_start = fields.Date(allow_none=True)
    publication_end = fields.Date(allow_none=True)
    repairable_from = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


# Built once per process: building a schema costs more than dumping one object with it, and load/dump
# keep no state on the instance.
token_request = TokenRequestSchema()
case_create = CaseCreateSchema()
complete_request = CompleteSchema()
reassign_request = ReassignSchema()
deploy_request = DeployRequestSchema()
validate_request = ValidateRequestSchema()
user_out = UserSchema()
users_out = UserSchema(many=True)
departments_out = DepartmentSchema(many=True)
civil_servants_out = CivilServantSchema(many=True)
people_out = PersonSchema(many=True)
notification_out = NotificationSchema()
notifications_out = NotificationSchema(many=True)
task_out = TaskSchema()
tasks_out = TaskSchema(many=True)
task_detail_out = TaskDetailSchema()
timeline_out = TimelineEventSchema(many=True)
attachment_out = AttachmentSchema()
attachments_out = AttachmentSchema(many=True)
case_out = CaseSchema()
cases_out = CaseSchema(many=True)
