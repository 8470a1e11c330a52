"""Migration that tells the truth (issue 15), another placement of the migration-adds-timer case:
the target adds a reminder to a task that already has a boundary timer (an overdue timer). The
dry run names the reminder as added, and after the move it fires as on a case started on the
target, beside the overdue timer the task already had."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.core.clock import LOCAL_TZ
from app.core.extensions import db
from app.designer import service as designer_service
from app.designer.deployment import deploy_bytes
from app.org.models import User
from tests.support import RECORD, elements

V2 = (Path(__file__).parent / "cases" / "migration-adds-timer" / "v2.bpmn").read_text()
OVERDUE = """<bpmn:boundaryEvent id="a_over" name="逾期" attachedToRef="a_task" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days_deadline(4)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="over" name="逾期标记"><bpmn:script>correct_record({'title': case['title'] + '+O'})</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="over_end" name="已标记" />
    <bpmn:sequenceFlow id="f_o1" sourceRef="a_over" targetRef="over" />
    <bpmn:sequenceFlow id="f_o2" sourceRef="over" targetRef="over_end" />
"""
# Both versions have the overdue timer; only the target has the reminder (a_remind → remind → remind_end).
TARGET = V2.replace('<bpmn:boundaryEvent id="a_remind"', OVERDUE + '<bpmn:boundaryEvent id="a_remind"')
SOURCE = re.sub(r'<bpmn:(boundaryEvent|scriptTask) id="(a_remind|remind)".*?</bpmn:\1>|<bpmn:endEvent id="remind_end"[^>]*/>'
                r'|<bpmn:sequenceFlow id="f_r[12]"[^>]*/>', "", TARGET, flags=re.S)


def test_a_reminder_added_beside_an_existing_boundary_timer_is_listed_created_and_fires(api, tick):
    assert "a_remind" not in SOURCE and "a_over" in SOURCE
    deploy_bytes(SOURCE.encode(), "v1.bpmn")
    case = api.as_("recorder").post("/cases", {"process": "f07_migrate_timer", "data": RECORD}).get_json()
    deploy_bytes(TARGET.encode(), "v2.bpmn")
    (plan,) = [p for _, p in designer_service.migration_plan("f07_migrate_timer", 1, 2)]
    assert plan.possible and plan.added == ["“单位报送”上的边界事件“到期前提醒”"]
    designer = db.session.scalar(select(User).where(User.username == "designer"))
    assert designer_service.migrate(designer, "f07_migrate_timer", 1, 2) == ([case["number"]], [])
    # Registered Monday 09-14: the reminder at the end of Wednesday 09-16, the overdue mark at the end of Friday 09-18.
    tick(datetime(2026, 9, 17, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"] + "+R"
    tick(datetime(2026, 9, 19, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"] + "+R+O"
    api.as_("handler.fgw").complete(case["id"], "a_task", {"progress": "已报送", "completed": False})
    assert elements(api.as_("reviewer").case(case["id"])) == ["c_task"]
