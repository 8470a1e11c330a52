"""The benchmark load generator makes valid data: cloned cases can be worked like real ones."""
from sqlalchemy import func, select

from app.cases.models import Case
from app.core.extensions import db
from app.tasks.models import HumanTask


def test_generate_load_creates_cases_whose_cloned_tasks_can_be_completed(runner, app, api):
    result = runner.invoke(args=["generate-load", "60", "--templates", "6"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) >= 60
    numbers = db.session.scalars(select(Case.number)).all()
    assert len(numbers) == len(set(numbers))
    reviewer = api.as_("reviewer")
    listed = reviewer.get("/tasks?scope=available&per_page=100").get_json()
    entry_reviews = [t for t in listed["items"] if t["element"] == "entry_review"]
    assert entry_reviews, listed
    last = max(entry_reviews, key=lambda t: t["id"])  # a clone, not one of the first templates
    r = reviewer.post(f"/tasks/{last['id']}/complete", {"data": {"entry_decision": "approve", "review_opinion": "同意"}})
    assert r.status_code == 200, r.get_json()
    assert db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.case_id == last["case_id"], HumanTask.bpmn_id == "respond_notice", HumanTask.status == "open")) == 1
