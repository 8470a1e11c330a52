"""Engine benchmarks: prints numbers, asserts nothing. `make bench` (SQLite in a temp dir, or
DATABASE_URL). Measures: deploy, case start, task completion, the per-step cost as a case's
history grows (return-for-correction loops), state size vs spec size, and the inbox query."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.db")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.cases.service import open_tasks, register_case  # noqa: E402
from app.clock import LOCAL_TZ, clock  # noqa: E402
from app.demo import seed_demo  # noqa: E402
from app.engine import ProcessInstance, ProcessVersion  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org.models import User  # noqa: E402
from app.tasks import service as tasks  # noqa: E402
from datetime import datetime  # noqa: E402

RECORD = {"subject_type": "department", "subject_department": "fgw", "title": "基准测试记录",
          "source_type": "administrative_penalty", "document_number": "沪〔2026〕1号", "key_area": "政府采购",
          "tier": "general", "facts": "基准测试"}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(cases: int = 200, loops: int = 60, inbox_cases: int = 2000) -> None:
    app = create_app()
    with app.app_context():
        upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        t = time.perf_counter()
        seed_demo()
        print(f"seed (departments, calendar, deploy, demo cases): {ms(time.perf_counter() - t)}")
        clock.set(datetime(2026, 9, 14, 9, tzinfo=LOCAL_TZ))
        user = {u.username: u for u in db.session.scalars(select(User))}

        starts, completes = [], []
        for _ in range(cases):
            t = time.perf_counter()
            case = register_case(user["recorder"], "dishonesty_record", RECORD)
            starts.append(time.perf_counter() - t)
            task = open_tasks(case)[0]
            t = time.perf_counter()
            tasks.complete(user["reviewer"], task.id, {"entry_decision": "approve", "review_opinion": "同意"})
            completes.append(time.perf_counter() - t)
        print(f"start a case (validate, number, engine start, sync, timeline, commit): "
              f"median {ms(statistics.median(starts))}, p95 {ms(sorted(starts)[int(len(starts) * .95)])}")
        print(f"complete a task (lock, validate, engine step, sync, commit): "
              f"median {ms(statistics.median(completes))}, p95 {ms(sorted(completes)[int(len(completes) * .95)])}")

        # Per-step cost as history grows: the entry review returned for correction again and again.
        case = register_case(user["recorder"], "dishonesty_record", RECORD)
        timings, sizes = [], []
        correction = {**{k: RECORD[k] for k in ("title", "source_type", "document_number", "key_area", "tier", "facts")},
                      "correction_note": "补正"}
        for _ in range(loops):
            review = next(t for t in open_tasks(case) if t.bpmn_id == "entry_review")
            t = time.perf_counter()
            tasks.complete(user["reviewer"], review.id, {"entry_decision": "return", "review_opinion": "补正"})
            timings.append(time.perf_counter() - t)
            fix = next(t for t in open_tasks(case) if t.bpmn_id == "correct_entry")
            tasks.complete(user["recorder"], fix.id, correction)
            sizes.append(len(db.session.get(ProcessInstance, case.instance_id).state_json))
        first, last = statistics.median(timings[:10]), statistics.median(timings[-10:])
        print(f"completion after 2 vs {2 * loops} steps of history: {ms(first)} → {ms(last)} "
              f"(state {sizes[0] / 1024:.1f} KB → {sizes[-1] / 1024:.1f} KB)")
        version = db.session.scalars(select(ProcessVersion)).first()
        print(f"spec stored once per version: {len(version.spec_json) / 1024:.1f} KB; "
              f"a fresh instance's state: {len(db.session.get(ProcessInstance, 1).state_json) / 1024:.1f} KB")

        for _ in range(inbox_cases - cases):
            register_case(user["recorder"], "dishonesty_record", RECORD)
        runs = []
        for _ in range(20):
            t = time.perf_counter()
            items, total = tasks.list_tasks(user["reviewer"], "available", page=1, per_page=20)
            runs.append(time.perf_counter() - t)
        print(f"inbox page (reviewer, {total} open tasks in scope): median {ms(statistics.median(runs))}")


if __name__ == "__main__":
    main()
