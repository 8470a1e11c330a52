"""API: decision tables (决策规则) with a bearer token — the list, a table's versions and XML, checks,
drafts, change summaries and decision tests for designers, publication for rule approvers — through
the same services as the rules pages (app/rules/service.py, app/rules/editing.py). Designers and
rule approvers only (403 for others); an unknown table or version is 404."""
from __future__ import annotations

from flask import Response, g, jsonify
from flask_babel import gettext as _

from app.api import bp, json_body
from app.api import rule_schemas as schemas
from app.api.openapi import WRITE, documented
from app.core.clock import clock
from app.core.errors import Forbidden
from app.rules import editing, service

RULE_WRITE = (403, 422)


def _require_rule_role() -> None:
    if not (g.user.has_role(service.DESIGNER) or g.user.has_role(service.APPROVER)):
        raise Forbidden(_("只有流程设计员和规则审批人可以使用决策规则"))


def _require(role: str, message: str) -> None:  # message: translated
    if not g.user.has_role(role):
        raise Forbidden(message)


def _versions(versions, in_force) -> list[dict]:
    today = clock.today()
    return [{**schemas.version_out.dump(v), "state": editing.version_state(v, in_force, today)} for v in versions]


@bp.get("/rules")
@documented("决策表列表 / List decision tables", (200, schemas.DecisionListSchema), errors=(403,))
def list_rules():
    """每张决策表：今天现行的版本及其生效日期、今天以后生效的版本、草稿。

    Every decision table with its version in force today (and since when), the published versions
    scheduled to come into force later, and its drafts. Designers and rule approvers (403)."""
    _require_rule_role()
    items = []
    for d in service.list_decisions():
        items.append({"key": d.key, "name": d.name,
                      "in_force": _versions([d.in_force], d.in_force)[0] if d.in_force else None,
                      "scheduled": _versions(d.scheduled, d.in_force), "drafts": _versions(d.drafts, d.in_force)})
    return jsonify(items=items)


@bp.get("/rules/<decision>")
@documented("决策表的版本 / A decision table with its versions", (200, schemas.DecisionDetailSchema), errors=(403,))
def get_rule(decision: str):
    """决策表 `decision` 的全部版本（新的在前）：状态、生效日期、起草人、发布人和说明；不存在时 404。

    The versions of table `decision`, newest first, each with its state (draft, in force today,
    scheduled, superseded), effective date, who drafted and published it, and the notes. 404 for
    an unknown table."""
    _require_rule_role()
    versions = service.versions(decision)
    return jsonify(key=decision, name=versions[0].definition.name,
                   versions=_versions(versions, editing.in_force_today(decision)))


@bp.get("/rules/<decision>/versions/<int:number>.dmn")
@documented("下载决策表版本的 DMN / Download a version's DMN", (200, "application/xml"), errors=(403,))
def download_rule_version(decision: str, number: int):
    """决策表 `decision` 第 `number` 版的 DMN XML（与网页 /rules/<decision>/versions/<n>.dmn 相同）；不存在时 404。

    The DMN XML of version `number` of table `decision` (what the web's /rules/<decision>/versions/<n>.dmn
    downloads). 404 for an unknown table or version."""
    _require_rule_role()
    version = editing.version_of(decision, number)
    return Response(version.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={decision}-v{number}.dmn"})


@bp.post("/rules/validate")
@documented("校验决策表 / Validate a DMN decision table", (200, schemas.RuleValidationSchema),
            body=schemas.RuleXmlRequestSchema, errors=(403,))
def validate_rule():
    """按发布前的检查校验 DMN 决策表（命中策略、输入类型、重叠或遗漏的行、沙箱拒绝的表达式），不保存；总是 200
    `{ok, problems: [{message, row, column}]}`，row 为规则行号。

    Check a DMN table as saving and publishing do — hit policy, input and output types, overlapping
    or missing rows, expressions the sandbox refuses — without saving. Always 200 `{ok, problems}`,
    each problem with its 1-based rule `row` (null for the whole table) and `column`."""
    _require_rule_role()
    payload = schemas.xml_request.load(json_body())
    problems = editing.problem_dicts(service.validate(payload["xml"]))
    return jsonify(ok=not problems, problems=problems)


@bp.post("/rules/<decision>/drafts")
@documented("保存决策表草稿 / Save the draft of a decision table", (201, schemas.RuleVersionSchema),
            body=schemas.RuleDraftRequestSchema, errors=RULE_WRITE + WRITE)
def save_rule_draft(decision: str):
    """将 `{xml, comment}` 保存为决策表 `decision` 的草稿（已有草稿时替换之）。仅流程设计员（403）；决策表有问题时
    422，`fields.xml` 逐条列出（含行号）。

    Save `{xml, comment}` as the draft of table `decision` (replacing its open draft). Designers only
    (403); 422 `validation_failed` with every problem of the table in `fields.xml`, each naming
    its row ("第 3 行…"), or the decision id when it is not `decision`."""
    _require(service.DESIGNER, _("只有流程设计员可以起草决策表"))
    service.versions(decision)  # 404 before the body is read
    payload = schemas.draft_request.load(json_body())
    version = service.save_draft(g.user, decision, payload["xml"], comment=payload["comment"])
    return jsonify(_versions([version], None)[0]), 201


@bp.post("/rules/<decision>/change-summary")
@documented("与现行版本比较 / Change summary against the version in force", (200, schemas.RuleChangeSummarySchema),
            body=schemas.RuleXmlRequestSchema, errors=(403,))
def rule_change_summary(decision: str):
    """`xml` 与决策表 `decision` 今天现行版本相比：新增、删除、修改的行（行号与单元格）、列和命中策略的变化。
    XML 无法读取时 422 指明 `xml`。

    What `xml` changes against the version of table `decision` in force today: rows added, removed and
    changed (row numbers and cells), columns and hit policy. 422 naming `xml` when it cannot be read."""
    _require_rule_role()
    payload = schemas.xml_request.load(json_body())
    return jsonify(schemas.summary_out.dump(service.change_summary(key=decision, xml=payload["xml"])))


@bp.post("/rules/<decision>/tests")
@documented("运行决策测试 / Run a decision table's tests", (200, schemas.RuleTestRunSchema),
            body=schemas.RuleTestsRequestSchema, errors=(403,))
def run_rule_tests(decision: str):
    """运行 workflows/rules/tests/<decision>.json 中的决策测试（输入 → 期望输出），针对请求中的 `xml`（编辑中的草稿），
    省略时针对今天现行的版本。

    Run the decision tests of workflows/rules/tests/<decision>.json (inputs → expected outputs) against
    `xml` (a draft being edited) or, without it, the version in force today: `{passed, items:
    [{name, passed, inputs, expected, actual, rows, message}]}`."""
    _require_rule_role()
    payload = schemas.tests_request.load(json_body())
    results = service.run_decision_tests(decision, xml=payload["xml"])
    return jsonify(passed=all(r.passed for r in results), items=schemas.test_results_out.dump(results))


@bp.post("/rules/<decision>/versions/<int:number>/publish")
@documented("发布决策表 / Publish a draft", (200, schemas.RuleVersionSchema), body=schemas.RulePublishRequestSchema,
            errors=RULE_WRITE + WRITE)
def publish_rule(decision: str, number: int):
    """发布决策表 `decision` 的草稿第 `number` 版，自 `effective_from`（上海日历日，不早于今天）起施行，附发布说明
    `note`；写入审计日志。仅规则审批人（403）；日期早于今天或说明为空时 422 指明字段；已发布的版本 409。

    Publish draft version `number` of table `decision`, in force from `effective_from` (an
    Asia/Shanghai day, today or later), with the approver's `note`; written to the audit log. Rule
    approvers only (403); 422 naming `effective_from` (before today) or `note` (empty); 409 when the
    version is published already."""
    _require(service.APPROVER, _("只有规则审批人可以发布决策表"))
    version = editing.version_of(decision, number)
    payload = schemas.publish_request.load(json_body())
    form = editing.publish_form(payload["effective_from"].isoformat(), payload["note"])
    service.publish(g.user, version.id, effective_from=form.effective_from, note=form.note)
    return jsonify(_versions([version], editing.in_force_today(decision))[0])
