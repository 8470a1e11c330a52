"""Every paginated page with more than one page of rows: page 1 and page 2 answer 200 and show the
pager (issue 12, finding 14: /admin/users gave 500 once there were more than 20 users)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.core.clock import LOCAL_TZ, clock
from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.cases.models import Case
from app.publication import service as publication
from app.notifications.models import Notification
from app.org.models import Department, User
from app.designer.deployment import deploy_path
from tests.support import RECORD, Api
from tests.test_incidents import FAILING
from tests.web_support import login

ROWS = 21  # every list shows 20 a page
EXEMPT = {"entry_decision": "exempt", "review_opinion": "符合容错情形"}


def _pages(client, url: str, label: str) -> None:
    for page in (1, 2):
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}page={page}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (url, page, html[:300])
        assert 'class="pagination' in html and f'aria-label="{label}"' in html, (url, page)
        assert 'aria-current="page">2<' in html if page == 2 else 'aria-current="page">1<' in html


def _web(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _seed(app, client) -> list[int]:
    """2×ROWS cases waiting for entry review, and ROWS users, complaints and admin notifications."""
    with app.app_context():
        recorder = Api(client).as_("recorder")
        case_ids = [recorder.register(title=f"分页案件 {i}")["id"] for i in range(ROWS * 2)]
        fgw = db.session.scalar(select(Department).where(Department.code == "fgw"))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        for i in range(ROWS):
            user = User(username=f"page.user{i:02d}", full_name=f"分页用户{i}", department=fgw)
            user.set_password("Demo@2026x")
            user.set_roles(["recorder"])
            db.session.add(user)
            db.session.add(Complaint(external_id=f"P-{i}", received_on=date(2026, 9, 1), department=fgw,
                                     channel="12345", category="办事效率", text="分页投诉"))
            db.session.add(Notification(user_id=admin.id, kind="decision", title=f"分页通知 {i}", body=""))
        db.session.commit()
        db.session.remove()
    return case_ids


def test_every_paginated_page_has_a_second_page(app, client):
    case_ids = _seed(app, client)
    reviewer_web, supervisor_web, admin_web = _web(app, "reviewer"), _web(app, "supervisor"), _web(app, "admin")
    _pages(reviewer_web, "/tasks?tab=available", "待办分页")
    _pages(supervisor_web, "/tasks?tab=supervised", "待办分页")
    with app.app_context():
        reviewer = Api(client).as_("reviewer")
        for case_id in case_ids[:ROWS]:
            reviewer.complete(case_id, "entry_review", EXEMPT)
        for case_id in case_ids[ROWS:]:
            assert reviewer.post(f"/tasks/{reviewer.task_for(case_id, 'entry_review')['id']}/claim").status_code == 200
        db.session.remove()
    _pages(reviewer_web, "/tasks?tab=mine", "待办分页")
    _pages(reviewer_web, "/tasks?tab=completed", "待办分页")
    _pages(reviewer_web, "/cases", "案件分页")
    _pages(supervisor_web, "/complaints", "投诉分页")
    _pages(admin_web, "/admin/users", "用户分页")
    _pages(admin_web, "/notifications", "通知分页")


def test_the_incidents_page_has_a_second_page(app, client, runner):
    with app.app_context():
        deploy_path(FAILING)
        recorder = Api(client).as_("recorder")
        for i in range(ROWS):
            recorder.post("/cases", {"process": "f15_timer_script_error", "data": {**RECORD, "title": f"分页异常 {i}"}})
        db.session.remove()
    clock.set(datetime(2026, 9, 17, 9, 0, tzinfo=LOCAL_TZ))  # every reminder fails: one incident each
    assert f"失败 {ROWS} 个" in runner.invoke(args=["tick"]).output
    _pages(_web(app, "admin"), "/incidents", "异常分页")


def test_the_portal_and_the_publication_register_have_a_second_page(app, client):
    with app.app_context():
        recorder = Api(client).as_("recorder")
        ids = [recorder.register(title=f"分页公开 {i}")["id"] for i in range(ROWS)]
        with unit_of_work():
            for case_id in ids:  # published as the `publish` script's set_publication does
                publication.open_publication(db.session.get(Case, case_id), clock.today(), date(2027, 9, 14))
        db.session.remove()
    _pages(app.test_client(), "/public", "公开查询分页")
    _pages(_web(app, "reviewer"), "/publications", "公开登记分页")
