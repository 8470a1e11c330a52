"""The API contract: the OpenAPI 3.1 document generated from the routes and their marshmallow
schemas is valid, public, and covers every route under /api/v1 with its methods, parameters, body,
answers and errors, in Chinese and English."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from app.api.openapi import ERRORS

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.data
    return response.get_json()


def test_the_spec_is_public_and_valid_openapi_3_1(client):
    document = spec(client)
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises OpenAPIValidationError naming the problem
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]


def test_every_api_rule_of_the_url_map_is_in_the_spec_with_its_methods(app, client):
    paths = spec(client)["paths"]
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    assert len(rules) > 25
    for rule in rules:
        path = VARIABLE.sub(r"{\1}", rule.rule)
        assert path in paths, f"{rule.rule} missing from the spec"
        documented = set(paths[path])
        assert {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}} <= documented, rule.rule
        for name in rule.arguments:
            for method in documented:
                declared = paths[path][method]["parameters"]
                assert any(p["in"] == "path" and p["name"] == name for p in declared), (path, name)


def test_every_operation_describes_summary_answers_and_errors(client):
    document = spec(client)
    error_shape = document["components"]["schemas"]["Error"]
    assert error_shape["required"] == ["error"]
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "fields"}
    for status in (400, 401, 403, 404, 409, 415, 422, 429, 503):
        assert f"Error{status}" in document["components"]["responses"]
    used = set()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            assert CJK.search(operation["summary"]) and LATIN.search(operation["summary"]), where
            assert " / " in operation["summary"], where
            answers = operation["responses"]
            assert any(s.startswith("2") for s in answers), where
            errors = {s for s in answers if s[0] in "45"}
            used |= errors
            assert {"400", "503"} <= errors, where
            if operation.get("security") != []:
                assert "401" in errors, where
            if "{" in path:
                assert "404" in errors, where
            for status in errors:
                assert answers[status] == {"$ref": f"#/components/responses/Error{status}"}, where
    assert used == {str(s) for s in ERRORS}  # each status the contract names is one some route answers
    public = {f"{m.upper()} {p}" for p, ms in document["paths"].items() for m, o in ms.items()
              if o.get("security") == []}
    assert public == {"POST /api/v1/auth/token", "GET /api/v1/openapi.json", "GET /api/v1/verify/{code}",
                      "GET /api/v1/public/records", "GET /api/v1/public/records/{publication_id}"}


def test_request_bodies_and_queries_come_from_the_marshmallow_schemas(client):
    document = spec(client)
    paths, schemas = document["paths"], document["components"]["schemas"]
    create = paths["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create == {"$ref": "#/components/schemas/CaseCreate"}
    assert set(schemas["CaseCreate"]["required"]) == {"process", "data"}
    reassign = schemas["Reassign"]["properties"]["assignee_id"]
    assert reassign["type"] == "integer" and reassign["minimum"] == 1
    queries = {p["name"] for p in paths["/api/v1/cases"]["get"]["parameters"] if p["in"] == "query"}
    assert {"page", "per_page", "status", "q"} <= queries
    upload = paths["/api/v1/cases/{case_id}/attachments"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    pdf = paths["/api/v1/cases/{case_id}/documents/{document_id}.pdf"]["get"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]
    assert set(paths["/api/v1/complaints"]["post"]["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert schemas["CasePage"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Case"}


def test_real_error_answers_have_the_documented_shape(client):
    """The app's own handlers still answer every error: the spec's Error shape is what comes back."""
    from jsonschema import Draft202012Validator

    document = spec(client)
    shape = {"$ref": "#/components/schemas/Error", "components": document["components"]}
    validator = Draft202012Validator(shape)
    no_token = client.get("/api/v1/me")
    bad_body = client.post("/api/v1/auth/token", json={"username": "x"})
    missing = client.get("/api/v1/nothing-here")
    for response, status in ((no_token, 401), (bad_body, 422), (missing, 404)):
        assert response.status_code == status
        validator.validate(response.get_json())
    assert list(bad_body.get_json()["error"]["fields"]) == ["password"]


def test_every_operation_has_a_description_in_chinese_and_english(client):
    """The docstring of each route is its description: a short Chinese paragraph and the English."""
    document = spec(client)
    missing = [f"{method.upper()} {path}" for path, methods in document["paths"].items()
               for method, operation in methods.items()
               if not (CJK.search(operation.get("description", "")) and LATIN.search(operation["description"]))]
    assert missing == []


def test_no_code_name_in_a_description_is_broken_across_lines(client):
    """Found by attack 13: docstrings wrapped inside a field name (`fi` + newline + `le`), which
    Swagger UI shows as `fi le` — a name a client cannot use. No `code` span of any operation's
    description breaks a line between two letters (a JSON shape may wrap after a comma)."""
    broken = []
    for path, methods in spec(client)["paths"].items():
        for method, operation in methods.items():
            for span in re.findall(r"`([^`]*)`", operation.get("description", "")):
                if re.search(r"\w\n\s*\w", span):
                    broken.append(f"{method.upper()} {path}: `{span}`")
    assert broken == []
