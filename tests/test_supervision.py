"""The supervision view and linked cases, through the pages."""
from datetime import timedelta

from app.calendar.service import add_working_days
from app.core.clock import clock, local_midnight_after
from tests.support import Api
from tests.test_warning_lifecycle import CONFIRM, PLAN, WARNING
from tests.web_support import login


def warning(app, **overrides) -> dict:
    with app.app_context():
        r = Api(app.test_client()).as_("supervisor").post("/cases", {"process": "warning_rectification",
                                                                     "data": {**WARNING, **overrides}})
        assert r.status_code == 201, r.get_json()
        return r.get_json()


def test_supervision_view_counts_stages_overdue_tasks_and_due_dates(app, client, tick):
    first = warning(app)
    warning(app, subject_department="pudong", key_area="河道治理", title="河长承诺逾期")
    with app.app_context():
        api = Api(app.test_client())
        api.as_("handler.fgw").complete(first["id"], "explain", {"explanation": "说明", "will_rectify": "yes"})
        api.as_("handler.fgw").complete(first["id"], "submit_plan", {**PLAN, "rectification_deadline": "2026-09-18"})
        api.as_("supervisor").complete(first["id"], "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    with app.app_context():
        explanation_overdue = local_midnight_after(add_working_days(clock.today(), 5)) + timedelta(minutes=1)
    tick(explanation_overdue)
    login(client, "supervisor")
    html = client.get("/supervision").get_data(as_text=True)
    table = html.split('id="warnings-by-unit"')[1].split("</table>")[0]
    assert "市发展改革委" in table and "浦东新区人民政府" in table
    assert '<td class="text-end" data-stage="tracking">1</td>' in table
    assert '<td class="text-end" data-stage="explaining">1</td>' in table
    overdue = html.split('id="overdue-tasks"')[1].split("</table>")[0]
    assert "书面说明原因" in overdue and first["number"] not in overdue  # only the pudong warning is overdue
    steps = html.split('id="step-times"')[1].split("</table>")[0]
    assert "书面说明原因" in steps and "审核整改方案" in steps
    filtered = client.get("/supervision?area=河道治理").get_data(as_text=True)
    assert "市发展改革委" not in filtered.split('id="warnings-by-unit"')[1].split("</table>")[0]


def test_rectifications_due_this_week(app, client):
    case = warning(app)
    with app.app_context():
        api = Api(app.test_client())
        api.as_("handler.fgw").complete(case["id"], "explain", {"explanation": "说明", "will_rectify": "yes"})
        api.as_("handler.fgw").complete(case["id"], "submit_plan", {**PLAN, "rectification_deadline": "2026-09-18"})
        api.as_("supervisor").complete(case["id"], "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    login(client, "supervisor")
    html = client.get("/supervision").get_data(as_text=True)
    assert case["number"] in html.split('id="due-this-week"')[1].split("</ul>")[0]


def test_supervision_is_for_supervisors_only(client):
    login(client, "reviewer")
    assert client.get("/supervision").status_code == 403


def test_case_page_links_the_warning_and_the_record_it_became(app, client):
    case = warning(app)
    with app.app_context():
        api = Api(app.test_client())
        api.as_("handler.fgw").complete(case["id"], "explain", {"explanation": "不认可", "will_rectify": "no"})
        api.as_("supervisor").complete(case["id"], "confirm_escalation", CONFIRM)
    login(client, "supervisor")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    links = html.split('id="linked-cases"')[1].split("</ul>")[0]
    assert "升级为失信记录" in links and "ZX-2026-" in links
    record_url = links.split('href="')[1].split('"')[0]
    assert "来源预警" in client.get(record_url).get_data(as_text=True)


def test_a_supervisor_reads_the_supervision_view_with_a_token(app, tick):
    """Found by attack 13: /supervision had no API twin. GET /api/v1/supervision answers the
    page's figures from the same service, with the page's filters; others 403, bad filters 422."""
    first = warning(app)
    second = warning(app, subject_department="pudong", key_area="河道治理", title="河长承诺逾期")
    with app.app_context():
        api = Api(app.test_client())
        api.as_("handler.fgw").complete(first["id"], "explain", {"explanation": "说明", "will_rectify": "yes"})
        api.as_("handler.fgw").complete(first["id"], "submit_plan", {**PLAN, "rectification_deadline": "2026-09-18"})
        api.as_("supervisor").complete(first["id"], "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
        explanation_overdue = local_midnight_after(add_working_days(clock.today(), 5)) + timedelta(minutes=1)
    tick(explanation_overdue)
    with app.app_context():
        supervisor = Api(app.test_client()).as_("supervisor")
        response = supervisor.get("/supervision")
        assert response.status_code == 200, response.get_json()
        view = response.get_json()
        units = {row["unit"]: row["stages"] for row in view["warnings_by_unit"]}
        assert units["市发展改革委"] == {"tracking": 1} and units["浦东新区人民政府"] == {"explaining": 1}
        assert [s["code"] for s in view["stages"]] == ["warning_issued", "explaining", "planning", "tracking", "verifying", "escalation_pending"]
        assert [t["case_number"] for t in view["overdue_tasks"]] == [second["number"]]
        assert {"书面说明原因", "审核整改方案"} <= {s["step"] for s in view["step_times"]}
        assert all(s["completed"] >= 1 and s["average_days"] >= 0 for s in view["step_times"])
        filtered = supervisor.get("/supervision?area=河道治理").get_json()
        assert [row["unit"] for row in filtered["warnings_by_unit"]] == ["浦东新区人民政府"] and filtered["area"] == "河道治理"
        pudong = supervisor.get("/departments?kind=district&per_page=100").get_json()["items"]
        pudong_id = next(d["id"] for d in pudong if d["code"] == "pudong")
        assert [row["unit"] for row in supervisor.get(f"/supervision?district={pudong_id}").get_json()["warnings_by_unit"]] \
            == ["浦东新区人民政府"]
        for bad in ("district=abc", "district=1", "area=不存在"):  # 1 is 市发展改革委, not a district
            refused = supervisor.get(f"/supervision?{bad}")
            assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == [bad.split("=")[0]], bad
        assert Api(app.test_client()).as_("reviewer").get("/supervision").status_code == 403
        assert app.test_client().get("/api/v1/supervision").status_code == 401
