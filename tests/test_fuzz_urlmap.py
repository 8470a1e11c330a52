"""Property test over the whole URL map, web and API: every rule and method, as several demo users
(bearer tokens for /api, logged-in sessions with their CSRF token for pages), with hostile path
variables, query strings, form fields, JSON and raw bodies and uploads. No answer may be a 5xx.

Deterministic (derandomize) and bounded, so it runs in CI; it prints the counts."""
from __future__ import annotations

import io
import json
import os
import re
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from app.auth.service import issue_token
from app.core.extensions import db
from app.org.models import User
from tests.support import RECORD, Api
from tests.web_support import csrf_token, login

USERS = ["admin", "designer", "recorder", "reviewer", "supervisor", "handler.fgw"]
EXAMPLES = 1500
# Reference tables the conftest keeps between tests: the fuzzer may edit them, so they are put back.
RESTORED = ("department", "civil_servant", "user", "user_role", "calendar_year", "calendar_day")
SKIPPED = {"auth.logout"}
# Routes that may sign a fuzzing user out (password reset or change, deactivation, API logout): after
# one of them the run signs the users it affected in again, so later requests still reach the views.
REVOKING = {"/api/v1/auth/logout", "/account/password", "/admin/users/<int:user_id>/password",
            "/admin/users/<int:user_id>/deactivate", "/admin/users/<int:user_id>/activate",
            "/admin/users/<int:user_id>/edit"}
# Most requests come from a user the route is for (else nearly all would stop at the role check).
OWNER = {"admin": "admin", "designer": "designer", "complaints": "supervisor", "supervision": "supervisor",
         "documents": "reviewer", "cases": "recorder", "tasks": "reviewer"}
SHAPES = json.loads(json.dumps({"process": "dishonesty_record", "data": RECORD}))  # ends the session the rest of the run is logged in with

HOSTILE_INTS = [0, -1, 1, 2, 3, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, 10**30, -(2**63) - 1]
HOSTILE_TEXT = [
    "", " ", "0", "-1", "1", "2", "²", "٣", "１", "99999999999999999999", str(10**30), "1e309", "NaN", "0x10",
    "\ud800", "\udfff", "a\x00b", "\r\n", "\t=1+2", "=HYPERLINK(\"https://evil.example\",\"x\")",
    "0001-01-01", "9999-12-31", "2026-02-30", "2100-01-01", "<script>alert(1)</script>", "{{ 7*7 }}",
    "' OR 1=1 --", "../../etc/passwd", "https://evil.example/", "//evil.example", "/\\evil.example",
    "/%2f%2fevil.example", "x" * 5000, "表" * 300, "dishonesty_record", "warning_rectification", "draft",
    "mine", "available", "completed", "supervised", "active", "admin", "on", "true", "[]", "{}",
]
QUERY_NAMES = ["page", "per_page", "tab", "scope", "q", "subject", "status", "area", "process", "department",
               "district", "overdue", "unit", "category", "channel", "date_from", "date_to", "created_from",
               "created_to", "role", "year", "day", "source", "kind", "unread", "next", "code", "draft", "tier", "reason"]
FORM_NAMES = ["next", "assignee_id", "username", "password", "full_name", "department_id", "roles",
              "scope_district_id", "code", "name", "kind", "district_id", "day", "year", "schema", "comment",
              "source", "target", "confirm", "reason", "lang", "process", "title", "facts", "decision",
              "subject_type", "subject_department", "occurred_on", "evidence", "opinion"]
DEEP = "[" * 100_000 + "]" * 100_000
RAW_BODIES = [DEEP.encode(), b'{"data": NaN}', b'{"data": 1e999}', b'"\\ud800"', b'{"a": "\\u0000"}',
              ("{" + '"a":{' * 40 + "}" * 41).encode(), b"\xff\xfe\x00", b"", b"not json",
              json.dumps({"assignee_id": 10**30, "data": {"title": "x" * 100}}).encode()]
BPMN = ('<?xml version="1.0" encoding="{enc}"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
        '20100524/MODEL" id="d" targetNamespace="x"><bpmn:process id="fuzz_proc" name="编码测试 é"/></bpmn:definitions>')
UPLOADS = [(BPMN.format(enc=e).encode(c, "xmlcharrefreplace"), f"f.{ext}") for e, c in (("UTF-16", "utf-16"), ("GBK", "gbk"),
           ("ISO-8859-1", "latin-1"), ("UTF-8", "gbk")) for ext in ("bpmn", "csv")] + [
    (b"=cmd|' /C calc'!A0,2026-01-01\n", "x.csv"), (b"\x00" * 64, "x.txt"), (b"", "empty.bpmn"),
    ("year,date\n9999,9999-12-31\n".encode(), "cal.csv")]

texts = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))
leaves = st.one_of(texts, st.sampled_from(HOSTILE_INTS), st.booleans(), st.none(),
                   st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(FORM_NAMES + ["data", "items"]) | texts, inner, max_size=4),
                           max_leaves=10)
SHAPE_OF = ["/cases", "/complete", "/reassign", "/deploy", "/compile", "/token", "/complaints"]  # rule ends → shape
KEYS = ["dishonesty_record", "warning_rectification", "record_register", "entry_review", "new_form"]


@st.composite
def shaped_json(draw, rule: str = ""):
    """A body of the right shape (a registration, a completion, a reassignment) with hostile leaves,
    so requests get past the shape checks to the services."""
    data = dict(RECORD)
    for name in draw(st.lists(st.sampled_from(sorted(RECORD) + ["evidence", "civil_servant_id", "decision"]),
                              max_size=3)):
        data[name] = draw(leaves)
    shapes = [{"process": draw(st.sampled_from(KEYS[:2])), "data": data}, {"data": data},
              {"assignee_id": draw(st.sampled_from(HOSTILE_INTS))}, {"xml": draw(texts), "comment": draw(texts)},
              {"source": draw(texts), "mode": draw(st.sampled_from(["expression", "script"]))},
              {"username": draw(texts), "password": draw(texts)},
              {"items": [{"external_id": draw(texts), "date": draw(texts), "unit": "fgw", "channel": "12345",
                          "category": draw(texts), "text": draw(texts)}]}]
    preferred = next((i for i, part in enumerate(SHAPE_OF) if part and rule.endswith(part)), None)
    return shapes[preferred] if preferred is not None and draw(st.booleans()) else draw(st.sampled_from(shapes))


_VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _encode(value) -> bytes:
    return str(value).encode("utf-8", "surrogatepass")


def _routes(app) -> list[tuple[str, str, dict]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            owner = OWNER.get(rule.endpoint.split(".")[0])
            routes.append((rule.rule, method, owner, {name: conv for conv, name in _VARIABLE.findall(rule.rule)}))
    return sorted(routes)


@st.composite
def hostile_requests(draw, routes):
    rule, method, owner, variables = draw(st.sampled_from(routes))
    values = {}
    for name, conv in variables.items():
        pool = st.sampled_from(HOSTILE_INTS) if conv == "int" else st.one_of(texts, st.sampled_from(KEYS))
        values[name] = draw(st.one_of(pool, st.integers(1, 12)))
    path = _VARIABLE.sub(lambda m: quote(_encode(values[m.group(2)]), safe=""), rule)
    query = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), texts, max_size=3))
    if query:
        path += "?" + urlencode({k: _encode(v) for k, v in query.items()})
    body = draw(st.sampled_from(["none", "form", "json", "raw", "upload"]) if method != "GET" else st.just("none"))
    request = {"rule": rule, "method": method, "path": path, "body": body,
               "user": draw(st.sampled_from([owner] * 4 + USERS + [None]) if owner else st.sampled_from(USERS + [None]))}
    if body == "form":
        request["form"] = draw(st.one_of(st.dictionaries(st.sampled_from(FORM_NAMES), texts, max_size=5),
                                         shaped_json(rule).map(lambda b: {k: str(v) for k, v in b.get("data", b).items()})))
    elif body == "json":
        request["json"] = draw(st.one_of(json_values, shaped_json(rule)))
    elif body == "raw":
        request["raw"] = draw(st.sampled_from(RAW_BODIES))
        request["content_type"] = draw(st.sampled_from(["application/json", "text/csv", "application/xml"]))
    elif body == "upload":
        request["upload"] = draw(st.sampled_from(UPLOADS))
        request["form"] = draw(st.dictionaries(st.sampled_from(FORM_NAMES), st.sampled_from(HOSTILE_TEXT[:20]),
                                               max_size=2))
    return request


def _send(app, sessions, tokens, csrf, request):
    user, path, method = request["user"], request["path"], request["method"]
    api = path.startswith("/api/")
    client = app.test_client() if api or user is None else sessions[user]
    headers = {}
    if api and user:
        headers["Authorization"] = f"Bearer {tokens[user]}"
    if not api and user:
        headers["X-CSRFToken"] = csrf[user]
    kwargs = {"headers": headers}
    if request["body"] == "form":
        form = {**request["form"], **({"csrf_token": csrf[user]} if user and not api else {})}
        kwargs["data"] = urlencode({k: _encode(v) for k, v in form.items()})
        kwargs["content_type"] = "application/x-www-form-urlencoded"
    elif request["body"] == "json":
        kwargs["data"] = json.dumps(request["json"], ensure_ascii=True)
        kwargs["content_type"] = "application/json"
    elif request["body"] == "raw":
        kwargs["data"], kwargs["content_type"] = request["raw"], request["content_type"]
    elif request["body"] == "upload":
        content, filename = request["upload"]
        form = {k: v.encode("utf-8", "replace").decode() for k, v in request["form"].items()}
        if user and not api:
            form["csrf_token"] = csrf[user]
        kwargs["data"] = {**form, "file": (io.BytesIO(content), filename)}
        kwargs["content_type"] = "multipart/form-data"
    return client.open(path, method=method, **kwargs)


def _credentials(app) -> dict[str, tuple]:
    """What signs a fuzzing user in: (active, password hash, auth version) by user name."""
    with app.app_context():
        rows = db.session.execute(select(User.username, User.active, User.password_hash, User.auth_version)
                                  .where(User.username.in_(USERS))).all()
        db.session.remove()
    return {r.username: tuple(r)[1:] for r in rows}


def _sign_in_again(app, sessions, tokens, csrf, credentials, request) -> list[str]:
    """Undo what a revoking request did to the fuzzing users (active flag, password) and give those
    it signed out a new session and token. Returns their names."""
    now = _credentials(app)
    affected = [u for u in USERS if now[u] != credentials[u]]
    if request["rule"] == "/api/v1/auth/logout" and request["user"] and request["user"] not in affected:
        affected.append(request["user"])  # that token is gone, the user row unchanged
    with app.app_context():
        for user in affected:
            active, password_hash, _version = credentials[user]
            db.session.execute(db.update(User).where(User.username == user)
                               .values(active=active, password_hash=password_hash))
        db.session.commit()
        for user in affected:
            tokens[user] = issue_token(db.session.scalar(select(User).where(User.username == user)))
        db.session.remove()
    for user in affected:
        sessions[user] = app.test_client()
        assert login(sessions[user], user).status_code == 302
        csrf[user] = csrf_token(sessions[user], "/notifications")
    credentials.update(_credentials(app))
    return affected


def _snapshot(app) -> dict:
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name in RESTORED]
        return {t: [dict(r) for r in db.session.execute(select(t)).mappings()] for t in tables}


def _restore(app, snapshot: dict) -> None:
    from tests.conftest import _clean

    _clean(app)  # what the fuzzer created in the other tables goes first
    with app.app_context():
        with db.engine.begin() as conn:
            for table in reversed(list(snapshot)):
                conn.execute(delete(table))
            for table, rows in snapshot.items():
                if rows:
                    conn.execute(insert(table), rows)
        db.session.remove()


# 1,500 requests, some of which render PDFs or run the engine: about 1 min on SQLite on an idle machine,
# over the default 120 s on PostgreSQL on a busy 2-core one (it timed out there mid-run).
@pytest.mark.timeout(900)
def test_no_5xx_anywhere_on_the_url_map(app, client, capsys):
    with app.app_context():
        api = Api(client)
        case_ids = [api.as_("recorder").register(title=f"模糊测试案件 {i}")["id"] for i in range(2)]
        assert case_ids
        tokens = {u: issue_token(db.session.scalar(select(User).where(User.username == u))) for u in USERS}
        db.session.remove()
    sessions, csrf = {}, {}
    for user in USERS:
        sessions[user] = app.test_client()
        assert login(sessions[user], user).status_code == 302
        csrf[user] = csrf_token(sessions[user], "/notifications")
    snapshot = _snapshot(app)
    credentials = _credentials(app)
    signed_in_again: Counter = Counter()
    routes = _routes(app)
    statuses: Counter = Counter()
    failures: dict[tuple[str, str], str] = {}
    by_route: dict = {}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(hostile_requests(routes))
    def probe(request):
        try:  # the test app propagates exceptions: each is a 500 to report, not the end of the run
            response = _send(app, sessions, tokens, csrf, request)
            status, detail = response.status_code, response.get_data()[:200]
        except Exception as exc:  # noqa: BLE001
            status, detail = 500, repr(exc)[:300]
            with app.app_context():
                db.session.rollback()
        if request["rule"] in REVOKING:
            signed_in_again.update(_sign_in_again(app, sessions, tokens, csrf, credentials, request))
        statuses[status] += 1
        by_route.setdefault((request["rule"], request["method"]), Counter())[status] += 1
        if status >= 500:
            failures.setdefault((request["method"], request["rule"]), f"{status} {request} {detail}")

    try:
        probe()
    finally:
        _restore(app, snapshot)
    total = sum(statuses.values())
    client_errors = sum(n for code, n in statuses.items() if 400 <= code < 500)
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    with capsys.disabled():
        print(f"\nURL-map fuzz: {len(routes)} routes, {total} requests, {client_errors} 4xx, {server_errors} 5xx; "
              f"by status {dict(sorted(statuses.items()))}; signed in again after revocation: {dict(signed_in_again)}")
    if os.environ.get("FUZZ_DEBUG"):  # per route, to see what the run reached
        with capsys.disabled():
            for key, counts in sorted(by_route.items()):
                print(key, dict(counts))
    assert not failures, "\n".join(failures.values())
