"""Rules as data (issue 17): DMN tables validated at deploy, versioned with effective dates,
published by a rule approver, evaluated in the sandbox, and tested by decision tests."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.core.clock import clock
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.engine import dmn
from app.org.models import User
from app.rules import service as rules
from app.rules.models import DecisionVersion

RULES = Path(__file__).resolve().parent.parent / "workflows" / "rules"
SHIPPED = sorted(p.stem for p in RULES.glob("*.dmn"))


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def shipped(key: str) -> str:
    return (RULES / f"{key}.dmn").read_text(encoding="utf-8")


def with_general_max(months: int) -> str:
    """The shipped publication window with the general tier's maximum changed."""
    xml = shipped("publication_window")
    return re.sub(r'(<rule id="publication_window_general">.*?_o2"><text>)12(</text>)', rf"\g<1>{months}\2", xml, flags=re.S)


def table(rows: str, *, hit="UNIQUE", inputs=None, key="t") -> str:
    inputs = inputs or ['<input id="i1" label="程度"><inputExpression id="e1" typeRef="string"><text>tier</text></inputExpression></input>']
    return (f'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="t" namespace="x">'
            f'<decision id="{key}" name="测试"><decisionTable id="dt" hitPolicy="{hit}">{"".join(inputs)}'
            f'<output id="o1" label="月数" name="months" typeRef="integer"/>{rows}</decisionTable></decision></definitions>')


def rule(n: int, cell: str, out: str = "1") -> str:
    return (f'<rule id="r{n}"><inputEntry id="r{n}i"><text>{cell}</text></inputEntry>'
            f'<outputEntry id="r{n}o"><text>{out}</text></outputEntry></rule>')


# ---------------------------------------------------------------- shipped tables and decision tests

def test_every_shipped_table_is_deployed_published_and_has_passing_decision_tests(ctx):
    assert SHIPPED == ["complaint_thresholds", "exemption_grounds", "masking_rules", "publication_window", "record_deadlines",
                       "sanction_deadlines", "sanction_measures", "warning_deadlines"]
    for key in SHIPPED:
        results = rules.run_decision_tests(key)
        assert results, f"{key} has no decision tests"
        assert all(r.passed for r in results), [(r.name, r.message, r.actual) for r in results if not r.passed]
    assert rules.in_force("publication_window", date(2026, 4, 1)).effective_from == date(2026, 4, 1)
    with pytest.raises(NotFound):
        rules.in_force("publication_window", date(2026, 3, 31))


def test_per_district_rows_differ_from_the_municipal_default(ctx):
    pudong = rules.decide("warning_deadlines", {"district": "pudong"}, on=clock.today())
    minhang = rules.decide("warning_deadlines", {"district": "minhang"}, on=clock.today())
    assert pudong.outputs["rectification_default_days"] == 20 and pudong.rows == [1]
    assert minhang.outputs["rectification_default_days"] == 30 and minhang.rows == [2]


def test_a_failing_decision_test_is_reported_with_actual_values(ctx):
    results = {r.name: r for r in rules.run_decision_tests("publication_window", xml=with_general_max(18))}
    failed = [r for r in results.values() if not r.passed]
    assert len(failed) == 2 and all(r.actual["max_months"] == 18 and r.expected["max_months"] == 12 for r in failed)
    assert all(r.inputs["tier"] == "general" for r in failed)


def test_test_decisions_cli_runs_every_table(runner):
    result = runner.invoke(args=["test-decisions"])
    assert result.exit_code == 0, result.output
    for key in SHIPPED:
        assert key in result.output


def test_deploying_the_shipped_tables_again_changes_nothing(ctx):
    before = db.session.scalars(select(DecisionVersion.id)).all()
    assert all(not created for _, _, created in rules.deploy_rules_dir())
    assert db.session.scalars(select(DecisionVersion.id)).all() == before


# ---------------------------------------------------------------- validation

def test_an_overlapping_unique_table_is_refused_with_its_row_numbers(ctx):
    xml = table(rule(1, '"minor"') + rule(2, '"general"') + rule(3, '"general", "serious"') + rule(4, ">= 3", "2"))
    problems = dmn.validate(xml)
    assert [(p.row, p.message[:9]) for p in problems] == [(2, "与第 3 行重叠：")]
    with pytest.raises(dmn.DecisionRefused) as refused:
        dmn.parse_dmn(xml, "t.dmn")
    assert "第 2 行" in refused.value.message and "第 3 行" in refused.value.message
    # The same rows in a FIRST table are fine: the first match wins.
    assert dmn.validate(table(rule(1, '"general"') + rule(2, '"general", "serious"'), hit="FIRST")) == []


def test_ranges_and_comparisons_overlap_only_when_provable():
    number = ['<input id="i1" label="件数"><inputExpression id="e1" typeRef="integer"><text>n</text></inputExpression></input>']
    assert [p.row for p in dmn.validate(table(rule(1, "[1..5]") + rule(2, "&gt;= 5"), inputs=number))] == [1]
    assert dmn.validate(table(rule(1, "[1..5)") + rule(2, "&gt;= 5") + rule(3, "&lt; 1"), inputs=number)) == []
    assert dmn.validate(table(rule(1, "? % 2 == 0") + rule(2, "? % 2 == 1"), inputs=number)) == []  # unknown: not reported


def test_missing_rows_for_declared_input_values_are_reported(ctx):
    declared = ['<input id="i1" label="程度"><inputExpression id="e1" typeRef="string"><text>tier</text></inputExpression>'
                '<inputValues id="v1"><text>"minor", "general", "serious"</text></inputValues></input>']
    problems = dmn.validate(table(rule(1, '"minor"') + rule(2, '"general"'), inputs=declared))
    assert [str(p) for p in problems] == ["缺少规则：没有任何一行适用于 程度 = 'serious'"]


def test_hit_policy_and_types_are_checked():
    problems = [str(p) for p in dmn.validate(table(rule(1, '"minor"', '"三"'), hit="ANY"))]
    assert any("不支持的命中策略 ANY" in p for p in problems)
    assert any(p.startswith("第 1 行“月数”列") and "integer" in p for p in problems)
    bad_type = table(rule(1, "-")).replace('typeRef="integer"', 'typeRef="money"')
    assert any("未知的类型 “money”" in str(p) for p in dmn.validate(bad_type))


def test_unsafe_xml_is_refused():
    assert "DOCTYPE" in str(dmn.validate('<!DOCTYPE x [<!ENTITY a "b">]><definitions/>')[0])


@pytest.mark.parametrize("cell", ["__import__('os').system('x')", "().__class__.__base__.__subclasses__()",
                                  "open('/etc/passwd').read()"])
def test_the_sandbox_refuses_a_hostile_cell_at_deploy(ctx, cell):
    for xml in (table(rule(1, cell)), table(rule(1, "-", cell))):
        problems = dmn.validate(xml)
        assert problems and problems[0].row == 1, problems
        with pytest.raises(ValidationFailed) as refused:
            rules.save_draft(user("designer"), "publication_window", xml.replace('id="t"', 'id="publication_window"'))
        assert "第 1 行" in refused.value.fields["xml"][0]


def test_the_sandbox_refuses_a_hostile_cell_at_evaluation_even_if_stored(ctx):
    """A table that reached the database without validation still cannot run the cell."""
    definition = rules.in_force("publication_window", clock.today()).definition
    xml = with_general_max(12).replace("<text>12</text>", "<text>__import__('os').getpid()</text>")
    db.session.add(DecisionVersion(definition_id=definition.id, version=99, xml=xml, content_hash="x", status="published",
                                   effective_from=clock.today(), comment="", publish_note=""))
    db.session.commit()
    with pytest.raises(dmn.DecisionRefused) as refused:
        rules.decide("publication_window", {"tier": "general", "district": ""}, on=clock.today())
    assert "第 2 行" in refused.value.message and "不允许使用以下划线开头的名称" in refused.value.message
    # And evaluation itself compiles every cell in the sandbox, whatever table object it is handed.
    with pytest.raises(dmn.DecisionError) as failed:
        dmn.evaluate(dmn.Table("t", "t", "FIRST", (), (dmn.Column("o", "", "x", "integer"),),
                               (dmn.Row(1, "r", (), ("__import__('os').getpid()",)),), None), {})
    assert "不允许使用以下划线开头的名称" in failed.value.message


# ---------------------------------------------------------------- drafts, publication, effective dates

def test_a_version_published_effective_tomorrow_is_used_from_tomorrow(ctx):
    draft = rules.save_draft(user("designer"), "publication_window", with_general_max(18), comment="一般失信最长18个月")
    assert draft.status == "draft" and draft.version == 2
    tomorrow = clock.today() + timedelta(days=1)
    rules.publish(user("approver"), draft.id, effective_from=tomorrow, note="按新规调整")
    general = {"tier": "general", "district": ""}
    today = rules.decide("publication_window", general, on=clock.today())
    assert (today.version, today.outputs["max_months"]) == (1, 12)
    assert rules.decide("publication_window", general, on=tomorrow).outputs["max_months"] == 18
    summary = next(s for s in rules.list_decisions() if s.key == "publication_window")
    assert summary.in_force.version == 1 and [v.version for v in summary.scheduled] == [2] and summary.drafts == []
    clock.set(clock.now() + timedelta(days=1))
    decided = rules.decide("publication_window", general, on=clock.today())
    assert (decided.version, decided.outputs["max_months"], decided.rows) == (2, 18, [2])
    assert decided.provenance()["effective_from"] == tomorrow.isoformat()


def test_publication_is_for_approvers_only_never_backdated_and_audited(ctx):
    draft = rules.save_draft(user("designer"), "publication_window", with_general_max(24))
    with pytest.raises(Forbidden):
        rules.publish(user("designer"), draft.id, effective_from=clock.today(), note="x")
    with pytest.raises(Forbidden):
        rules.save_draft(user("approver"), "publication_window", with_general_max(24))
    with pytest.raises(ValidationFailed) as refused:
        rules.publish(user("approver"), draft.id, effective_from=clock.today() - timedelta(days=1), note=" ")
    assert set(refused.value.fields) == {"effective_from", "note"}
    rules.publish(user("approver"), draft.id, effective_from=clock.today(), note="今日起施行")
    with pytest.raises(Conflict):
        rules.publish(user("approver"), draft.id, effective_from=clock.today(), note="again")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule.published")
                              .order_by(AuditEvent.id.desc()).limit(1))
    assert event.actor_id == user("approver").id
    assert event.data == {"decision": "publication_window", "version": 2, "effective_from": clock.today().isoformat(),
                          "note": "今日起施行"}


def test_drafts_name_their_own_key_and_unknown_keys_are_404(ctx):
    with pytest.raises(NotFound):
        rules.save_draft(user("designer"), "no_such_rule", shipped("publication_window"))
    with pytest.raises(ValidationFailed):
        rules.save_draft(user("designer"), "record_deadlines", shipped("publication_window"))


def test_change_summary_names_rows_and_cells(ctx):
    summary = rules.change_summary(key="publication_window", xml=with_general_max(18))
    assert summary["added"] == [] and summary["removed"] == []
    assert summary["changed"] == [{"row": 2, "old_row": 2, "cells": {"最长公开期（月）": ["12", "18"]}}]
    assert summary["against"] == {"version": 1, "effective_from": "2026-04-01"}
    draft = rules.save_draft(user("designer"), "publication_window", with_general_max(18))
    assert rules.change_summary(draft.id)["changed"][0]["cells"] == {"最长公开期（月）": ["12", "18"]}


def test_deploying_an_overlapping_unique_table_file_is_refused_naming_the_rows(ctx, tmp_path):
    path = tmp_path / "overlap.dmn"
    path.write_text(table(rule(1, '"minor"') + rule(2, "-"), key="overlap").replace(
        '<decision id="overlap"', '<decision xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0" id="overlap" '
        'cx:effectiveFrom="2026-09-14"'), encoding="utf-8")
    with pytest.raises(dmn.DecisionRefused) as refused:
        rules.deploy_file(path)
    assert refused.value.message.startswith("overlap.dmn: 决策表有 1 个问题，未部署：第 1 行：与第 2 行重叠")
    assert "overlap" not in rules.keys()


def test_what_the_editor_adds_to_a_table_is_accepted():
    """dmn-js writes descriptions, annotation columns and rule annotations; comments may appear too."""
    xml = table(rule(1, '"minor"') + rule(2, '"general"')).replace(
        '<decisionTable id="dt" hitPolicy="UNIQUE">',
        '<decisionTable id="dt" hitPolicy="UNIQUE"><description>说明</description><!-- 注释 -->').replace(
        'typeRef="integer"/>', 'typeRef="integer"/><annotation name="备注" />').replace(
        '<outputEntry id="r1o"><text>1</text></outputEntry>',
        '<outputEntry id="r1o"><text>1</text></outputEntry><annotationEntry><text>依据</text></annotationEntry>')
    assert dmn.validate(xml) == []
    assert dmn.evaluate(dmn.parse_dmn(xml), {"tier": "general"}).rows == [2]


def test_a_table_without_rows_or_with_a_private_output_name_is_refused():
    """An empty table would fail every decision taken from it (attack on issue 17: it validated and
    was published); an output named like a dunder is not a variable a process may read."""
    assert any("至少需要一条规则" in p.message for p in dmn.validate(table("")))
    dunder = table(rule(1, '"a"')).replace('name="months"', 'name="__class__"')
    assert any("输出列的名称" in p.message and "__class__" in p.message for p in dmn.validate(dunder)), dmn.validate(dunder)


def test_a_draft_that_renames_an_output_the_processes_read_is_refused(ctx):
    """Renaming max_months would make every publication decision fail with NameError: refused at save."""
    renamed = shipped("publication_window").replace('name="max_months"', 'name="max_month"')
    assert dmn.validate(renamed) == []  # a table on its own is fine...
    with pytest.raises(ValidationFailed) as refused:
        rules.save_draft(user("designer"), "publication_window", renamed)
    assert "缺少现行版本的输出列 max_months" in str(refused.value.fields["xml"])  # ...but not as this table's next version
    assert db.session.scalar(select(DecisionVersion).where(DecisionVersion.status == "draft")) is None
    added = shipped("publication_window").replace(
        '<output id="out_max_months"', '<output id="out_note" label="备注" name="note" typeRef="string" /><output id="out_max_months"')
    added = re.sub(r'(<outputEntry id="(publication_window_\w+)_o2">)', r'<outputEntry id="\2_note"><text>""</text></outputEntry>\1', added)
    assert rules.save_draft(user("designer"), "publication_window", added).status == "draft"  # adding one is harmless


def test_change_summary_shows_a_changed_input_expression(ctx):
    """Reading every record as general tier changes no cell, but it is a change the approver must see."""
    xml = shipped("publication_window").replace("<text>tier</text>", '<text>"general"</text>')
    summary = rules.change_summary(key="publication_window", xml=xml)
    assert summary["columns"]["removed"] == ["失信程度［输入 tier：string］"]
    assert summary["columns"]["added"] == ['失信程度［输入 "general"：string］']
