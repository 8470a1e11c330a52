"""The timeline in each reader's language (issue 20): an event keeps its sentence (a catalogue
msgid and its parameters) and is said in the reader's language when read — by the API as by the
page; events written before keep reading as stored; the stored Chinese summary and the hash
chain are unchanged by it."""
from sqlalchemy import select

from app.cases.models import MESSAGE_KEY, Case, TimelineEvent
from app.cases.timeline import record_event, verify_timeline
from app.core.extensions import db


def _english(user):
    assert user.client.put("/api/v1/me/language", json={"lang": "en"}, headers=user._headers()).status_code == 200


def test_the_api_reads_the_timeline_in_the_users_language(api):
    case = api.as_("recorder").register()
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve"})
    chinese = {e["kind"]: e["summary"] for e in reviewer.case(case["id"])["timeline"]}
    assert chinese["task.completed"] == "审核员 李娜 办理：录入审核"
    _english(reviewer)
    try:
        events = reviewer.case(case["id"])["timeline"]
        english = {e["kind"]: e["summary"] for e in events}
        assert english["task.completed"] == "审核员 李娜 completed: Entry review"  # a person's name is not translated
        assert english["task.created"] == "New task: Object or confirm (Handler)"
        assert english["status.changed"] == "Record status: In review → Notified"
        assert english["document.issued"] == "Issued Notice of a government dishonesty record: 沪信〔2026〕1号"
        assert english["rule.applied"].startswith("Determine the deadlines: Dishonesty record deadlines (record_deadlines) "
                                                  "version 1 (in force from 2017-01-01), row 1: objection_window_days = 5")
        assert all(MESSAGE_KEY not in e["data"] for e in events)  # the sentence is not data
    finally:
        reviewer.client.put("/api/v1/me/language", json={"lang": "zh_CN"}, headers=reviewer._headers())
    with_db = db.session.scalars(select(TimelineEvent).where(TimelineEvent.kind == "task.completed")).one()
    assert with_db.summary.endswith(" 办理：录入审核")  # stored in Chinese, for documents and audits
    assert verify_timeline(case["id"]) is None


def test_an_event_written_before_reads_as_stored(app, api):
    case = api.as_("recorder").register()
    record_event(db.session.get(Case, case["id"]), "process.step", "旧记录：系统步骤", {"element": "x"})
    db.session.commit()
    reviewer = api.as_("reviewer")
    _english(reviewer)
    try:
        old = [e for e in reviewer.case(case["id"])["timeline"] if e["kind"] == "process.step" and e["data"] == {"element": "x"}]
        assert [e["summary"] for e in old] == ["旧记录：系统步骤"]
    finally:
        reviewer.client.put("/api/v1/me/language", json={"lang": "zh_CN"}, headers=reviewer._headers())
    assert verify_timeline(case["id"]) is None
