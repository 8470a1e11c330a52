"""Contract tests: schemathesis generates requests for every operation of the generated OpenAPI
document and sends them to the real app (WSGI, real database, real engine) with each demo user's
bearer token; every answer must be a non-5xx the spec describes — a documented status, its media
type, a body matching its schema, its headers. Bounded: few examples, derandomized."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from sqlalchemy import select

from app.auth.service import issue_token
from app.extensions import db
from app.org.models import User

# One user of each kind of role: what one may do the others are refused (403), and every answer
# must still be one the spec lists.
USERS = ("recorder", "handler.fgw", "supervisor", "designer", "admin")
EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def _tokens(app) -> dict[str, str]:
    with app.app_context():
        tokens = {name: issue_token(db.session.scalar(select(User).where(User.username == name))) for name in USERS}
        db.session.remove()
    return tokens


def test_every_operation_answers_as_the_spec_says(app):
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
            for token in _tokens(app).values():  # fresh tokens: a generated logout revokes one
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 29
    assert failures == [], "\n\n".join(failures)
