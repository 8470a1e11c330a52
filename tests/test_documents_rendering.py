"""A step that issues a document commits before its PDF is rendered (issue 12, finding 13): the
write lock is free while the PDF is drawn, a render that fails leaves the step and the issued
document in place (pending, rendered again by the tick), and several processes writing to one
SQLite file meet no false conflicts. The correction reason is bounded (finding 12)."""
import multiprocessing

from sqlalchemy import create_engine, select, text
from weasyprint import HTML

from app.documents.models import Document
from app.documents.service import REASON_MAX_CHARS
from app.core.extensions import db
from tests.support import RECORD, Api
from tests.web_support import csrf_token, login

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def documents_of(case_id: int) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)
                                   .execution_options(populate_existing=True)))


def impatient_writer():
    """A second writer on a connection of its own that gives up almost at once when the database
    (SQLite) or the case's row (PostgreSQL) is locked."""
    url = db.engine.url
    impatient = {"timeout": 0.2} if url.get_backend_name() == "sqlite" else {"options": "-c lock_timeout=200"}
    return create_engine(url, connect_args=impatient)


def test_the_step_commits_before_its_pdf_is_rendered(app, api, monkeypatch):
    """While the notice of an approved entry review is being drawn, another connection can write
    to the case and already sees the step done and the notice issued (pending)."""
    case_id = api.as_("recorder").register()["id"]
    other = impatient_writer()
    seen = []
    draw = HTML.render

    def render_watched(self, *args, **kwargs):
        with other.begin() as conn:
            conn.execute(text('UPDATE "case" SET title = title WHERE id = :id'), {"id": case_id})
            seen.append((conn.scalar(text("SELECT status FROM human_task WHERE case_id = :id AND bpmn_id = 'entry_review'"),
                                     {"id": case_id}),
                         conn.scalar(text("SELECT status FROM document WHERE case_id = :id"), {"id": case_id})))
        return draw(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", render_watched)
    try:
        api.as_("reviewer").complete(case_id, "entry_review", APPROVE)
    finally:
        other.dispose()
    assert seen == [("completed", "pending")]
    [notice] = documents_of(case_id)
    assert notice.status == "rendered" and notice.sha256 and notice.size > 0


def test_a_failed_render_keeps_the_step_and_the_tick_renders_it_later(app, api, tick, tmp_path):
    case_id = api.as_("recorder").register()["id"]
    uploads = app.config["UPLOAD_DIR"]
    broken = tmp_path / "not-a-directory"
    broken.write_bytes(b"")  # the store cannot make its folders in it: the PDF cannot be kept
    app.config["UPLOAD_DIR"] = str(broken)
    try:
        r = api.as_("reviewer").post(f"/tasks/{api.as_('reviewer').task_for(case_id, 'entry_review')['id']}/complete",
                                     {"data": APPROVE})
    finally:
        app.config["UPLOAD_DIR"] = uploads
    assert r.status_code == 200, r.get_json()
    case = api.as_("reviewer").case(case_id)
    assert case["status"] == "notified" and [t["element"] for t in case["open_tasks"]] == ["respond_notice"]
    [notice] = documents_of(case_id)
    assert notice.status == "pending" and notice.sha256 is None and notice.number  # issued, number kept
    tick()
    [notice] = documents_of(case_id)
    assert notice.status == "rendered" and notice.sha256


def _steps_in_a_process(url: str, upload_dir: str, steps: int, results) -> None:
    """One process of the concurrency test: register cases and approve them (each approval issues
    a notice), straight through the services, recording any conflict or lock error."""
    from sqlalchemy.exc import OperationalError

    from app import create_app
    from app.cases.service import open_tasks, register_case
    from app.core.clock import clock
    from app.config import TestConfig
    from app.core.errors import Conflict
    from app.org.models import User
    from app.tasks.service import complete
    from tests.conftest import START

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI, UPLOAD_DIR = url, upload_dir

    clock.set(START)
    app = create_app(Config)
    failures = []
    with app.app_context():
        recorder, reviewer = (db.session.scalar(select(User).where(User.username == name)) for name in ("recorder", "reviewer"))
        for _ in range(steps):
            try:
                case = register_case(recorder, "dishonesty_record", dict(RECORD))
                complete(reviewer, open_tasks(case)[0].id, dict(APPROVE))
            except (Conflict, OperationalError) as exc:
                failures.append(repr(exc))
    results.put(failures)


def test_two_processes_writing_to_one_database_meet_no_false_conflicts(app, api):
    url = db.engine.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    workers = [spawn.Process(target=_steps_in_a_process, args=(url, app.config["UPLOAD_DIR"], 4, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    failures = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert failures == [[], []]
    assert [w.exitcode for w in workers] == [0, 0]
    issued = db.session.scalars(select(Document).execution_options(populate_existing=True)).all()
    assert len(issued) == 8 and {d.status for d in issued} == {"rendered"}
    assert len({d.number for d in issued}) == 8


def test_a_correction_reason_is_bounded_on_the_web_and_the_cli(app, client, runner):
    with app.app_context():
        api = Api(app.test_client())
        case_id = api.as_("recorder").register()["id"]
        api.as_("reviewer").complete(case_id, "entry_review", APPROVE)
        notice_id = documents_of(case_id)[0].id
    login(client, "reviewer")
    for reason, accepted in (("x" * (REASON_MAX_CHARS + 1), False), ("  ", False), ("更" * REASON_MAX_CHARS, True)):
        r = client.post(f"/cases/{case_id}/documents/{notice_id}/correct", follow_redirects=True,
                        data={"reason": reason, "csrf_token": csrf_token(client, f"/cases/{case_id}")})
        html = r.get_data(as_text=True)
        assert ("已出具更正版本" in html) == accepted, reason[:3]
    assert f"“更正原因”不能超过 {REASON_MAX_CHARS} 个字（现有 {REASON_MAX_CHARS + 1} 个）" in \
        client.post(f"/cases/{case_id}/documents/{notice_id}/correct", follow_redirects=True,
                    data={"reason": "x" * (REASON_MAX_CHARS + 1),
                          "csrf_token": csrf_token(client, f"/cases/{case_id}")}).get_data(as_text=True)
    result = runner.invoke(args=["documents", "rerender", "--type", "notification", "--reason", "y" * 100_000])
    assert result.exit_code == 1 and f"不能超过 {REASON_MAX_CHARS} 个字" in result.output
    with app.app_context():
        assert [d.version for d in documents_of(case_id)] == [1, 2]  # only the accepted correction


def test_two_writers_starting_a_years_counters_at_once_both_get_numbers(app, ctx):
    """The first case and the first document of a year, created by two transactions at the same
    moment: the row of the counter is created once, neither writer sees a conflict (found on
    PostgreSQL by the two-process test above, one run in three)."""
    from app.cases.models import CaseSequence
    from app.cases.service import _allocate_number
    from app.core.transaction import insert_if_missing

    insert_if_missing(CaseSequence, prefix="QA", year=2031, last=0)
    insert_if_missing(CaseSequence, prefix="QA", year=2031, last=0)  # the second writer: no unique violation
    assert [_allocate_number("QA", 2031), _allocate_number("QA", 2031)] == ["QA-2031-000001", "QA-2031-000002"]
    db.session.rollback()
