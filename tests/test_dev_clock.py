"""The development clock (issue 15): an admin (or `flask dev-clock`) sets product time for the
whole installation, so the web app stamps what it records with that time and `tick` fires what
is due by it; off in production (404, refused)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from tests.support import Api
from tests.web_support import login, post

ROOT = Path(__file__).resolve().parent.parent
TARGET = datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ)  # a Monday ahead of the real date, in a loaded year


@pytest.fixture()
def dev_clock(app, tmp_path):
    """The development clock switched on, with real time running (tests usually freeze it)."""
    app.config["DEV_CLOCK"] = True
    clock.use_development_offset(str(tmp_path / "dev-clock.json"))
    clock.reset()
    yield
    clock.use_development_offset(None)
    app.config["DEV_CLOCK"] = False


def _close(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(minutes=1)


def test_an_admin_sets_the_clock_and_the_web_app_records_with_it(dev_clock, app, client):
    assert login(client, "admin").status_code == 302
    r = post(client, "/admin/dev-clock", {"op": "set", "when": "2026-12-14T09:00"}, page="/admin/dev-clock")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert _close(clock.now(), TARGET)
    html = client.get("/tasks").get_data(as_text=True)
    assert 'id="dev-clock-banner"' in html and "2026-12-14 09:0" in html
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()
        assert _close(db.session.get(Case, case["id"]).created_at, TARGET)  # not the real date
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dev_clock.changed")).one()
        assert entry.actor.username == "admin" and "2026-12-14 09:00" in entry.summary


def test_tick_fires_what_is_due_by_the_development_clock(dev_clock, app, runner):
    with app.app_context():
        api = Api(app.test_client())
        clock.set_development_time(TARGET)
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
        assert api.as_("reviewer").case(case["id"])["status"] == "notified"
        # the 5-working-day objection window closes at the end of Monday 12-21
        assert runner.invoke(args=["dev-clock", "set", "2026-12-22T00:00:30"]).exit_code == 0
        assert runner.invoke(args=["tick"]).exit_code == 0
        assert api.as_("reviewer").case(case["id"])["status"] == "confirmed"


def test_the_api_sets_moves_and_resets_and_refuses_bad_input(dev_clock, app):
    with app.app_context():
        admin = Api(app.test_client()).as_("admin")
        body = admin.post("/admin/dev-clock", {"when": "2026-12-14T09:00"}).get_json()
        assert _close(datetime.fromisoformat(body["now"]), TARGET)
        moved = admin.post("/admin/dev-clock", {"advance_days": 3}).get_json()
        assert _close(datetime.fromisoformat(moved["now"]), TARGET + timedelta(days=3))
        for bad, field in (({"when": "下周一"}, "when"), ({"advance_days": 0}, "advance_days"),
                           ({"when": "2040-01-01T00:00"}, "when"), ({}, "when")):
            r = admin.post("/admin/dev-clock", bad)
            assert r.status_code in (400, 422) and field in r.get_json()["error"]["fields"], (bad, r.get_json())
        assert admin.post("/admin/dev-clock", {"reset": True}).get_json()["offset_seconds"] == 0
        assert _close(clock.now(), datetime.now(timezone.utc))
        assert Api(app.test_client()).as_("supervisor").get("/admin/dev-clock").status_code == 403


def test_off_the_clock_cannot_be_moved_anywhere(app, client, runner):
    assert not app.config["DEV_CLOCK"]  # as in production
    assert login(client, "admin").status_code == 302
    assert client.get("/admin/dev-clock").status_code == 404
    assert "开发时钟" not in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert Api(app.test_client()).as_("admin").post("/admin/dev-clock", {"advance_days": 1}).status_code == 404
    result = runner.invoke(args=["dev-clock", "advance", "1"])
    assert result.exit_code == 1 and "只在开发环境中可用" in result.output


def test_production_keeps_the_development_clock_off_whatever_the_environment_says(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_TESTING", "CHENGXIN_ENV")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", UPLOAD_DIR=str(tmp_path / "uploads"), SECRET_KEY="k" * 64,
               PUBLIC_BASE_URL="https://chengxin.example.gov.cn", CHENGXIN_DEV_CLOCK="1")
    probe = "import wsgi; print(wsgi.app.config['DEV_CLOCK'])"
    run = lambda extra: subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**env, **extra},  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    assert run({"CHENGXIN_ENV": "production"}).stdout.strip() == "False"
    assert run({}).stdout.strip() == "True"  # development: on


def test_tick_now_is_refused_where_the_development_clock_is_off(app, api, runner):
    """Production (DEV_CLOCK off) fires timers by real time only: `tick --now` a year ahead would
    fire every deadline at once and stamp the timelines with that day (issue 15 attack)."""
    assert not app.config["DEV_CLOCK"]  # as in production
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    before = clock.now()
    result = runner.invoke(args=["tick", "--now", "2026-12-22T00:00:30"])  # past the objection window
    assert result.exit_code == 1 and "只在开发环境中可用" in result.output
    assert clock.now() == before
    assert api.as_("reviewer").case(case["id"])["status"] == "notified"  # the window did not close early


def test_tick_now_still_moves_timers_in_development(dev_clock, app, runner):
    result = runner.invoke(args=["tick", "--now", "2026-12-14T09:00"])
    assert result.exit_code == 0, result.output
