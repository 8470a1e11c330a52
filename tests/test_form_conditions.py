"""Conditional requirements live in the form's JSON Schema (issue 20): `if`/`then` on the form's
own fields, `x-case` inside an `if` for the case's fields, `x-message` for the wording. The server
validates with it, an API client receives it as plain JSON Schema (the case decided), the page
reads the same rules, and form versions saved with the older `x-required-when` keep working."""
import json

from app import forms
from app.core.extensions import db
from app.forms import conditions
from app.forms.models import FormVersion


def fields_of(r) -> dict:
    assert r.status_code == 422, r.get_json()
    return r.get_json()["error"]["fields"]


def test_the_review_opinion_is_required_only_when_returning_or_exempting(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case = recorder.register()
    task = reviewer.task_for(case["id"], "entry_review")
    for decision in ("return", "exempt"):
        r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"entry_decision": decision, "review_opinion": "  "}})
        assert fields_of(r) == {"review_opinion": ["退回或认定免责、容错时，须写明审核意见（理由）"]}
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve"})
    assert api.as_("recorder").case(case["id"])["status"] == "notified"


def test_the_api_form_says_which_choices_require_the_opinion(api):
    case = api.as_("recorder").register()
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case["id"], "entry_review")
    schema = reviewer.get(f"/tasks/{task['id']}").get_json()["form"]
    assert schema["required"] == ["entry_decision"]
    assert schema["if"]["properties"]["entry_decision"] == {"enum": ["return", "exempt"]}
    assert schema["then"]["required"] == ["review_opinion"]


def _minor_case_at_publication(api):
    case = api.as_("recorder").register(tier="minor")
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve"})
    api.as_("handler.fgw").complete(case["id"], "respond_notice", {"response": "accept"})
    return case, reviewer, reviewer.task_for(case["id"], "publication_decision")


def test_a_case_condition_is_decided_for_the_case_the_api_client_sees(api):
    minor, reviewer, task = _minor_case_at_publication(api)
    schema = reviewer.get(f"/tasks/{task['id']}").get_json()["form"]
    assert "x-case" not in json.dumps(schema)  # plain JSON Schema: the case's tier is decided
    assert schema["if"] == {"properties": {"publish": {"const": True}}, "required": ["publish"]}
    general = api.as_("recorder").register()
    reviewer.complete(general["id"], "entry_review", {"entry_decision": "approve"})
    api.as_("handler.fgw").complete(general["id"], "respond_notice", {"response": "accept"})
    other = reviewer.task_for(general["id"], "publication_decision")
    assert reviewer.get(f"/tasks/{other['id']}").get_json()["form"]["if"] is False
    # and the server says why, in the form's words
    r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"publish": True, "decision_note": "公开"}})
    assert fields_of(r) == {"minor_publication_reason": ["轻微失信一般不公开：决定公开的，须写明公开理由"]}
    reviewer.complete(general["id"], "publication_decision", {"publish": True, "decision_note": "公开"})


def test_a_form_version_saved_with_x_required_when_still_requires_its_fields(app, api):
    """A deployed process may use a form version written before if/then: its rule is read as one."""
    minor, reviewer, task = _minor_case_at_publication(api)
    old = json.loads(db.session.get(FormVersion, db.session.scalar(
        db.select(FormVersion.id).where(FormVersion.key == "publication_decision").order_by(FormVersion.version.desc()))).schema_json)
    legacy = {k: v for k, v in old.items() if k not in ("if", "then")}
    legacy["x-required-when"] = [{"case": {"tier": "minor"}, "data": {"publish": True},
                                  "required": ["minor_publication_reason"], "message": "旧版提示：须写明理由"}]
    upgraded = conditions.upgraded(legacy)
    assert "x-required-when" not in upgraded
    assert upgraded["allOf"][-1]["if"]["x-case"] == {"properties": {"tier": {"const": "minor"}}, "required": ["tier"]}
    for case, expected in (({"tier": "minor"}, ["旧版提示：须写明理由"]), ({"tier": "general"}, None)):
        validator = forms.FormValidator(conditions.for_case(upgraded, case))
        messages = [forms._message(e, upgraded)[1] for e in validator.iter_errors({"publish": True, "decision_note": "x"})]
        assert (messages or None) == expected
    # stored as a version and loaded: the rule applies to a running case's completion
    row = FormVersion(key="publication_decision", version=99, schema_json=json.dumps(legacy, ensure_ascii=False),
                      content_hash="legacy", source="file", comment="legacy")
    db.session.add(row)
    db.session.commit()
    assert "x-required-when" not in forms.load_form("publication_decision", 99)
    try:
        forms.validate("publication_decision", {"publish": True, "decision_note": "x"}, 99, case={"tier": "minor"})
    except forms.ValidationFailed as exc:
        assert exc.fields == {"minor_publication_reason": ["旧版提示：须写明理由"]}
    else:
        raise AssertionError("the legacy rule did not apply")


def test_new_forms_say_it_with_if_then(app):
    with app.app_context():
        schema = {"type": "object", "title": "t", "properties": {"a": {"type": "string", "title": "甲"}},
                  "x-required-when": [{"data": {}, "required": ["a"]}]}
        assert any("if/then" in p for p in forms.schema_problems(schema))
        schema = {"type": "object", "title": "t", "properties": {"a": {"type": "string", "title": "甲"}},
                  "if": {"x-case": {"type": "nonsense"}}, "then": {"required": ["a"], "x-message": 3}}
        problems = forms.schema_problems(schema)
        assert any("x-case" in p for p in problems) and any("x-message" in p for p in problems)


def test_the_page_reads_the_rules_it_shows(app):
    with app.app_context():
        schema = forms.load_form("objection_review")
        need = conditions.requirements(schema, {"objection_outcome": "correct"})
        assert need.always == ["objection_outcome", "reply_reasons"]
        assert {"corrected_facts", "corrected_tier", "exemption_reasons"} <= need.conditional
        assert need.now == {"objection_outcome", "reply_reasons", "corrected_facts", "corrected_tier"}
        assert conditions.requirements(schema, {"objection_outcome": "uphold", "exemption_outcome": "none"}).now == {
            "objection_outcome", "reply_reasons", "exemption_reasons"}
        # checkboxes: one that must be ticked is marked, a yes/no answer is not
        assert "credit_commitment" in conditions.requirements(forms.load_form("repair_application")).always
        assert "publish" not in conditions.requirements(forms.load_form("publication_decision")).marked
        notice = conditions.requirements(forms.load_form("notice_response"), {"response": "accept"})
        assert "commitment" in notice.conditional and "commitment" not in notice.now
