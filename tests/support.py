"""Helpers for driving the API as real users."""
from __future__ import annotations

from datetime import date, timedelta

from app.auth.service import issue_token
from app.calendar.service import replace_year
from app.core.transaction import unit_of_work
from app.core.clock import clock
from app.core.extensions import db
from app.org.models import User
from sqlalchemy import select

RECORD = {
    "subject_type": "department",
    "subject_department": "fgw",
    "title": "拖欠中标企业合同款",
    "source_type": "administrative_penalty",
    "document_number": "沪财监〔2026〕17号",
    "key_area": "政府采购",
    "tier": "general",
    "facts": "2026年3月项目验收合格后，未按合同约定在30日内向中标企业拨付合同款 120 万元。",
    "occurred_on": "2026-03-15",
    "decided_on": "2026-09-14",  # the penalty decision: the day the tests' clock starts (tests/conftest.py START)
}


class UserApi:
    """A logged-in user. Tests move the clock by months; the user logs in again when the token
    is about to expire, as a real client would."""

    def __init__(self, client, username: str):
        self.client, self.username = client, username
        self._login()

    def _login(self):
        user = db.session.scalar(select(User).where(User.username == self.username))
        self.token, self.issued_at = issue_token(user), clock.now()

    def _headers(self):
        if clock.now() - self.issued_at > timedelta(hours=11):
            self._login()
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url, **kw):
        return self.client.get(f"/api/v1{url}", headers=self._headers(), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(f"/api/v1{url}", json=json, headers=self._headers(), **kw)

    # Conveniences that assert success, so a lifecycle test reads as a story.
    def register(self, **overrides) -> dict:
        r = self.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, **overrides}})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def case(self, case_id: int) -> dict:
        r = self.get(f"/cases/{case_id}")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def task_for(self, case_id: int, element: str) -> dict:
        """The open task of this case at `element` that this user can act on."""
        for scope in ("mine", "available"):
            r = self.get(f"/tasks?scope={scope}&per_page=100")
            assert r.status_code == 200, r.get_json()
            for item in r.get_json()["items"]:
                if item["case_id"] == case_id and item["element"] == element:
                    return item
        raise AssertionError(f"{self.username} has no open task {element} for case {case_id}")

    def complete(self, case_id: int, element: str, data: dict) -> dict:
        task = self.task_for(case_id, element)
        r = self.post(f"/tasks/{task['id']}/complete", {"data": data})
        assert r.status_code == 200, r.get_json()
        return r.get_json()


class Api:
    def __init__(self, client):
        self.client = client

    def as_(self, username: str) -> UserApi:
        return UserApi(self.client, username)


def elements(case: dict) -> list[str]:
    return sorted(t["element"] for t in case["open_tasks"])


def add_district_user(username: str, full_name: str, role: str, district: str = "pudong") -> User:
    """A user of `role` whose scope is one district (its own unit), committed."""
    from app.org.models import Department

    unit = db.session.scalar(select(Department).where(Department.code == district))
    user = User(username=username, full_name=full_name, department=unit, scope_district_id=unit.id)
    user.set_password("Demo@2026")
    user.set_roles([role])
    db.session.add(user)
    db.session.commit()
    return user


def load_calendar_year(year: int) -> None:
    """A working-day calendar for `year` (1 January a holiday, weekends off), imported as an admin
    does once the State Council publishes the year's schedule: for tests that follow a published
    record into a year the calendar package does not know — ending it lifts its joint sanctions,
    whose lifting tasks have working-day deadlines. `_clean` removes the year again."""
    with unit_of_work():
        replace_year(year, [(date(year, 1, 1), "holiday", "元旦")], "测试导入")

