"""Joint sanctions in Chromium (issue 19): an implementing unit finds its 落实惩戒措施 task in its
inbox, named with its measure, answers it with the feedback form, and the recording unit sees the
feedback matrix fill on the record's page; a unit's other-unit task is not found."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.cases.models import Case
from app.core.extensions import db
from app.org.models import Department
from app.tasks.models import HumanTask
from tests.support import Api
from tests.test_joint_sanctions import published, sanctions_case


def test_an_implementing_unit_answers_and_the_matrix_fills(app, login_as):
    with app.app_context():
        record_id = published(Api(app.test_client()))
        joint = sanctions_case(db.session.get(Case, record_id))
        czj = db.session.scalar(select(Department.id).where(Department.code == "czj"))
        other = db.session.scalar(select(HumanTask.id).where(HumanTask.case_id == joint.id, HumanTask.department_id == czj))
        db.session.remove()

    unit = login_as("implementer.rsj")
    unit.goto("/tasks?tab=available")
    row = unit.locator("#task-table tr", has_text="取消参加各类荣誉评选资格")
    expect(row).to_have_count(1)
    expect(unit.locator("#task-table tbody tr")).to_have_count(1)  # only its own unit's measure
    row.get_by_role("link", name="办理").click()
    expect(unit.locator("#task-item")).to_have_text("取消参加各类荣誉评选资格")
    expect(unit.locator("#task-unit")).to_contain_text("市人力资源社会保障局")
    unit.locator("#f-sanction_outcome").select_option("applied")
    unit.get_by_label("落实（认定）日期").fill("2026-09-14")
    unit.get_by_label("落实情况说明及证据").fill("已暂停其参加 2026 年度评选资格，沪人社〔2026〕88号")
    unit.get_by_role("button", name="提交").click()
    expect(unit.get_by_role("status").first).to_contain_text("已提交")
    assert unit.goto(f"/tasks/{other}").status == 404

    recorder = login_as("recorder")
    recorder.goto(f"/cases/{record_id}")
    matrix = recorder.locator("#sanction-matrix")
    expect(matrix).to_be_visible()
    applied = matrix.locator('td[data-measure="no_honours"][data-unit="rsj"]')
    expect(applied).to_have_attribute("data-state", "applied")
    expect(applied).to_contain_text("已落实")
    expect(applied).to_contain_text("沪人社〔2026〕88号")
    expect(matrix.locator('td[data-state="pending"]')).to_have_count(4)
    expect(recorder.locator("#sanctions-card")).to_contain_text(re.compile(r"LD-2026-\d{6}"))
