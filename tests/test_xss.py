"""No value from data is ever marked safe (issue 12, finding 1).

The example: a process named `</option></select><img src=x onerror=alert(1)>` broke out of every
user's inbox filter, because `{{ _(name) }}` (Jinja's gettext) returns markup-safe text. The kind,
swept statically: templates translate data with `tr()` (a plain str, escaped), call `_()` on
literals only, never use `|safe`, `Markup` or `autoescape false`, carry no inline script, event
handler or style; our scripts never write HTML from strings. The browser test over every page is
tests/browser/test_xss_ui.py."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from jinja2 import nodes
from markupsafe import Markup

from app.designer import service as designer_service
from app.core.extensions import db
from app.core.i18n import tr
from app.org.models import User
from tests.bpmn_builder import probe_process
from tests.web_support import login

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "app" / "templates"
EXAMPLE = "</option></select><img src=x onerror=alert(1)>"
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
# The one Markup built in Python: the QR code of a document's verification URL (SVG written by
# segno from a URL of our own), embedded in the PDF's HTML.
MARKUP_ALLOWED = {"app/documents/render.py"}


def _templates():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


def _problems(app, path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = app.jinja_env.parse(source)
    where = path.relative_to(ROOT)
    found = []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT:
            if not call.args or not isinstance(call.args[0], nodes.Const):
                found.append(f"{where}:{call.lineno} {call.node.name}() on a non-literal: use tr()")
    for flt in tree.find_all(nodes.Filter):
        if flt.name == "safe":
            found.append(f"{where}:{flt.lineno} |safe")
    for name in tree.find_all(nodes.Name):
        if name.name == "Markup":
            found.append(f"{where}:{name.lineno} Markup")
    for block in tree.find_all(nodes.EvalContextModifier):
        found.append(f"{where}:{block.lineno} autoescape switched")
    if path.parts[-2] != "documents":  # PDF layouts (weasyprint) are not browser pages
        for m in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", source):
            found.append(f"{where}: inline script {m.group(0)}")
        for m in re.finditer(r"\s(on[a-z]+|hx-on[:\w-]*|style)=[\"']", source):
            found.append(f"{where}: inline {m.group(1)}= attribute")
        if "<style" in source:
            found.append(f"{where}: inline <style>")
    return found


def test_the_sweep_finds_each_kind_of_unsafe_template(app):
    bad = TEMPLATES / "_sweep_probe.html"
    bad.write_text("{{ _(task.name) }}{{ x|safe }}{% autoescape false %}{{ y }}{% endautoescape %}"
                   "<script>alert(1)</script><a onclick=\"x()\" style=\"color:red\">", encoding="utf-8")
    try:
        problems = _problems(app, bad)
    finally:
        bad.unlink()
    assert len(problems) == 6, problems


def test_no_template_marks_data_safe(app):
    problems = [p for path in _templates() for p in _problems(app, path)]
    assert problems == []


def test_python_builds_no_markup_from_data():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bMarkup\(|__html__|\|safe", text) and rel not in MARKUP_ALLOWED:
            found.append(rel)
    assert found == []


def test_our_scripts_never_write_html_from_strings():
    sources = [*sorted((ROOT / "app" / "static" / "js").glob("*.js")), *sorted((ROOT / "frontend").rglob("*.js"))]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in sources
             for m in re.finditer(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function",
                                  p.read_text(encoding="utf-8"))]
    assert found == []


def test_tr_translates_data_and_is_never_markup(app):
    with app.test_request_context():
        assert tr("审核员") == "审核员" and type(tr("审核员")) is str
        assert tr(Markup("<b>x</b>")) == "<b>x</b>" and not isinstance(tr(Markup("<b>x</b>")), Markup)
        assert tr(None) == "" and tr("") == ""
        html = render_template_string("{{ tr(name) }}|{{ _(name) }}", name=EXAMPLE)
    escaped, raw = html.split("|")
    assert escaped == "&lt;/option&gt;&lt;/select&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert raw == EXAMPLE  # why `_()` must never see data
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("en"):
            assert tr("审核员") == "Reviewer"  # data with a catalogue entry is still translated


def test_the_form_macro_escapes_field_names_and_ids(app):
    schema = {"title": "表单", "type": "object", "properties": {
        '"><img src=x>': {"type": "string", "title": EXAMPLE, "description": EXAMPLE},
        "choice": {"type": "string", "title": "选择", "enum": ['"><b>'], "x-enum-labels": [EXAMPLE]}}}
    with app.test_request_context():
        html = render_template_string('{% from "macros/form.html" import schema_form with context %}'
                                      "{{ schema_form(schema, {}, {}, {}) }}", schema=schema)
    assert "<img" not in html and "<b>" not in html and "</select><img" not in html
    assert 'name="&#34;&gt;&lt;img src=x&gt;"' in html


def test_example_a_process_name_with_markup_is_text_in_the_inbox_filter(app, client):
    with app.app_context():
        designer = db.session.scalar(db.select(User).filter_by(username="designer"))
        xml = probe_process().replace('name="安全探针"'.encode(), b'name="&lt;/option&gt;&lt;/select&gt;&lt;img src=x onerror=alert(1)&gt;"')
        designer_service.deploy(designer, xml, "探针")
    login(client, "reviewer")
    html = client.get("/tasks").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;/option&gt;&lt;/select&gt;&lt;img src=x onerror=alert(1)&gt;</option>" in html


@pytest.mark.parametrize("url", ["/designer", "/designer/safety_probe"])
def test_example_the_process_name_is_text_on_the_designer_pages(app, client, url):
    with app.app_context():
        designer = db.session.scalar(db.select(User).filter_by(username="designer"))
        xml = probe_process().replace('name="安全探针"'.encode(), b'name="&lt;img src=x onerror=alert(1)&gt;"')
        designer_service.deploy(designer, xml, "探针")
    login(client, "designer")
    html = client.get(url).get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
