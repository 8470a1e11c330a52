"""Marshmallow schemas of the rules API (/api/v1/rules, app/api/rules.py): decision tables, their
versions, problems by row, change summaries, decision tests and publication."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.rules.editing import NOTE_MAX

TEXT_OR_NULL = {"type": ["string", "null"]}
STATES = ("draft", "in_force", "scheduled", "superseded")


class RuleVersionSchema(Schema):
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["draft", "published"]})
    state = fields.String(required=True, metadata={
        "enum": list(STATES),
        "description": "草稿 / 今天现行 / 待生效 / 已被取代 — draft, in force today, scheduled, superseded"})
    effective_from = fields.Date(allow_none=True, metadata={
        "description": "生效日期（上海日历日；草稿为 null）/ the day it comes into force (Asia/Shanghai); null for a draft"})
    comment = fields.String()
    created_by = fields.Function(lambda v: v.created_by.username if v.created_by else None, metadata=TEXT_OR_NULL)
    created_at = fields.DateTime()
    published_by = fields.Function(lambda v: v.published_by.username if v.published_by else None, metadata=TEXT_OR_NULL)
    published_at = fields.DateTime(allow_none=True)
    publish_note = fields.String()


class DecisionSummarySchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    in_force = fields.Nested(RuleVersionSchema, allow_none=True,
                             metadata={"description": "今天现行的版本 / the version in force today"})
    scheduled = fields.List(fields.Nested(RuleVersionSchema), metadata={
        "description": "已发布、今天以后生效的版本 / published versions coming into force after today"})
    drafts = fields.List(fields.Nested(RuleVersionSchema))


class DecisionListSchema(Schema):
    items = fields.List(fields.Nested(DecisionSummarySchema), required=True)


class DecisionDetailSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    versions = fields.List(fields.Nested(RuleVersionSchema), required=True, metadata={"description": "新的在前 / newest first"})


class RuleXmlRequestSchema(Schema):
    xml = fields.String(required=True, validate=validate.Length(min=1), metadata={"description": "DMN XML"})


class RuleDraftRequestSchema(RuleXmlRequestSchema):
    comment = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX))


class RuleTestsRequestSchema(Schema):
    xml = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1), metadata={
        "description": "要测试的决策表（编辑中的草稿）；省略时测试今天现行的版本 / the table to test (a draft being "
                       "edited); without it, the version in force today"})


class RulePublishRequestSchema(Schema):
    effective_from = fields.Date(required=True, metadata={
        "description": "生效日期，不得早于今天（上海）/ the day it comes into force, today (Asia/Shanghai) or later"})
    note = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class RuleProblemSchema(Schema):
    message = fields.String(required=True)
    row = fields.Integer(allow_none=True, metadata={"description": "规则行号（从 1 起）；整表的问题为 null / 1-based rule row, "
                                                                   "null for the table as a whole"})
    column = fields.String(allow_none=True, metadata={"description": "所在列（标签或名称）/ the column (label or name)"})


class RuleValidationSchema(Schema):
    ok = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(RuleProblemSchema), required=True)


class RuleChangeSummarySchema(Schema):
    against = fields.Dict(allow_none=True, metadata={
        "description": "比较的现行版本 {version, effective_from}；没有现行版本时为 null（全部为新增）/ the version in "
                       "force compared with; null: every row is added"})
    hit_policy = fields.List(fields.String(), allow_none=True, metadata={"description": "[旧, 新]，未变为 null / [old, new] or null"})
    columns = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"description": "新增 / 删除的列 / columns added and removed"})
    added = fields.List(fields.Dict(), metadata={"description": "[{row, cells: {列: 值}}] / rows added"})
    removed = fields.List(fields.Dict(), metadata={"description": "[{row, cells}]（旧表行号）/ rows removed (old numbers)"})
    changed = fields.List(fields.Dict(), metadata={"description": "[{row, old_row, cells: {列: [旧, 新]}}] / rows changed"})


class RuleTestResultSchema(Schema):
    name = fields.String(required=True)
    passed = fields.Boolean(required=True)
    inputs = fields.Dict(required=True)
    expected = fields.Raw(required=True, allow_none=True)
    actual = fields.Raw(required=True, allow_none=True)
    rows = fields.List(fields.Integer(), required=True, metadata={"description": "命中的行 / the rows that matched"})
    message = fields.String(required=True)


class RuleTestRunSchema(Schema):
    passed = fields.Boolean(required=True)
    items = fields.List(fields.Nested(RuleTestResultSchema), required=True)


xml_request = RuleXmlRequestSchema()
draft_request = RuleDraftRequestSchema()
tests_request = RuleTestsRequestSchema()
publish_request = RulePublishRequestSchema()
version_out = RuleVersionSchema()
versions_out = RuleVersionSchema(many=True)
decisions_out = DecisionSummarySchema(many=True)
test_results_out = RuleTestResultSchema(many=True)
summary_out = RuleChangeSummarySchema()
