"""Scale benchmark: prints Markdown tables, asserts nothing.

    .venv/bin/python bench/scale_bench.py [--db sqlite|postgresql|both] [--quick]

Measures, on a throwaway database per backend (SQLite in a temp dir; PostgreSQL database
`bench_chengxin` at BENCH_PG_URL, default postgresql://postgres:postgres@127.0.0.1:5432, created
and dropped here — never any other database):

1. engine only: start → end of a two-lane process (recorder starts; reviewer 初审, reviewer 复审)
   through `app.engine` with the instance kept in memory — the floor;
2. the same approval through the service layer and over HTTP (gunicorn -w 2, JSON API v1 with
   bearer tokens): median and p95 per step, and the ratio to the floor;
3. inbox (`list_tasks` / `GET /api/v1/tasks?scope=available`) and case list at 10k and 100k open
   tasks (`app.demo.loadgen.generate_load`; `--quick`: 10k only), p50/p95;
4. throughput: two-lane cases completed per second over HTTP with 1, 2 and 4 gunicorn workers;
5. instance-state size per case, and the step cost as a case's history grows (the
   dishonesty_record return-for-correction loop).

Nothing in the app is changed. Everything listens on 127.0.0.1 only; every gunicorn started here
is stopped in a `finally`. Results and their interpretation: docs/performance.md."""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import math
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("FLASK_TESTING", None)

from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.config import Config
from app.core.extensions import db

PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432").rstrip("/")
PG_DB = "bench_chengxin"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PASSWORD = "Demo@2026"
TWO_LANE_KEY = "bench_two_lane"
TWO_LANE = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0" id="defs_bench" targetNamespace="https://bench">
  <bpmn:process id="{TWO_LANE_KEY}" name="基准：两级审批" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="l_recorder" name="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l_reviewer" name="reviewer"><bpmn:flowNodeRef>first</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>second</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="begin" name="登记" cx:form="record_register" />
    <bpmn:userTask id="first" name="初审" cx:form="entry_review" cx:due="5" />
    <bpmn:userTask id="second" name="复审" cx:form="entry_review" cx:due="3" />
    <bpmn:endEvent id="done" name="结束" />
    <bpmn:sequenceFlow id="f1" sourceRef="begin" targetRef="first" />
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="second" />
    <bpmn:sequenceFlow id="f3" sourceRef="second" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
""".encode()
RECORD = {"subject_type": "department", "subject_department": "fgw", "title": "基准测试记录",
          "source_type": "administrative_penalty", "document_number": "沪〔2026〕1号", "key_area": "政府采购",
          "tier": "general", "facts": "基准测试", "decided_on": "2026-01-05"}
APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}
STEPS = ("register case", "list inbox", "complete 1st task", "list inbox again", "complete 2nd task")


# --- small helpers ------------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n#### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t, result


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    lines = [f"- CPUs (`nproc`): {os.cpu_count()}; CPU: {cpu}", f"- memory: {mem_kb / 1024 / 1024:.1f} GiB",
             f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"]
    try:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", connect_timeout=3) as conn:
            lines.append(f"- PostgreSQL {conn.execute('SHOW server_version').fetchone()[0]}")
    except Exception as exc:  # noqa: BLE001 — reported, not fatal
        lines.append(f"- PostgreSQL: not reachable ({type(exc).__name__})")
    from importlib.metadata import version

    import gunicorn

    lines.append(f"- SpiffWorkflow {version('SpiffWorkflow')}, SQLAlchemy {version('SQLAlchemy')}, "
                 f"gunicorn {gunicorn.__version__} (sync workers)")
    return lines


# --- databases ----------------------------------------------------------------------------------

def pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_BASE}/postgres", connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    assert PG_DB in sql and " test" not in sql  # only ever our own database
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def bench_database(kind: str):
    """(database URL, upload dir) of a fresh throwaway database; removed afterwards."""
    tmp = tempfile.mkdtemp(prefix="chengxin-bench-")
    try:
        if kind == "sqlite":
            yield f"sqlite:///{tmp}/bench.db", f"{tmp}/uploads"
        else:
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{PG_DB}"')
            try:
                yield f"{PG_BASE}/{PG_DB}", f"{tmp}/uploads"
            finally:
                _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def make_app(url: str, uploads: str):
    from app.config import _normalise_db_url

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = _normalise_db_url(url)
        UPLOAD_DIR = uploads

    app = create_app(BenchConfig)
    logging.getLogger().setLevel(logging.WARNING)
    return app


def prepare(app) -> None:
    """Schema, reference data, demo users and cases, and the two-lane benchmark process."""
    from app.demo.seed import seed_demo
    from app.designer.deployment import deploy_bytes

    upgrade(directory=str(ROOT / "migrations"))
    seed_demo()
    deploy_bytes(TWO_LANE, "bench_two_lane.bpmn", comment="scale benchmark")


def users() -> dict:
    from app.org.models import User

    return {u.username: u for u in db.session.scalars(select(User))}


def fresh_user(username: str):
    """A new session and the user loaded as a request would (outside the timing)."""
    from app.org.models import User

    db.session.remove()
    return db.session.scalar(select(User).where(User.username == username))


# --- 1. engine floor ------------------------------------------------------------------------------

def engine_floor(n: int) -> dict[str, list[float]]:
    from app import engine

    version = engine.latest_version(TWO_LANE_KEY)
    bindings = engine.Bindings(subject=None, fields={})
    times: dict[str, list[float]] = {"start": [], "complete 1st": [], "complete 2nd": [], "case": []}
    try:
        for i in range(n + 5):
            t0 = time.perf_counter()
            instance, result = engine.start(version, dict(RECORD), bindings)
            t1 = time.perf_counter()
            result = engine.complete(instance, result.ready[0].guid, dict(APPROVE), bindings)
            t2 = time.perf_counter()
            result = engine.complete(instance, result.ready[0].guid, dict(APPROVE), bindings)
            t3 = time.perf_counter()
            assert result.finished
            if i >= 5:  # warm-up
                for key, value in (("start", t1 - t0), ("complete 1st", t2 - t1), ("complete 2nd", t3 - t2),
                                   ("case", t3 - t0)):
                    times[key].append(value)
    finally:
        db.session.rollback()  # the instances never leave memory
    return times


# --- 2. service layer -----------------------------------------------------------------------------

def service_steps(n: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Per-step times through the services (each step on a fresh session, as in a request), and
    the SQL statements each step sends (counted on the last case)."""
    from sqlalchemy import event

    from app.cases.models import Case
    from app.cases.service import open_tasks, register_case
    from app.tasks import service as tasks

    times: dict[str, list[float]] = {s: [] for s in STEPS}
    statements: list[int] = []

    def count(*_):
        statements[-1] += 1

    def step(fn, *args):
        statements.append(0)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            return timed(fn, *args)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    for i in range(n + 3):
        statements.clear()
        sample = []
        dt, case = step(register_case, fresh_user("recorder"), TWO_LANE_KEY, dict(RECORD))
        sample.append(dt)
        case_id = case.id
        sample.append(step(tasks.list_tasks, fresh_user("reviewer"), "available")[0])
        first = next(t.id for t in open_tasks(db.session.get(Case, case_id)) if t.bpmn_id == "first")
        sample.append(step(tasks.complete, fresh_user("reviewer"), first, dict(APPROVE))[0])
        sample.append(step(tasks.list_tasks, fresh_user("reviewer"), "available")[0])
        second = next(t.id for t in open_tasks(db.session.get(Case, case_id)) if t.bpmn_id == "second")
        sample.append(step(tasks.complete, fresh_user("reviewer"), second, dict(APPROVE))[0])
        if i >= 3:  # warm-up
            for name, value in zip(STEPS, sample):
                times[name].append(value)
    db.session.remove()
    return times, dict(zip(STEPS, statements))


# --- HTTP -----------------------------------------------------------------------------------------

class Gunicorn:
    """`gunicorn -w N -b 127.0.0.1:PORT wsgi:app` on the bench database, stopped on exit."""

    def __init__(self, url: str, uploads: str, workers: int, log_dir: str, config: str | None = None):
        self.url, self.uploads, self.workers, self.log_dir, self.config = url, uploads, workers, log_dir, config
        self.proc: subprocess.Popen | None = None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def __enter__(self) -> Gunicorn:  # noqa: PYI034
        env = {k: v for k, v in os.environ.items() if k not in ("FLASK_TESTING", "TEST_DATABASE_URL")}
        env.update(DATABASE_URL=self.url, UPLOAD_DIR=self.uploads, SECRET_KEY="bench-only")
        log = open(Path(self.log_dir) / f"gunicorn-{self.workers}w.log", "ab")
        extra = ["-c", self.config] if self.config else []
        self.proc = subprocess.Popen(
            [str(GUNICORN), *extra, "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_dir}")
                try:
                    if request(self.port, "GET", "/healthz")[0] == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.2)
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __exit__(self, *exc) -> None:
        self.stop()


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data and data[:1] in (b"{", b"[") else None)
    finally:
        conn.close()


def tokens(port: int, names: list[str]) -> dict[str, str]:
    out = {}
    for name in names:
        status, body = request(port, "POST", "/api/v1/auth/token", {"username": name, "password": PASSWORD})
        if status != 201:
            raise RuntimeError(f"token for {name}: HTTP {status} {body}")
        out[name] = body["token"]
    return out


def http_case(port: int, tok: dict, timings: list[float] | None = None, listing: bool = True) -> bool:
    """One two-lane case over the API; True when it ran start → end."""
    def call(method, path, body, who, expect):
        t = time.perf_counter()
        status, data = request(port, method, path, body, tok[who])
        if timings is not None:
            timings.append(time.perf_counter() - t)
        if status != expect:
            raise _HttpError(f"{method} {path}: {status} {data and data.get('error')}")
        return data

    try:
        case = call("POST", "/api/v1/cases", {"process": TWO_LANE_KEY, "data": RECORD}, "recorder", 201)
        first = next(t["id"] for t in case["open_tasks"] if t["element"] == "first")
        if listing:
            call("GET", "/api/v1/tasks?scope=available", None, "reviewer", 200)
        done = call("POST", f"/api/v1/tasks/{first}/complete", {"data": APPROVE}, "reviewer", 200)
        second = next(t["id"] for t in done["next_tasks"] if t["element"] == "second")
        if listing:
            call("GET", "/api/v1/tasks?scope=available", None, "reviewer", 200)
        call("POST", f"/api/v1/tasks/{second}/complete", {"data": APPROVE}, "reviewer", 200)
        return True
    except _HttpError as exc:
        _HttpError.last = str(exc)
        return False


class _HttpError(Exception):
    last = ""


def http_steps(port: int, tok: dict, n: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {s: [] for s in STEPS}
    failures = 0
    for i in range(n + 5):
        sample: list[float] = []
        if not http_case(port, tok, sample):
            failures += 1
            continue
        if i >= 5:
            for step, value in zip(STEPS, sample):
                times[step].append(value)
    if failures:
        print(f"\n(HTTP steps: {failures} cases failed; last error: {_HttpError.last})")
    return times


def throughput(url: str, uploads: str, log_dir: str, workers: int, seconds: float) -> tuple[float, int, int, list[float]]:
    """Cases start → end per second with `workers` gunicorn workers and 2×workers client threads."""
    with Gunicorn(url, uploads, workers, log_dir) as server:
        tok = tokens(server.port, ["recorder", "reviewer"])
        for _ in range(2 * workers):  # warm every worker (imports, first queries)
            http_case(server.port, tok, listing=False)
        done, failed, latencies = [0], [0], []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def client():
            for _ in range(10_000):  # bounded; the deadline ends it long before
                if time.monotonic() >= deadline:
                    return
                t = time.perf_counter()
                ok = http_case(server.port, tok, listing=False)
                with lock:
                    if ok:
                        done[0] += 1
                        latencies.append(time.perf_counter() - t)
                    else:
                        failed[0] += 1

        started = time.monotonic()
        threads = [threading.Thread(target=client, daemon=True) for _ in range(2 * workers)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=seconds + 120)
        elapsed = time.monotonic() - started
    return done[0] / elapsed, done[0], failed[0], latencies


# --- 3. inbox and case list at scale --------------------------------------------------------------

INBOX_USERS = [("reviewer", "city-wide reviewer"), ("supervisor", "city-wide supervisor"),
               ("handler.fgw", "handler, one unit (fgw)"), ("recorder", "recorder, one unit (xyzx)")]


def open_task_count() -> int:
    from app.tasks.models import HumanTask

    return db.session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.status == "open"))


def grow_to(target_open: int, log: list) -> None:
    from app.demo.loadgen import generate_load

    for _ in range(4):  # bounded top-ups
        have = open_task_count()
        if have >= target_open * 0.99:
            break
        n = math.ceil((target_open - have) / 0.84) + 50  # ~0.84 open tasks per generated case
        t = time.perf_counter()
        stats = generate_load(n, templates=200 if have < 1000 else 60)
        log.append((n, stats["templates"], time.perf_counter() - t, open_task_count()))
        db.session.remove()


def service_inbox(runs: int, only_tasks: bool = False) -> list[list]:
    from app.cases.service import list_cases
    from app.tasks import service as tasks

    rows = []
    for name, label in INBOX_USERS:
        for what, fn in (("list_tasks(available)", lambda u: tasks.list_tasks(u, "available")),
                         ("list_cases", lambda u: list_cases(u)),
                         ("tab_counts (web inbox tabs)", lambda u: tasks.tab_counts(u))):
            if (what == "list_cases" and name == "supervisor") or (only_tasks and what != "list_tasks(available)"):
                continue
            samples, total = [], None
            for i in range(runs + 2):
                user = fresh_user(name)
                dt, result = timed(fn, user)
                if i >= 2:
                    samples.append(dt)
                total = result[1] if isinstance(result, tuple) else result.get("available")
            if what != "list_cases":  # the capped count the user sees, and the real one (not timed)
                exact = db.session.scalar(select(func.count()).select_from(
                    tasks._scope_query(fresh_user(name), "available").subquery()))
                total = f"{exact} (shown: {total})"
            rows.append([f"{what} — {label}", total, ms(statistics.median(samples)), ms(p95(samples))])
    db.session.remove()
    return rows


def http_inbox(port: int, tok: dict, runs: int, only_tasks: bool = False) -> list[list]:
    rows = []
    for name, label in INBOX_USERS:
        for what, path in (("GET /api/v1/tasks?scope=available", "/api/v1/tasks?scope=available"),
                           ("GET /api/v1/cases", "/api/v1/cases")):
            if path == "/api/v1/cases" and (name == "supervisor" or only_tasks):
                continue
            samples, total = [], None
            for i in range(runs + 2):
                t = time.perf_counter()
                status, body = request(port, "GET", path, token=tok[name])
                if status != 200:
                    raise RuntimeError(f"{path} as {name}: HTTP {status}")
                if i >= 2:
                    samples.append(time.perf_counter() - t)
                total = body["total"]
            rows.append([f"{what} — {label}", total, ms(statistics.median(samples)), ms(p95(samples))])
    return rows


def clone_check(k: int = 5) -> str:
    """Complete a few cloned open tasks through the services: the clones' engine state must wait on them."""
    from app.tasks import service as tasks
    from app.tasks.models import HumanTask

    data = {"entry_review": ("load.reviewer", APPROVE),
            "respond_notice": (None, {"response": "accept"}),
            "explain": (None, {"explanation": "说明", "will_rectify": "yes"}),
            "review_plan": ("load.supervisor", {"plan_decision": "accept", "plan_opinion": "可行"}),
            "publication_decision": ("load.reviewer", {"publish": False, "decision_note": "不予公开"})}
    ok = tried = 0
    errors = []
    for element, (who, form) in data.items():
        ids = list(db.session.scalars(select(HumanTask.id).where(HumanTask.status == "open", HumanTask.bpmn_id == element)
                                      .order_by(HumanTask.id.desc()).limit(k)))
        for task_id in ids:
            task = db.session.get(HumanTask, task_id)
            username = who or f"load.handler.{task.case.subject_department.code}"
            tried += 1
            try:
                tasks.complete(fresh_user(username), task_id, dict(form))
                ok += 1
            except Exception as exc:  # noqa: BLE001 — reported
                errors.append(f"{element}: {exc}")
    db.session.remove()
    return f"{ok}/{tried} cloned open tasks completed through the services" + (f" (errors: {errors[:3]})" if errors else "")


# --- 5. state size and history growth -------------------------------------------------------------

def state_sizes() -> list[list]:
    from app.cases.models import Case
    from app.engine import ProcessInstance, ProcessVersion

    rows = []
    query = (select(Case.process_key, Case.record_status, func.count(), func.avg(func.length(ProcessInstance.state_json)),
                    func.max(func.length(ProcessInstance.state_json)))
             .join(ProcessInstance, ProcessInstance.id == Case.instance_id)
             .group_by(Case.process_key, Case.record_status).order_by(Case.process_key, Case.record_status))
    for key, status, count, avg, biggest in db.session.execute(query):
        rows.append([f"{key} / {status}", count, f"{float(avg) / 1024:.1f}", f"{biggest / 1024:.1f}"])
    for version in db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.id)):
        rows.append([f"spec of {version.definition.key} v{version.version} (stored once per version)", "—",
                     f"{len(version.spec_json) / 1024:.1f}", "—"])
    return rows


def history_growth(loops: int) -> list[list]:
    """One dishonesty record, its entry review returned for correction `loops` times: the time of
    each completion (and the engine's share of it, `app.engine.complete` timed in place) against
    the size of the state."""
    from app import engine
    from app.cases.models import Case
    from app.cases.service import open_tasks, register_case
    from app.engine import ProcessInstance
    from app.tasks import service as tasks

    case = register_case(fresh_user("recorder"), "dishonesty_record", dict(RECORD))
    case_id, instance_id = case.id, case.instance_id
    correction = {**{k: RECORD[k] for k in ("title", "source_type", "document_number", "key_area", "tier", "facts",
                                            "decided_on")},
                  "correction_note": "补正"}
    review_t, fix_t, sizes, engine_t = [], [], [], []
    real_complete = engine.complete

    def engine_complete(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real_complete(*args, **kwargs)
        finally:
            engine_t.append(time.perf_counter() - t)

    engine.complete = engine_complete  # app.tasks.service calls engine.complete: timed in place
    try:
        for _ in range(loops):
            review = next(t.id for t in open_tasks(db.session.get(Case, case_id)) if t.bpmn_id == "entry_review")
            review_t.append(timed(tasks.complete, fresh_user("reviewer"), review,
                                  {"entry_decision": "return", "review_opinion": "补正"})[0])
            fix = next(t.id for t in open_tasks(db.session.get(Case, case_id)) if t.bpmn_id == "correct_entry")
            fix_t.append(timed(tasks.complete, fresh_user("recorder"), fix, dict(correction))[0])
            sizes.append(len(db.session.get(ProcessInstance, instance_id).state_json))
    finally:
        engine.complete = real_complete
        db.session.remove()
    engine_review = engine_t[0::2]  # review, correction, review, ...
    rows = []
    for c in sorted({c for c in (1, 5, 10, 20, 40, 60, 100, loops) if c <= loops}):
        window = slice(max(0, c - 5), c)
        rows.append([c, 2 * c, f"{sizes[c - 1] / 1024:.1f}", ms(statistics.median(review_t[window])),
                     ms(statistics.median(engine_review[window])), ms(statistics.median(fix_t[window]))])
    return rows


# --- per backend ----------------------------------------------------------------------------------

def http_floor(port: int, tok: dict, runs: int) -> list[list]:
    """What any request costs here: gunicorn + Flask + one SELECT; and bearer authentication."""
    rows = []
    for label, path, who in (("HTTP floor: GET /healthz (one SELECT 1)", "/healthz", None),
                             ("HTTP floor: GET /api/v1/me (bearer auth)", "/api/v1/me", "reviewer")):
        samples = []
        for i in range(runs + 5):
            t = time.perf_counter()
            request(port, "GET", path, token=tok.get(who))
            if i >= 5:
                samples.append(time.perf_counter() - t)
        rows.append([label, "", "", "", ms(statistics.median(samples)), ms(p95(samples)), ""])
    return rows


def run_backend(kind: str, quick: bool, floor: dict | None) -> dict:
    """All measurements on one backend; returns the engine floor (measured on the first backend)."""
    print(f"\n## {kind}\n")
    scales = [10_000] if quick else [10_000, 100_000]
    n_steps = 30 if quick else 100
    runs = 20 if quick else 50
    seconds = 10 if quick else 20
    with bench_database(kind) as (url, uploads):
        log_dir = str(Path(uploads).parent)
        app = make_app(url, uploads)
        try:
            with app.app_context():
                t = time.perf_counter()
                prepare(app)
                print(f"schema, reference data, demo data and the two-lane process: {time.perf_counter() - t:.1f} s")

                if floor is None:
                    floor = engine_floor(60 if quick else 200)
                    table("1. Engine only: two-lane process in memory (app.engine start + complete + complete, "
                          "state serialised and deserialised as in production, no database)",
                          ["step", "median ms", "p95 ms"],
                          [[k, ms(statistics.median(v)), ms(p95(v))] for k, v in floor.items()])
                floor_step = [statistics.median(floor["start"]), None, statistics.median(floor["complete 1st"]), None,
                              statistics.median(floor["complete 2nd"])]
                floor_case = statistics.median(floor["case"])

                svc, statements = service_steps(n_steps)
                with Gunicorn(url, uploads, 2, log_dir) as server:
                    tok = tokens(server.port, ["recorder", "reviewer"])
                    web = http_steps(server.port, tok, n_steps)
                    base_rows = http_floor(server.port, tok, n_steps)
                rows = []
                for i, step in enumerate(STEPS):
                    sv, h = svc[step], web[step]
                    ratio = (f"{statistics.median(sv) / floor_step[i]:.0f}× / {statistics.median(h) / floor_step[i]:.0f}×"
                             if floor_step[i] else "—")
                    rows.append([step, statements[step], ms(statistics.median(sv)), ms(p95(sv)),
                                 ms(statistics.median(h)), ms(p95(h)), ratio])
                svc_case = sum(statistics.median(svc[s]) for s in STEPS)
                web_case = sum(statistics.median(web[s]) for s in STEPS)
                rows.append(["whole case (sum of medians)", sum(statements.values()), ms(svc_case), "", ms(web_case), "",
                             f"{svc_case / floor_case:.0f}× / {web_case / floor_case:.0f}×"])
                table(f"2. Two-lane approval per step, {kind} ({n_steps} cases; HTTP: gunicorn -w 2, one client, "
                      "a new connection per request)",
                      ["step", "SQL statements (service)", "service median ms", "service p95 ms", "HTTP median ms",
                       "HTTP p95 ms", "× engine floor (service / HTTP)"], rows + base_rows)

                tp_rows = []
                for workers in (1, 2, 4):
                    rate, ok, failed, lat = throughput(url, uploads, log_dir, workers, seconds)
                    tp_rows.append([workers, 2 * workers, f"{rate:.1f}", ok, failed,
                                    ms(statistics.median(lat)) if lat else "—", ms(p95(lat)) if lat else "—"])
                    db.session.remove()
                table(f"4. Throughput, {kind}: two-lane cases start → end over HTTP (3 POSTs per case), {seconds} s each",
                      ["gunicorn workers", "client threads", "cases/s", "cases done", "cases failed (HTTP 409)",
                       "case median ms", "case p95 ms"], tp_rows)
                if any(r[4] for r in tp_rows):
                    print(f"\n(a failure: {_HttpError.last})")

                table(f"5b. Step cost as history grows, {kind}: dishonesty_record, the entry review returned for "
                      "correction again and again (service layer)",
                      ["loop", "user tasks completed", "state KB", "complete entry_review ms (median of last 5)",
                       "… of which app.engine.complete ms (incl. the BPMN script actions)", "complete correct_entry ms"],
                      history_growth(20 if quick else 60))

                for scale in scales:
                    gen_log: list = []
                    grow_to(scale, gen_log)
                    for n, templates, secs, open_after in gen_log:
                        print(f"\ngenerate_load({n}) [{templates} real template cases, the rest cloned]: "
                              f"{secs:.0f} s → {open_after} open tasks in the database")
                    print("\nclone check: " + clone_check())
                    scale_rows = service_inbox(runs)
                    with Gunicorn(url, uploads, 2, log_dir) as server:
                        tok = tokens(server.port, ["recorder", "reviewer", "supervisor", "handler.fgw"])
                        http_rows = http_inbox(server.port, tok, runs)
                        web = http_steps(server.port, tok, 20 if quick else 40)
                    open_now = open_task_count()
                    table(f"3. Inbox and case list, {kind}, {open_now} open tasks ({runs} runs each; "
                          "HTTP: gunicorn -w 2)", ["query — user", "total in scope", "p50 ms", "p95 ms"],
                          scale_rows + http_rows)
                    table(f"2b. Two-lane approval over HTTP with {open_now} open tasks, {kind}",
                          ["step", "HTTP median ms", "HTTP p95 ms"],
                          [[st, ms(statistics.median(web[st])), ms(p95(web[st]))] for st in STEPS])
                table(f"5a. Instance state per case, {kind} (after load generation)",
                      ["process / status", "cases", "avg state KB", "max state KB"], state_sizes())
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="10k open tasks only, fewer repetitions")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in kinds and not pg_reachable():
        if args.db == "postgresql":
            sys.exit(f"PostgreSQL at {PG_BASE} is not reachable")
        print(f"WARNING: PostgreSQL at {PG_BASE} not reachable; SQLite only", file=sys.stderr)
        kinds.remove("postgresql")
    print("# Chengxin scale benchmark" + (" (--quick)" if args.quick else "") + "\n")
    print("\n".join(machine()))
    started = time.perf_counter()
    floor = None
    for kind in kinds:
        floor = run_backend(kind, args.quick, floor)
    print(f"\ntotal: {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
