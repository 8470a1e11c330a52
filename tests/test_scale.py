"""The production shape: several tickers at once, many users acting on one case at once through
two gunicorn workers, and a worker killed in the middle of completing a task."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases.models import Case, TimelineEvent
from app.cases.timers import fire_due_timers
from app.core.clock import LOCAL_TZ, clock
from app.engine import ProcessInstance
from app.core.extensions import db
from app.tasks.models import HumanTask
from tests.support import Api

ROOT = Path(__file__).resolve().parent.parent


def notified_cases(app, n: int) -> list[int]:
    with app.app_context():
        api = Api(app.test_client())
        recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
        ids = []
        for _ in range(n):
            case = recorder.register(occurred_on="2025-12-01", decided_on="2025-12-01")  # before any clock these tests set
            reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
            ids.append(case["id"])
        return ids


def count(kind: str, case_id: int, element: str | None = None) -> int:
    """Timeline events of a kind (at an element) — a duplicate here would be a double action."""
    rows = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case_id, TimelineEvent.kind == kind))
    return sum(1 for e in rows if element is None or e.data.get("element") == element)


def test_four_tickers_at_once_fire_each_due_timer_exactly_once(app):
    ids = notified_cases(app, 8)
    clock.set(datetime(2026, 9, 21, 0, 0, 1, tzinfo=LOCAL_TZ))  # every objection window has closed
    errors, barrier = [], threading.Barrier(4)

    def ticker():
        with app.app_context():
            barrier.wait()
            try:
                fire_due_timers()
            except Exception as exc:  # noqa: BLE001 — any error is a failure of the test
                errors.append(exc)

    threads = [threading.Thread(target=ticker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with app.app_context():
        for case_id in ids:
            assert count("timer.fired", case_id, "objection_window_closed") == 1
            assert db.session.get(Case, case_id).record_status == "confirmed"
            tasks = db.session.scalars(select(HumanTask.bpmn_id).where(HumanTask.case_id == case_id,
                                                                       HumanTask.status == "open")).all()
            assert tasks == ["publication_decision"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def gunicorn(app, tmp_path):
    """Two real gunicorn workers on the test database."""
    procs = []

    def start(**env):
        port = _free_port()
        environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                       "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SECRET_KEY": "scale-test", **env}
        environment.pop("FLASK_TESTING", None)
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                 "--graceful-timeout", "2", "wsgi:app"], cwd=ROOT, env=environment,
                                stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "w"))
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                return base
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def call(base, path, token, data=None, headers=None):
    request = urllib.request.Request(base + path, method="POST", data=json.dumps(data or {}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def open_task_ids(app, ids, element="respond_notice") -> list[int]:
    with app.app_context():
        return [db.session.scalar(select(HumanTask.id).where(HumanTask.case_id == i, HumanTask.bpmn_id == element,
                                                             HumanTask.status == "open")) for i in ids]


def tokens(app, *usernames) -> list[str]:
    from app.auth.service import issue_token
    from app.org.models import User

    with app.app_context():
        return [issue_token(db.session.scalar(select(User).where(User.username == u))) for u in usernames]


def second_handler(app) -> None:
    from app.org.models import Department, User

    with app.app_context():
        user = User(username="handler.fgw.b", full_name="经办人 乙",
                    department=db.session.scalar(select(Department).where(Department.code == "fgw")))
        user.set_password("x")
        user.set_roles(["handler"])
        db.session.add(user)
        db.session.commit()


def test_fifty_parallel_completes_and_claims_through_two_gunicorn_workers(app, gunicorn):
    clock.reset()  # the gunicorn workers read real time
    ids = notified_cases(app, 5)
    base = gunicorn()
    second_handler(app)
    first, second = tokens(app, "handler.fgw", "handler.fgw.b")
    tasks = open_task_ids(app, ids)

    claims = []
    def claim(task_id, token, who):
        claims.append((task_id, who, *call(base, f"/api/v1/tasks/{task_id}/claim", token)))
    threads = [threading.Thread(target=claim, args=(t, tok, who)) for t in tasks for _ in range(5)
               for tok, who in ((first, "handler.fgw"), (second, "handler.fgw.b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(claims) == 50 and all(code in (200, 409) for _, _, code, _ in claims), claims
    winners = {}
    with app.app_context():
        for task_id in tasks:
            holder = db.session.get(HumanTask, task_id).claimed_by.username
            winners[task_id] = holder
            assert {who for t, who, code, _ in claims if t == task_id and code == 200} == {holder}
            assert all(body["error"]["code"] == "conflict" for t, who, code, body in claims
                       if t == task_id and code == 409)

    results = []
    token_of = {"handler.fgw": first, "handler.fgw.b": second}
    def complete(task_id):
        results.append((task_id, *call(base, f"/api/v1/tasks/{task_id}/complete", token_of[winners[task_id]],
                                       {"data": {"response": "accept"}})))
    threads = [threading.Thread(target=complete, args=(t,)) for t in tasks for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 50 and sorted({code for _, code, _ in results}) == [200, 409], results
    with app.app_context():
        for task_id, case_id in zip(tasks, ids, strict=True):
            assert sum(1 for t, code, _ in results if t == task_id and code == 200) == 1
            assert count("task.completed", case_id, "respond_notice") == 1
            assert db.session.get(Case, case_id).record_status == "confirmed"
            assert db.session.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.bpmn_id == "publication_decision")) == 1


def test_parallel_registrations_and_completes_all_succeed_through_two_gunicorn_workers(app, gunicorn):
    """No false conflicts: users acting on different cases at the same moment all succeed, and
    case numbers stay unique and gap-free. (On SQLite a user action takes the write lock when it
    begins, so its reads — the number sequence, the task — cannot go stale before it writes;
    without that, two registrations read the same last number and one is refused with a 409.)"""
    from tests.support import RECORD

    clock.reset()
    ids = notified_cases(app, 12)
    base = gunicorn()
    recorder, handler = tokens(app, "recorder", "handler.fgw")
    tasks = open_task_ids(app, ids)
    jobs = [("/api/v1/cases", recorder, {"process": "dishonesty_record", "data": RECORD})] * 24
    jobs += [(f"/api/v1/tasks/{t}/complete", handler, {"data": {"response": "accept"}}) for t in tasks]
    results, barrier = [], threading.Barrier(len(jobs))

    def run(path, token, data):
        barrier.wait(30)
        results.append((path, *call(base, path, token, data)))
    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert len(results) == len(jobs)
    assert [r for r in results if r[1] not in (200, 201)] == []
    with app.app_context():
        # Records only: each accepted notice also opens the unit's rectification warning (issue 18),
        # numbered in its own series.
        numbers = sorted(int(n.rsplit("-", 1)[1]) for n in db.session.scalars(
            select(Case.number).where(Case.number.startswith("ZX-"))))
        assert numbers == list(range(1, 37))
        for case_id in ids:
            assert db.session.get(Case, case_id).record_status == "confirmed"
            assert count("task.completed", case_id, "respond_notice") == 1


def test_a_worker_killed_in_the_middle_of_completing_leaves_the_task_completable(app, gunicorn):
    clock.reset()
    [case_id] = notified_cases(app, 1)
    base = gunicorn(CHENGXIN_FAULT_INJECTION="1")
    [token] = tokens(app, "handler.fgw")
    [task_id] = open_task_ids(app, [case_id])
    with app.app_context():
        before = db.session.get(ProcessInstance, db.session.get(Case, case_id).instance_id)
        state, version = before.state_json, before.lock_version
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        call(base, f"/api/v1/tasks/{task_id}/complete", token, {"data": {"response": "accept"}},
             {"X-Chengxin-Fault": "complete.before_commit"})
    with app.app_context():
        instance = db.session.get(ProcessInstance, db.session.get(Case, case_id).instance_id)
        assert (instance.state_json, instance.lock_version) == (state, version)  # nothing half-written
        assert db.session.get(HumanTask, task_id).status == "open"
        assert count("task.completed", case_id, "respond_notice") == 0
    for _ in range(50):  # gunicorn replaces the dead worker
        code, body = call(base, f"/api/v1/tasks/{task_id}/complete", token, {"data": {"response": "accept"}})
        if code != 502:
            break
        time.sleep(0.1)
    assert code == 200, body
    with app.app_context():
        assert db.session.get(Case, case_id).record_status == "confirmed"
        assert count("task.completed", case_id, "respond_notice") == 1


def test_a_celery_worker_on_redis_fires_due_timers(app, tmp_path):
    from celery import Celery

    clock.set(datetime(2026, 1, 5, 9, tzinfo=LOCAL_TZ))  # notified long ago: the window closed on 2026-01-12
    [case_id] = notified_cases(app, 1)
    clock.reset()  # the worker reads real time
    broker = "redis://127.0.0.1:6379/15"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "CELERY_BROKER_URL": broker,
           "UPLOAD_DIR": app.config["UPLOAD_DIR"]}
    env.pop("FLASK_TESTING", None)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.worker", "worker", "--pool=solo",
                               "--loglevel=warning", "-Q", "celery"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "celery.log", "w"))
    try:
        Celery(broker=broker).send_task("chengxin.tick")
        status = None
        for _ in range(300):
            with app.app_context():
                db.session.expire_all()
                status = db.session.get(Case, case_id).record_status
            if status == "confirmed":
                break
            time.sleep(0.1)
        assert status == "confirmed", (tmp_path / "celery.log").read_text()
        with app.app_context():
            assert count("timer.fired", case_id, "objection_window_closed") == 1
    finally:
        worker.terminate()
        worker.wait(20)
