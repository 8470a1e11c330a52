"""The SQL a user action sends is a budget. On a small machine each statement through the ORM
costs a fraction of a millisecond and a write step is a dozen of them, so one more per step is
what separates a step under 10 ms from one over it (docs/performance.md). These tests count the
statements of real requests on the real database; raising a budget needs a reason in the commit."""
from contextlib import contextmanager

from sqlalchemy import event

from app.core.extensions import db
from tests.support import RECORD

APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分"}


@contextmanager
def statements():
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_registering_and_completing_stay_within_their_statement_budgets(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    first = recorder.register()  # the first case of a year starts its sequence; the process is parsed once
    reviewer.complete(first["id"], "entry_review", APPROVE)  # and the first notice of the year its own
    with statements() as sent:
        r = recorder.post("/cases", {"process": "dishonesty_record", "data": RECORD})
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    register = list(sent)
    # token, version, BEGIN, unit, number (one UPDATE … RETURNING), case, timeline, the start
    # script's status, instance, calendar (once for both deadlines), the step's timeline rows (one
    # INSERT each on SQLite), the case's instance link, the task, recipients, notification, and the
    # response's open tasks; the timeline's hash chain (issue 15): its head read with a lock,
    # created, and moved once the step's events are in; the deadlines' business rule task (issue 17):
    # the decision version in force, read in one statement, and its rule.applied timeline row
    assert len(register) <= 23, "\n".join(register)
    assert not any(s.lstrip().upper().startswith("SELECT") and "case_sequence" in s for s in register), \
        "the case number comes from one UPDATE … RETURNING, not a read and a write"

    task = reviewer.task_for(case["id"], "entry_review")
    with statements() as sent:
        r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": APPROVE})
    assert r.status_code == 200, r.get_json()
    complete = list(sent)
    # token, BEGIN, task with case, instance with version, form, timeline, the review's script
    # (status, the notice and its number), open tasks, calendar (once), timeline, instance, task
    # completed, next task, recipients, notification; after the commit, the notice's PDF: BEGIN and
    # one UPDATE storing its hash (rendered outside the step's transaction); the review is a
    # decision (issue 14): its row and its timeline event; the timeline's hash chain (issue 15):
    # its head read with a lock, moved at each of the step's flushes; the notice's masking
    # (issue 19) reads the masking table in force, and entering the record's sub-process (issue 18)
    # writes one more timeline row, while the subject's unit is no longer read again (28 → 29);
    # the notifications of the completed task (and of tasks the step cancelled) are marked read in
    # one UPDATE (issue 20: a reviewer had 19 unread notifications of finished tasks) (29 → 30)
    assert len(complete) <= 30, "\n".join(complete)
    # the instance comes with its version in one (locking) read
    assert not any(s.lstrip().upper().startswith("SELECT") and s.split("FROM")[1].strip().startswith("process_version")
                   for s in complete if "FROM" in s), "\n".join(complete)


def test_api_calls_send_no_session_cookie(api):
    """The API authenticates each call by its bearer token: there is no session to sign and send."""
    r = api.as_("reviewer").get("/tasks?scope=available")
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers
