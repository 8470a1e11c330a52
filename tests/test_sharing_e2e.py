"""End to end (issue 19): the real dishonesty-record process, driven through the API, publishes a
record and later repairs it; the publication domain announces both (publication_changed), and a real
receiver standing in for each credit platform gets the publish and then the withdraw, exactly once
each, by `tick` — also when the platform was down, and when it stored an event but its answer was
lost. Needs the publication register of issue 19 (app/publication) to send the signal from the
process."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.clock import LOCAL_TZ
from app.core.extensions import db
from app.sharing.models import SharingEvent
from tests.sharing_support import Receiver, free_port
from tests.test_record_lifecycle import PUBLISH, registered_and_notified


def test_a_record_published_then_repaired_reaches_each_platform_as_publish_then_withdraw(app, api, tick):
    receiver = Receiver().start()
    saved = app.config["SHARING_ENDPOINTS"]
    app.config["SHARING_ENDPOINTS"] = [{"name": n, "url": receiver.url(f"/{n}"), "token": f"t-{n}"}
                                       for n in ("national", "creditchina", "shanghai")]
    try:
        case_id = registered_and_notified(api)
        handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
        handler.complete(case_id, "respond_notice", {"response": "accept"})
        reviewer.complete(case_id, "publication_decision", PUBLISH)
        number = reviewer.case(case_id)["number"]
        assert receiver.requests == []  # never from inside the user's request
        tick()
        for path in ("/national", "/creditchina", "/shanghai"):
            assert [kind for kind, _ in receiver.received(path)] == ["publish"], path
        publish = receiver.requests[0]["body"]
        assert publish["case_id"] == case_id and publish["record"]["number"] == number
        assert publish["record"]["end_reason"] is None and publish["record"]["start"] == "2026-09-14"

        tick(datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ))  # repair may be applied for from here
        handler.complete(case_id, "apply_repair", {"correction_proof": "已全额支付并致歉", "credit_commitment": True})
        reviewer.complete(case_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正"})
        assert reviewer.case(case_id)["status"] == "repaired"
        tick()
        tick(timedelta(days=30))
        for path in ("/national", "/creditchina", "/shanghai"):
            received = receiver.received(path)
            assert [kind for kind, _ in received] == ["publish", "withdraw"], path
            assert len({event_id for _, event_id in received}) == 2
        withdraw = [r["body"] for r in receiver.requests if r["body"]["kind"] == "withdraw"][0]
        assert withdraw["record"]["end_reason"] == "repair" and withdraw["record"]["actual_end"] == "2026-12-14"
        assert withdraw["sequence"] > publish["sequence"]
        db.session.expire_all()
        assert {r.status for r in db.session.scalars(select(SharingEvent).where(SharingEvent.case_id == case_id))} \
            == {"acknowledged"}
    finally:
        app.config["SHARING_ENDPOINTS"] = saved
        receiver.stop()


def test_after_an_outage_and_a_lost_answer_the_platform_has_publish_then_withdraw_once_each(app, api, tick):
    """The platform is down (connection refused) when the record is published, and when the repair
    withdraws it, it stores the withdraw but its answer never arrives (503): the feed retries with
    the same event id, the platform answers 409 (it has it), and it holds each event exactly once."""
    port = free_port()
    saved = {k: app.config[k] for k in ("SHARING_ENDPOINTS", "SHARING_RETRY_BASE_SECONDS")}
    app.config.update(SHARING_ENDPOINTS=[{"name": "national", "url": f"http://127.0.0.1:{port}/national"}],
                      SHARING_RETRY_BASE_SECONDS=60)
    receiver = Receiver(port)
    receiver.dedupe = True
    lost = []

    def answer(request):
        body = request["body"]
        if body["kind"] == "withdraw" and not lost:  # stored, then the answer is lost on the way back
            lost.append(body["event_id"])
            receiver.accepted.setdefault(request["path"], []).append(body)
            return 503
        return 201

    receiver.answer = answer
    try:
        case_id = registered_and_notified(api)
        handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
        handler.complete(case_id, "respond_notice", {"response": "accept"})
        reviewer.complete(case_id, "publication_decision", PUBLISH)
        tick()
        [row] = db.session.scalars(select(SharingEvent).where(SharingEvent.case_id == case_id)).all()
        assert (row.kind, row.status, row.attempts) == ("publish", "pending", 1)  # refused: the platform is down
        receiver.start()
        tick(timedelta(seconds=30))
        assert receiver.requests == []  # backing off
        tick(timedelta(seconds=31))
        assert [kind for kind, _ in receiver.received("/national")] == ["publish"]

        tick(datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ))
        handler.complete(case_id, "apply_repair", {"correction_proof": "已全额支付并致歉", "credit_commitment": True})
        reviewer.complete(case_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正"})
        tick()
        tick(timedelta(seconds=61))
        tick(timedelta(days=2))
        sent = receiver.received("/national")
        assert [kind for kind, _ in sent] == ["publish", "withdraw", "withdraw"]  # the retry of the lost answer
        assert sent[1][1] == sent[2][1] == lost[0]  # the same event id: the platform answered 409
        assert [b["kind"] for b in receiver.accepted["/national"]] == ["publish", "withdraw"]  # held once each
        db.session.expire_all()
        rows = db.session.scalars(select(SharingEvent).where(SharingEvent.case_id == case_id)
                                  .order_by(SharingEvent.sequence)).all()
        assert [(r.kind, r.status) for r in rows] == [("publish", "acknowledged"), ("withdraw", "acknowledged")]
        assert rows[1].last_http_status == 409
    finally:
        app.config.update(saved)
        receiver.stop()
