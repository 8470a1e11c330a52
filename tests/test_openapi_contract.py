"""Contract tests: schemathesis generates requests for every operation of the generated OpenAPI
document and sends them to the real app (WSGI, real database, real engine) with each demo user's
bearer token; every answer must be a non-5xx the spec describes — a documented status, its media
type, a body matching its schema, its headers. Each generated request is sent as generated and
again with real ids — a case (its task, attachment, document, notification), a throwaway unit and
account, a calendar day, a deployed process — so full answers are checked too, not only 404s.
Bounded: few examples, derandomized (about two and a half minutes for ~60 operations)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, ignored_auth, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from sqlalchemy import select

from app.auth.service import issue_token
from app.core.clock import LOCAL_TZ, clock
from app.cases.models import Case
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.incidents.models import Incident
from app.notifications.models import Notification
from app.org.models import User
from app.publication import service as publication
from app.designer.deployment import deploy_path
from app.sharing.models import SharingEvent
from tests.browser.test_ui_rules import notified_case
from tests.test_api_parity import PDF, upload
from tests.sharing_support import announce
from tests.support import RECORD, Api
from tests.test_incidents import FAILING

# One user of each kind of role: what one may do the others are refused (403), and every answer
# must still be one the spec lists.
USERS = ("recorder", "reviewer", "handler.fgw", "supervisor", "designer", "admin", "approver")
EXAMPLES = 6
# ignored_auth: each successful answer is asked again without the token and with a wrong one (401).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, ignored_auth]


def _tokens(app) -> dict[str, str]:
    with app.app_context():
        tokens = {name: issue_token(db.session.scalar(select(User).where(User.username == name))) for name in USERS}
        db.session.remove()
    return tokens


def _real_ids(client) -> dict[str, int]:
    """Path values that exist: a notified case with its open task, an attachment, the notice
    document and a notification of handler.fgw (who sees them all)."""
    case, task = notified_case(client)
    with client.application.app_context():
        handler = Api(client).as_("handler.fgw")
        attachment = upload(handler, case["id"], "回单.pdf", PDF).get_json()
        [document] = handler.case(case["id"])["documents"]
        saved_filter = handler.post("/saved-filters", {"page": "inbox", "name": "契约测试", "query": "q=发改"}).get_json()
        notification = db.session.scalar(select(Notification.id).join(User, Notification.user_id == User.id)
                                         .where(User.username == "handler.fgw").limit(1))
        with unit_of_work():  # a record on the public portal (as the `publish` script's set_publication opens it)
            published = publication.open_publication(db.session.get(Case, case["id"]), clock.today(), date(2027, 9, 14)).id
        db.session.remove()
    with client.application.app_context():
        admin = Api(client).as_("admin")
        unit = admin.post("/departments", {"code": "contract_unit", "name": "契约测试单位", "kind": "agency"}).get_json()
        account = admin.post("/users", {"username": "contract.user", "full_name": "契约测试", "department_id": unit["id"],
                                        "roles": ["recorder"], "password": "Contract-Passw0rd-1"}).get_json()
        db.session.remove()
    # Admin and designer operations get objects of their own: a throwaway unit and account (which
    # generated requests may edit, deactivate or give a new password), a day of a loaded year, and
    # a deployed process (its drafts, forms, versions, migration and tests) and a decision table.
    return {"case_id": case["id"], "task_id": task["id"], "attachment_id": attachment["id"],
            "document_id": document["id"], "code": document["verification_code"], "year": 2026,
            "notification_id": notification, "department_id": unit["id"],
            "user_id": account["id"], "day": "2026-11-14", "key": "dishonesty_record", "number": 1,
            "decision": "publication_window", "publication_id": published,
            "incident_id": _incident(client), "row_id": _sharing_row(client, case["id"]),
            "filter_id": saved_filter["id"]}


def _sharing_row(client, case_id: int) -> int:
    """A pending row of the sharing outbox (never sent: nothing ticks during the run)."""
    app = client.application
    saved = app.config["SHARING_ENDPOINTS"]
    app.config["SHARING_ENDPOINTS"] = [{"name": "national", "url": "http://127.0.0.1:9/feed"}]
    try:
        with app.app_context():
            announce(case_id, "publish")
            row = db.session.scalar(select(SharingEvent.id))
            db.session.remove()
    finally:
        app.config["SHARING_ENDPOINTS"] = saved
    return row


def _incident(client) -> int:
    """An open incident: the engine case failing-script-on-timer, ticked past its reminder."""
    app = client.application
    with app.app_context():
        deploy_path(FAILING)
        Api(client).as_("recorder").post("/cases", {"process": "f15_timer_script_error", "data": RECORD})
        with clock.travel(datetime(2026, 9, 17, 9, 0, tzinfo=LOCAL_TZ)):
            assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
        incident = db.session.scalar(select(Incident.id).where(Incident.status == "open"))
        db.session.remove()
    return incident


def _described(exc: BaseException, depth: int = 0) -> str:
    """An exception with what it wraps: hypothesis and schemathesis group failures (a flaky
    example, several failed checks) and wrap the originals."""
    text = f"{exc.__class__.__name__}: {exc}"
    inner = list(getattr(exc, "exceptions", ())) + [e for e in (exc.__cause__,) if e is not None]
    if depth < 4:
        text += "".join(f"\n{'  ' * (depth + 1)}- {_described(e, depth + 1)}" for e in inner)
    return text


@pytest.mark.usefixtures("kept_rows_restored")  # admin operations change units, calendar days and accounts
@pytest.mark.timeout(600)  # ~80 operations × 12 users' calls × 6 examples: 2.5–4 min; 6+ min on PostgreSQL at load 12 on 2 cores
def test_every_operation_answers_as_the_spec_says(app, client):
    real = _real_ids(client)
    assert None not in real.values()
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE])
    failures, operations = [], 0
    for result in loaded.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def exercise(case):
            generated = dict(case.path_parameters or {})
            for path_values in (generated, {**generated, **{k: real[k] for k in generated}}):
                case.path_parameters = path_values
                for token in _tokens(app).values():  # fresh tokens: a generated logout revokes one
                    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — report every operation's failures
            failures.append(f"{operation.label}: {_described(exc)}")
    assert operations >= 55
    assert failures == [], "\n\n".join(failures)


def test_a_multipart_part_without_a_name_is_a_4xx_not_a_500(app, client):
    """Found by the contract run: werkzeug keys a nameless part None, and the text guard choked on
    it. The example (calendar import) and the whole kind: every route the spec says takes
    multipart. The guard refuses the part itself, naming `body` (the web forms too:
    tests/test_api_actions.py)."""
    body = (b'--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n'
            b'--B\r\nContent-Disposition: form-data; filename="x.csv"\r\n\r\nv\r\n--B--\r\n')
    headers = {"Authorization": f"Bearer {_tokens(app)['admin']}"}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    multipart = [path.replace("{case_id}", "1") for path, methods in paths.items()
                 if "multipart/form-data" in methods.get("post", {}).get("requestBody", {}).get("content", {})]
    assert {"/api/v1/calendar/import", "/api/v1/cases"} <= set(multipart) and len(multipart) == 3
    for path in multipart:
        response = client.post(path, data=body, headers=headers, content_type="multipart/form-data; boundary=B")
        assert response.status_code == 400, (path, response.data)
        assert list(response.get_json()["error"]["fields"]) == ["body"], path
