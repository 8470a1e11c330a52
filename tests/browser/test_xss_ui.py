"""Stored XSS from designer-provided text (issue 12, finding 1). A designer deploys the dishonesty
record process with EVERY name (process, pool, tasks, events, gateways, flows) and its forms with
EVERY label (form titles, field titles, descriptions, option labels) turned into markup; cases run
on it. Every page that shows those texts, opened by the users who see them, shows the markup as
text: no element is injected, no script runs, no dialog opens."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import expect

from app import forms
from app.designer import service as designer_service
from app.core.extensions import db
from app.org.models import User
from app.core.transaction import unit_of_work
from tests.support import RECORD, Api

PAYLOAD = "</option></select><img src=x onerror=window.__xss=1><script>window.__xss=1</script>"
MARK = "onerror=window.__xss=1"  # how the payload reads when it is shown as text
ROOT = Path(__file__).resolve().parents[2]
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
KEY = "xss_record"

INJECTED = """() => ({
    images: document.querySelectorAll('img[src="x"]').length,
    scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('__xss')
        && s.type !== 'application/json').length,  // the modeler's config is JSON data, not a script
    ran: window.__xss !== undefined,
})"""


def _marked(schema):
    """The schema with markup in front of every text a user reads."""
    if isinstance(schema, dict):
        out = {k: _marked(v) for k, v in schema.items()}
        for key in ("title", "description"):
            if isinstance(schema.get(key), str):
                out[key] = PAYLOAD + schema[key]
        if "x-enum-labels" in schema:
            out["x-enum-labels"] = [PAYLOAD + label for label in schema["x-enum-labels"]]
        return out
    return schema


def hostile_process() -> tuple[bytes, list[str]]:
    """workflows/dishonesty_record.bpmn as process `xss_record`: every name but the lanes' (they
    name roles) carries the payload, and every form is the payload-labelled copy `xss_<form>`."""
    root = etree.parse(str(ROOT / "workflows" / "dishonesty_record.bpmn")).getroot()
    cx = root.nsmap["cx"]
    form_keys = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("name") is not None and element.tag != BPMN + "lane":
            element.set("name", PAYLOAD + element.get("name"))
        if element.get(f"{{{cx}}}form"):
            form_keys.add(element.get(f"{{{cx}}}form"))
            element.set(f"{{{cx}}}form", "xss_" + element.get(f"{{{cx}}}form"))
        for attr in ("id", "processRef"):
            if element.get(attr) == "dishonesty_record":
                element.set(attr, KEY)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), sorted(form_keys)


@pytest.fixture()
def hostile(app, tick):
    """The hostile process deployed (two versions), a case waiting for the reviewer, one waiting
    for the handler (entry review done), and later one overdue task."""
    with app.app_context():
        designer = db.session.scalar(db.select(User).filter_by(username="designer"))
        xml, form_keys = hostile_process()
        with unit_of_work():
            for key in form_keys:
                forms.save_form("xss_" + key, _marked(forms.load_form(key)), author_id=designer.id, comment=PAYLOAD)
        designer_service.deploy(designer, xml, PAYLOAD)
        api = Api(app.test_client())
        recorder, reviewer = api.as_("recorder"), api.as_("reviewer")

        def register():
            r = recorder.post("/cases", {"process": KEY, "data": {**RECORD, "title": PAYLOAD + RECORD["title"]}})
            assert r.status_code == 201, r.get_json()
            return r.get_json()

        waiting = register()
        notified = register()
        reviewer.complete(notified["id"], "entry_review", {"entry_decision": "approve", "review_opinion": PAYLOAD})
        respond = api.as_("handler.fgw").task_for(notified["id"], "respond_notice")
        review = reviewer.task_for(waiting["id"], "entry_review")
        renamed = xml.replace('政务失信记录"'.encode(), '政务失信记录（第二版）"'.encode(), 1)
        assert renamed != xml
        designer_service.deploy(designer, renamed, PAYLOAD)  # a second version: the migration page
    tick(timedelta(days=30))  # every deadline passes: the supervision page lists the overdue tasks
    return {"waiting": waiting, "notified": notified, "review": review, "respond": respond}


@pytest.fixture()
def inspect(login_as):
    """Opens pages as a user and checks each for injected markup; records every dialog."""
    dialogs: list[str] = []

    def _as(username: str):
        page = login_as(username)
        page.on("dialog", lambda d: dialogs.append(d.message) or d.dismiss())

        def visit(url: str, ready: str | None = None, shows_payload: bool = True):
            page.goto(url)
            if ready:
                expect(page.locator(ready).first).to_be_attached(timeout=20_000)
            assert page.evaluate(INJECTED) == {"images": 0, "scripts": 0, "ran": False}, url
            if shows_payload:  # the data is on the page, as text
                assert MARK in page.locator("body").inner_text() or MARK in page.content().replace("&lt;", "<"), url
            assert dialogs == [], url
            return page

        page.visit = visit
        return page

    return _as


def test_markup_in_every_designer_label_is_shown_as_text_on_every_page(hostile, inspect):
    review, respond = hostile["review"], hostile["respond"]
    waiting, notified = hostile["waiting"], hostile["notified"]

    reviewer = inspect("reviewer")
    for tab in ("mine", "available", "completed"):
        reviewer.visit(f"/tasks?tab={tab}")
    reviewer.visit(f"/tasks?tab=available&process={KEY}")  # the inbox filter lists the process name
    reviewer.visit(f"/tasks/{review['id']}", ready="#task-title")  # task name, form title, fields, options
    reviewer.visit(f"/cases/{waiting['id']}", ready="#diagram[data-ready='1']")  # open tasks, bpmn-js viewer
    reviewer.visit(f"/cases/{notified['id']}", ready="#diagram[data-ready='1']")
    reviewer.visit("/cases")
    reviewer.visit("/notifications", shows_payload=False)

    handler = inspect("handler.fgw")
    handler.visit("/tasks")
    handler.visit(f"/tasks/{respond['id']}", ready="#task-title")
    handler.visit(f"/cases/{notified['id']}", ready="#diagram[data-ready='1']")
    handler.visit("/notifications", shows_payload=False)

    recorder = inspect("recorder")
    recorder.visit(f"/cases/new?process={KEY}")  # start page: process choice and the start form
    recorder.visit("/notifications", shows_payload=False)

    supervisor = inspect("supervisor")
    supervisor.visit("/supervision")  # overdue tasks and step times name the steps
    supervisor.visit(f"/tasks?tab=supervised&process={KEY}")

    designer = inspect("designer")
    designer.visit("/designer")
    versions = designer.visit(f"/designer/{KEY}")
    versions.get_by_role("button", name="试运行").click()  # the migration dry run
    versions.wait_for_url(f"**/designer/{KEY}/migrate")
    assert versions.evaluate(INJECTED) == {"images": 0, "scripts": 0, "ran": False}
    modeler = designer.visit(f"/designer/{KEY}/modeler", shows_payload=False)
    expect(modeler.locator("#designer-status")).not_to_contain_text("正在加载", timeout=20_000)
    modeler.evaluate("() => { const m = window.chengxinModeler; m.get('selection').select(m.get('elementRegistry').get('entry_review')); }")
    expect(modeler.locator("#properties")).to_contain_text("表单")
    modeler.locator("#btn-validate").click()
    assert modeler.evaluate(INJECTED) == {"images": 0, "scripts": 0, "ran": False}
    designer.visit("/designer/forms")
    designer.visit("/designer/forms/xss_entry_review", ready="#preview [data-field]")  # the live preview
