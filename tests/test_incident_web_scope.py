"""Case operations on the web (suspend, resume, cancel) answer 404 outside the operator's scope and
403 to a role that sees the case but may not operate (issue 15 attack: the pages answered 302 and a
flash "案件不存在" instead), as the API and the other case pages do."""
from __future__ import annotations

from sqlalchemy import select

from app.cases.models import TimelineEvent
from app.core.extensions import db
from tests.support import Api, add_district_user
from tests.web_support import login, post


def test_case_operations_on_the_web_are_404_outside_scope_and_403_for_other_roles(app, client):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()  # subject: 市发展改革委, a city unit
        add_district_user("sup.pudong", "浦东督导员", "supervisor")
    page = f"/cases/{case['id']}"
    assert login(client, "sup.pudong").status_code == 302
    for op in ("suspend", "resume", "cancel"):
        r = post(client, f"/cases/{case['id']}/{op}", {"reason": "试试"}, page="/tasks")
        assert r.status_code == 404, (op, r.status_code)
    handler = app.test_client()
    assert login(handler, "handler.fgw").status_code == 302  # sees the case, may not operate on it
    r = post(handler, f"/cases/{case['id']}/cancel", {"reason": "试试"}, page=page)
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(TimelineEvent.kind).where(
            TimelineEvent.kind.in_(["case.suspended", "case.resumed", "case.cancelled"]))).all() == []
