"""End to end (issue 19): the real dishonesty-record process, driven through the API, publishes a
record and later repairs it; the publication domain announces both (publication_changed), and a real
receiver standing in for each credit platform gets the publish and then the withdraw, exactly once
each, by `tick`. Needs the publication register of issue 19 (app/publication) to send the signal
from the process."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.clock import LOCAL_TZ
from app.core.extensions import db
from app.sharing.models import SharingEvent
from tests.sharing_support import Receiver
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
