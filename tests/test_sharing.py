"""The sharing feed to the credit platforms (issue 19), against a real HTTP receiver started here:
publish then withdraw delivered exactly once each and in order, an outage (503, a refused
connection) survived with back-off on the product clock, duplicates suppressed by event id, a
failing case never holding up another, concurrent tickers never sending twice, and the
reconciliation page, API and CLI for admins only."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.config import TestConfig
from app.core.clock import clock
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.publication.signals import publication_changed
from app.sharing import delivery
from app.sharing.delivery import deliver_due
from app.sharing.endpoints import parse_endpoints
from app.sharing.models import SharingEvent
from tests.support import Api
from tests.sharing_support import Receiver, announce, free_port, record
from tests.web_support import csrf_token, login, post


@pytest.fixture()
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture()
def endpoints(app):
    """Configure endpoints for one test: `endpoints(receiver, "national", "shanghai")` points each
    named platform at /<name> on the receiver (token "t-<name>")."""
    saved = {k: app.config[k] for k in ("SHARING_ENDPOINTS", "SHARING_MAX_ATTEMPTS", "SHARING_RETRY_BASE_SECONDS",
                                        "SHARING_RETRY_CAP_SECONDS", "SHARING_TIMEOUT_SECONDS")}

    def configure(base: Receiver | str, *names: str, **settings):
        url = base.url if isinstance(base, Receiver) else (lambda path: base + path)
        app.config["SHARING_ENDPOINTS"] = [{"name": n, "url": url(f"/{n}"), "token": f"t-{n}"} for n in names]
        app.config.update(settings)

    yield configure
    app.config.update(saved)


def web_login(client, username: str) -> None:
    """Log in on the web while the test's app context is pushed: Flask-WTF keeps the CSRF token in
    `g`, which that context shares with every request, so the token of the previous session is
    dropped first (as a new request of a real server would have it)."""
    g.pop("csrf_token", None)
    assert login(client, username).status_code == 302
    g.pop("csrf_token", None)


def rows(**where) -> list[SharingEvent]:
    db.session.expire_all()
    query = select(SharingEvent).order_by(SharingEvent.id)
    for name, value in where.items():
        query = query.where(getattr(SharingEvent, name) == value)
    return list(db.session.scalars(query))


def new_case(api, **overrides) -> dict:
    return api.as_("recorder").register(**overrides)


# ------------------------------------------------------------------ delivery

def test_publish_then_withdraw_reach_each_platform_exactly_once_in_order(api, tick, receiver, endpoints):
    endpoints(receiver, "national", "shanghai")
    case = new_case(api)
    announce(case["id"], "publish", number=case["number"])
    clock.advance(timedelta(minutes=1))
    announce(case["id"], "withdraw", number=case["number"], actual_end="2026-09-14", end_reason="repair")
    assert [(r.kind, r.endpoint, r.sequence, r.status) for r in rows()] == [
        ("publish", "national", 1, "pending"), ("publish", "shanghai", 1, "pending"),
        ("withdraw", "national", 2, "pending"), ("withdraw", "shanghai", 2, "pending")]
    assert receiver.requests == []  # nothing is sent in the publishing transaction

    output = tick()
    assert "信用共享：已确认 4" in output
    publish_id, withdraw_id = rows()[0].event_id, rows()[2].event_id
    for path in ("/national", "/shanghai"):
        assert receiver.received(path) == [("publish", publish_id), ("withdraw", withdraw_id)]
    for request in receiver.requests:
        body, headers = request["body"], request["headers"]
        assert headers["idempotency-key"] == body["event_id"]
        assert headers["authorization"] == f"Bearer t-{request['path'][1:]}"
        assert headers["content-type"].startswith("application/json")
        assert body["case_id"] == case["id"] and body["publication_id"] == 1
        assert body["record"]["number"] == case["number"]
    first = receiver.requests[0]["body"]
    assert first["record"] == record(number=case["number"]) and first["sequence"] == 1
    assert first["occurred_at"].endswith("Z")
    assert all(r.status == "acknowledged" and r.attempts == 1 and r.acknowledged_at == clock.now() for r in rows())

    tick()
    tick(timedelta(days=2))
    assert len(receiver.requests) == 4  # acknowledged events are never sent again


def test_rows_are_added_in_the_callers_transaction_and_only_for_configured_endpoints(api, receiver, endpoints):
    case = new_case(api)
    endpoints(receiver)  # none configured: nothing queued, nothing shared
    announce(case["id"], "publish")
    assert rows() == []
    endpoints(receiver, "creditchina")
    with pytest.raises(RuntimeError):
        with unit_of_work():
            publication_changed.send(None, event="publish", case_id=case["id"], publication_id=1, record=record(),
                                     occurred_at=clock.now())
            raise RuntimeError("the publication step failed after announcing")
    assert rows() == []  # rolled back with the step that announced it
    with pytest.raises(ValueError, match="unknown event"), unit_of_work():
        publication_changed.send(None, event="publicise", case_id=case["id"], publication_id=1, record=record(),
                                 occurred_at=clock.now())
    announce(case["id"], "update")
    [row] = rows()
    assert (row.kind, row.endpoint, row.status) == ("update", "creditchina", "pending")
    assert uuid.UUID(row.event_id).version == 4


def test_an_outage_503_is_retried_with_back_off_and_the_withdraw_waits_for_its_publish(api, tick, receiver, endpoints):
    endpoints(receiver, "national", SHARING_RETRY_BASE_SECONDS=60)
    case = new_case(api)
    down = {"on": True}
    receiver.answer = lambda request: (503, "维护中 maintenance") if down["on"] else 201
    announce(case["id"], "publish")
    tick()
    [publish] = rows()
    assert (publish.status, publish.attempts, publish.last_http_status) == ("pending", 1, 503)
    assert publish.last_error == "HTTP 503: 维护中 maintenance"
    assert publish.next_attempt_at == clock.now() + timedelta(seconds=60)

    announce(case["id"], "withdraw", actual_end="2026-09-14", end_reason="revocation")
    tick(timedelta(seconds=30))  # before the back-off has passed: nothing is sent, not even the withdraw
    assert len(receiver.requests) == 1
    tick(timedelta(seconds=31))
    assert len(receiver.requests) == 2 and rows()[0].attempts == 2
    assert rows()[0].next_attempt_at == clock.now() + timedelta(seconds=120)  # doubled
    assert rows()[1].status == "pending" and rows()[1].attempts == 0  # never tried before its publish

    down["on"] = False
    tick(timedelta(seconds=121))
    assert [r["body"]["kind"] for r in receiver.requests] == ["publish", "publish", "publish", "withdraw"]
    assert [b["kind"] for b in receiver.accepted["/national"]] == ["publish", "withdraw"]  # each accepted once
    assert [r.status for r in rows()] == ["acknowledged", "acknowledged"]
    tick(timedelta(hours=1))
    assert len(receiver.requests) == 4


def test_a_refused_connection_is_retried_until_the_platform_is_up(api, tick, endpoints):
    port = free_port()
    endpoints(f"http://127.0.0.1:{port}", "shanghai", SHARING_RETRY_BASE_SECONDS=60)
    case = new_case(api)
    announce(case["id"], "publish")
    tick()
    [row] = rows()
    assert row.status == "pending" and row.attempts == 1 and row.last_http_status is None
    assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
    late = Receiver(port).start()
    try:
        tick(timedelta(seconds=59))
        assert late.requests == []  # still backing off
        tick(timedelta(seconds=2))
        assert late.received("/shanghai") == [("publish", row.event_id)]
        assert rows()[0].status == "acknowledged"
    finally:
        late.stop()


def test_back_off_is_capped_then_the_event_fails_and_is_resent_by_the_cli(api, tick, runner, receiver, endpoints):
    endpoints(receiver, "national", SHARING_RETRY_BASE_SECONDS=60, SHARING_RETRY_CAP_SECONDS=100,
              SHARING_MAX_ATTEMPTS=4)
    receiver.answer = lambda request: 502
    case = new_case(api)
    announce(case["id"], "publish")
    waits = []
    for _ in range(3):
        tick()
        row = rows()[0]
        waits.append((row.next_attempt_at - clock.now()).total_seconds())
        clock.advance(row.next_attempt_at - clock.now())
    assert waits == [60, 100, 100]  # 60, 120 → capped at 100
    tick()
    [row] = rows()
    assert (row.status, row.attempts) == ("failed", 4)
    tick(timedelta(days=1))
    assert len(receiver.requests) == 4  # failed rows wait for a person

    receiver.answer = lambda request: 200
    result = runner.invoke(args=["sharing", "resend", "--event", row.event_id.upper()])
    assert result.exit_code == 0 and "已重新排队 1 条" in result.output, result.output
    assert (rows()[0].status, rows()[0].attempts) == ("pending", 0)
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.resent")).one()
    assert entry.actor_id is None and entry.data["event_id"] == row.event_id
    result = runner.invoke(args=["sharing", "push"])
    assert result.exit_code == 0 and "已确认 1" in result.output
    assert [r["body"]["event_id"] for r in receiver.requests] == [row.event_id] * 5  # the same id every time


def test_a_refusal_fails_at_once_and_never_holds_up_another_case(api, tick, runner, receiver, endpoints):
    endpoints(receiver, "national")
    bad, good = new_case(api), new_case(api)
    receiver.answer = lambda request: (400, "字段 tier 无效") if request["body"]["case_id"] == bad["id"] else 201
    for case in (bad, good):
        announce(case["id"], "publish", number=case["number"])
        announce(case["id"], "withdraw", number=case["number"], end_reason="expiry")
    tick()
    state = {(r.case_id, r.kind): (r.status, r.attempts) for r in rows()}
    assert state == {(bad["id"], "publish"): ("failed", 1), (bad["id"], "withdraw"): ("pending", 0),
                     (good["id"], "publish"): ("acknowledged", 1), (good["id"], "withdraw"): ("acknowledged", 1)}
    assert rows(case_id=bad["id"])[0].last_error == "HTTP 400: 字段 tier 无效"
    tick(timedelta(days=3))
    assert [r["body"]["kind"] for r in receiver.requests if r["body"]["case_id"] == bad["id"]] == ["publish"]

    assert runner.invoke(args=["sharing", "resend"]).exit_code == 1  # --failed or --event
    receiver.answer = lambda request: 201
    result = runner.invoke(args=["sharing", "resend", "--failed"])
    assert result.exit_code == 0 and "已重新排队 1 条" in result.output
    tick()
    assert [r["body"]["kind"] for r in receiver.requests if r["body"]["case_id"] == bad["id"]] == \
        ["publish", "publish", "withdraw"]
    assert {r.status for r in rows()} == {"acknowledged"}


def test_duplicates_are_suppressed_by_event_id(app, api, tick, receiver, endpoints):
    """A ticker that sent but died before recording it: once its lease runs out the event goes
    again with the same id; the platform answers 409 and that counts as acknowledged."""
    endpoints(receiver, "creditchina")
    receiver.dedupe = True
    case = new_case(api)
    announce(case["id"], "publish")
    [row] = rows()
    claimed = delivery._claim(row.id)
    assert claimed is not None and delivery._claim(row.id) is None  # a second ticker cannot take it
    outcome = delivery._post(claimed, parse_endpoints(app.config["SHARING_ENDPOINTS"])["creditchina"], 5)
    assert outcome.result == "acknowledged"  # …and the ticker dies here, before recording it
    assert rows()[0].status == "sending"
    tick(timedelta(minutes=4))
    assert len(receiver.requests) == 1  # the lease still holds
    tick(timedelta(minutes=2))
    assert [r["headers"]["idempotency-key"] for r in receiver.requests] == [row.event_id, row.event_id]
    assert len(receiver.accepted["/creditchina"]) == 1  # stored once by the platform
    [row] = rows()
    assert (row.status, row.last_http_status, row.attempts) == ("acknowledged", 409, 1)


def test_concurrent_tickers_never_send_an_event_twice(app, api, receiver, endpoints):
    endpoints(receiver, "national", "shanghai")
    cases = [new_case(api) for _ in range(6)]
    for case in cases:
        announce(case["id"], "publish")
        announce(case["id"], "withdraw", end_reason="repair")
    db.session.remove()
    errors, barrier = [], threading.Barrier(4)

    def ticker():
        with app.app_context():
            barrier.wait()
            try:
                for _ in range(3):
                    deliver_due(limit=5)
            except Exception as exc:  # noqa: BLE001 — any error fails the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ticker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    deliver_due()  # whatever the racing rounds left (a case's withdraw after its publish)
    sent = [(r["path"], r["body"]["event_id"]) for r in receiver.requests]
    assert len(sent) == len(set(sent)) == 24  # 6 cases × 2 events × 2 platforms, each once
    for case in cases:
        for path in ("/national", "/shanghai"):
            kinds = [r["body"]["kind"] for r in receiver.requests if r["path"] == path and r["body"]["case_id"] == case["id"]]
            assert kinds == ["publish", "withdraw"]
    assert {r.status for r in rows()} == {"acknowledged"}


def test_a_redirect_is_a_refusal_not_an_acknowledgement(api, tick, endpoints):
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):  # noqa: N802 — urllib would follow a POST's redirect with a GET
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoints(f"http://127.0.0.1:{server.server_address[1]}", "national")
        case = new_case(api)
        announce(case["id"], "publish")
        tick()
        [row] = rows()
        assert (row.status, row.last_http_status) == ("failed", 302)
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------ configuration

@pytest.mark.parametrize("raw, problem", [
    ("not json", "not JSON"),
    ('{"name": "national"}', "JSON list"),
    ('[{"name": "weibo", "url": "https://x"}]', "name must be one of"),
    ('[{"name": "national", "url": "ftp://x"}]', r"absolute http\(s\) URL"),
    ('[{"name": "national", "url": "https://a"}, {"name": "national", "url": "https://b"}]', "configured twice"),
    ('[{"name": "national", "url": "https://a", "secret": "x"}]', "unknown keys"),
])
def test_a_malformed_endpoint_setting_stops_the_start(raw, problem, tmp_path):
    class Config(TestConfig):
        SHARING_ENDPOINTS = raw
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"

    with pytest.raises(RuntimeError, match=problem):
        create_app(Config, instance_path=str(tmp_path))


def test_endpoint_setting_parses_the_three_platforms():
    parsed = parse_endpoints('[{"name": "national", "url": "https://a.example/x", "token": "s"},'
                             ' {"name": "creditchina", "url": "http://b"}, {"name": "shanghai", "url": "https://c"}]')
    assert list(parsed) == ["national", "creditchina", "shanghai"]
    assert parsed["national"].token == "s" and parsed["creditchina"].token == ""
    assert parse_endpoints("") == {} and parse_endpoints(None) == {}


# ------------------------------------------------------------------ reconciliation: page, API

def _failed_and_acknowledged(api, tick, receiver, endpoints) -> tuple[dict, dict]:
    endpoints(receiver, "national", "shanghai")
    bad, good = new_case(api), new_case(api)
    receiver.answer = lambda request: 422 if request["body"]["case_id"] == bad["id"] else 201
    announce(bad["id"], "publish", number=bad["number"])
    announce(good["id"], "publish", number=good["number"])
    tick()
    return bad, good


def test_the_reconciliation_page_lists_counts_filters_and_resends_for_admins(client, api, tick, receiver, endpoints):
    bad, good = _failed_and_acknowledged(api, tick, receiver, endpoints)
    web_login(client, "admin")
    html = client.get("/sharing").get_data(as_text=True)
    assert "信用信息共享" in html and 'id="sharing-counts"' in html
    assert 'data-endpoint="national"' in html and 'data-endpoint="shanghai"' in html
    assert html.count('data-status="failed"') >= 2 and bad["number"] in html and good["number"] in html
    assert "重发全部失败事件" in html and "data-confirm" in html

    failed = client.get("/sharing?status=failed&platform=national").get_data(as_text=True)
    assert failed.count('<tr id="sharing-') == 1 and bad["number"] in failed and good["number"] not in failed
    assert "HTTP 422" in failed
    event = rows(case_id=good["id"])[0].event_id
    by_event = client.get(f"/sharing?q={event}").get_data(as_text=True)
    assert by_event.count('<tr id="sharing-') == 2 and good["number"] in by_event
    by_number = client.get(f"/sharing?q={bad['number']}&kind=publish").get_data(as_text=True)
    assert by_number.count('<tr id="sharing-') == 2
    assert client.get("/sharing?status=nonsense&page=1").status_code == 200  # unknown filter values are ignored

    target = rows(case_id=bad["id"], endpoint="national")[0]
    r = post(client, f"/sharing/{target.id}/resend", {"next": "/sharing?status=failed"}, page="/sharing")
    assert r.status_code == 302 and r.headers["Location"] == "/sharing?status=failed"
    assert rows(id=target.id)[0].status == "pending"
    acknowledged = rows(case_id=good["id"])[0]
    r = post(client, f"/sharing/{acknowledged.id}/resend", page="/sharing", follow_redirects=True)
    assert "已确认" in r.get_data(as_text=True) and rows(id=acknowledged.id)[0].status == "acknowledged"
    r = post(client, "/sharing/resend-failed", page="/sharing")
    assert r.status_code == 302 and {x.status for x in rows(case_id=bad["id"])} == {"pending"}
    audited = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.resent")))
    assert len(audited) == 2 and all(a.actor.username == "admin" for a in audited)
    assert client.post(f"/sharing/{target.id}/resend").status_code == 400  # no CSRF token


def test_the_reconciliation_page_in_english(app, client, receiver, endpoints):
    """No app context pushed around the requests here: each request has its own locale."""
    assert login(client, "admin").status_code == 302
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/sharing")})
    endpoints(receiver, "national")
    receiver.answer = lambda request: 400
    with app.app_context():
        case = Api(client).as_("recorder").register()
        announce(case["id"], "publish", number=case["number"])
        deliver_due()
        db.session.remove()
    main = client.get("/sharing?status=failed").get_data(as_text=True).split("<main")[1]
    assert "Credit information sharing" in main and "Reconciliation" in main and "National Credit Information" in main
    assert ">Resend<" in main and ">Failed<" in main and "Queue event" in main
    assert "信用信息共享" not in main and "重发" not in main and "失败" not in main


def test_the_page_and_api_are_for_admins_only(client, api, tick, receiver, endpoints):
    bad, _good = _failed_and_acknowledged(api, tick, receiver, endpoints)
    target = rows(case_id=bad["id"])[0]
    for username in ("reviewer", "supervisor", "handler.fgw", "recorder", "designer"):
        web_login(client, username)
        assert client.get("/sharing").status_code == 403, username
        assert post(client, f"/sharing/{target.id}/resend").status_code == 403, username
        user = api.as_(username)
        assert user.get("/sharing/events").status_code == 403, username
        assert user.post(f"/sharing/events/{target.id}/resend").status_code == 403, username
        assert user.post("/sharing/resend", {"failed": True}).status_code == 403, username
        client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks")})
    assert rows(id=target.id)[0].status == "failed"
    assert client.get("/sharing").status_code == 302  # anonymous: to the login page
    assert client.get("/api/v1/sharing/events").status_code == 401


def test_the_api_lists_and_resends(api, tick, receiver, endpoints):
    bad, good = _failed_and_acknowledged(api, tick, receiver, endpoints)
    admin = api.as_("admin")
    r = admin.get("/sharing/events?status=failed")
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert page["total"] == 2 and {i["case_number"] for i in page["items"]} == {bad["number"]}
    assert page["counts"]["all"] == {"pending": 0, "sending": 0, "acknowledged": 2, "failed": 2}
    assert page["counts"]["national"]["failed"] == 1
    item = page["items"][0]
    assert item["last_http_status"] == 422 and item["last_error"].startswith("HTTP 422") and item["attempts"] == 1

    bad_query = admin.get("/sharing/events?status=lost&kind=x")
    assert bad_query.status_code == 422 and {"status", "kind"} <= set(bad_query.get_json()["error"]["fields"])
    assert admin.post("/sharing/events/999999/resend").status_code == 404
    acknowledged = rows(case_id=good["id"])[0]
    assert admin.post(f"/sharing/events/{acknowledged.id}/resend").status_code == 409

    r = admin.post(f"/sharing/events/{item['id']}/resend")
    assert r.status_code == 200 and r.get_json()["status"] == "pending" and r.get_json()["attempts"] == 0
    both = admin.post("/sharing/resend", {"failed": True, "event_id": item["event_id"]})
    assert both.status_code == 422 and "failed" in both.get_json()["error"]["fields"]
    assert admin.post("/sharing/resend", {}).status_code == 422
    assert admin.post("/sharing/resend", {"event_id": "not-a-uuid"}).status_code == 422
    assert admin.post("/sharing/resend", {"event_id": str(uuid.uuid4())}).status_code == 404
    r = admin.post("/sharing/resend", {"failed": True, "platform": "national"})
    assert r.status_code == 200 and r.get_json()["resent"] == 1
    receiver.answer = lambda request: 201
    tick()
    assert {x.status for x in rows()} == {"acknowledged"}


def test_the_reconciliation_page_has_a_second_page(app, client, receiver):
    assert login(client, "admin").status_code == 302
    saved = app.config["SHARING_ENDPOINTS"]
    app.config["SHARING_ENDPOINTS"] = [{"name": "national", "url": receiver.url("/national")}]
    try:
        with app.app_context():
            case = Api(client).as_("recorder").register()
            for _ in range(21):
                announce(case["id"], "update", number=case["number"])
            db.session.remove()
    finally:
        app.config["SHARING_ENDPOINTS"] = saved
    first = client.get("/sharing?kind=update").get_data(as_text=True)
    second = client.get("/sharing?kind=update&page=2").get_data(as_text=True)
    assert first.count('<tr id="sharing-') == 20 and second.count('<tr id="sharing-') == 1
    assert 'aria-label="共享事件分页"' in second and 'aria-current="page">2<' in second
    assert "kind=update" in second.split('aria-label="共享事件分页"')[1]  # the pager keeps the filter
    assert 'data-waiting="1"' in second or 'data-waiting="1"' in first  # later updates wait for the first
