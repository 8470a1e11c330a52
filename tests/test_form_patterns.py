"""A form's `pattern` is a designer's regular expression run on every user's input: it must not
be able to stall the worker (issue 12, finding 3's kind — untrusted evaluation bounded whatever
runs in C). Python's `re` backtracks: `^(a+)+$` on 24 `a`s and a `!` took 2.5 s in one C call
(each more `a` doubles it), holding the interpreter for every other request. Patterns run on RE2
(linear time); one RE2 cannot run (a back-reference, a look-around) is refused when the form is
saved, naming the field."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from app import forms
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.org.models import User
from tests.web_support import csrf_token, login

CATASTROPHIC = "^(a+)+$"  # nested repeats: exponential backtracking in re
HOSTILE = "a" * 24 + "!"  # 2.5 s in re (26: 6.7 s), microseconds in RE2


def _form(pattern: str, *, where: str = "pattern") -> dict:
    field = {"type": "string", "title": "编号", "maxLength": 200}
    schema = {"type": "object", "title": "正则表单", "properties": {"code": field}}
    if where == "pattern":
        field["pattern"] = pattern
    else:  # a nested object field's patternProperties
        schema["properties"]["extra"] = {"type": "object", "title": "附加", "patternProperties": {pattern: {"type": "string"}}}
    return schema


def _save(app, key: str, schema: dict):
    with app.app_context():
        designer = db.session.scalar(select(User).where(User.username == "designer"))
        with unit_of_work():
            forms.save_form(key, schema, author_id=designer.id)


def test_a_catastrophic_pattern_checks_a_hostile_value_at_once(app):
    _save(app, "regex_probe", _form(CATASTROPHIC))
    with app.app_context():
        started = time.perf_counter()
        with pytest.raises(ValidationFailed) as refused:
            forms.validate("regex_probe", {"code": HOSTILE})
        assert time.perf_counter() - started < 0.5
        assert refused.value.fields["code"] == ["“编号”格式不正确"]
        assert forms.validate("regex_probe", {"code": "a" * 24}) == {"code": "a" * 24}


def test_a_catastrophic_pattern_property_checks_a_hostile_key_at_once(app):
    _save(app, "regex_probe_keys", _form(CATASTROPHIC, where="patternProperties"))
    with app.app_context():
        started = time.perf_counter()
        forms.validate("regex_probe_keys", {"code": "x", "extra": {HOSTILE: "y"}})
        assert time.perf_counter() - started < 0.5
        with pytest.raises(ValidationFailed) as refused:
            forms.validate("regex_probe_keys", {"code": "x", "extra": {"aaa": 1}})  # matched: must be text
        assert "extra" in refused.value.fields


@pytest.mark.parametrize("pattern", [r"^(a)\1$", r"^(?=a)a$", r"^(?<!b)a$"])
def test_a_pattern_re2_cannot_run_is_refused_when_saving_naming_the_field(app, pattern):
    with app.app_context():
        problems = forms.schema_problems(_form(pattern))
    assert len(problems) == 1 and "code" in problems[0] and "pattern" in problems[0], problems


def test_the_form_editor_refuses_a_backreference_with_a_message(app, client):
    assert login(client, "designer").status_code == 302
    response = client.post("/designer/forms/regex_editor", data={
        "schema": json.dumps(_form(r"^(a)\1$"), ensure_ascii=False), "comment": "",
        "csrf_token": csrf_token(client, "/designer/forms/regex_editor")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "pattern" in html and "code" in html
