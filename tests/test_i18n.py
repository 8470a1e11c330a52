"""Every UI string has an English translation with the same placeholders."""
import json
import re
from pathlib import Path

from babel.messages.pofile import read_po

from app.core.i18n import extract_process_strings
from tests.web_support import csrf_token, login

PO = Path(__file__).resolve().parent.parent / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _forms(text) -> tuple[str, ...]:
    """A message's id or translation as its forms: one text, or singular and plural (ngettext)."""
    return text if isinstance(text, tuple) else (text,)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


def test_english_catalog_is_complete_and_placeholders_match():
    catalog = read_po(PO.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not all(_forms(m.string))]
    assert untranslated == []
    mismatched = [m.id for m in catalog if m.id and any(_placeholders(t) != _placeholders(_forms(m.id)[0])
                                                        for t in _forms(m.id) + _forms(m.string))]
    assert mismatched == []


def test_pages_render_in_english(client):
    login(client, "reviewer")
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/tasks")})
    try:
        html = client.get("/tasks").get_data(as_text=True)
        assert '<h1 class="h4 mb-3">Inbox</h1>' in html and "待办" not in html.split("<main")[1]
    finally:  # the user's language is stored on the (kept) user row
        client.post("/lang", data={"lang": "zh_CN", "csrf_token": csrf_token(client, "/tasks")})
    assert '<h1 class="h4 mb-3">待办</h1>' in client.get("/tasks").get_data(as_text=True)


def test_api_messages_follow_the_token_users_language(api):
    """A client whose user chose English gets English messages (the issue-13 attack: setting
    the language through the API changed nothing)."""
    user = api.as_("reviewer")
    assert user.get("/tasks/999999").get_json()["error"]["message"] == "任务不存在"
    assert user.client.put("/api/v1/me/language", json={"lang": "en"}, headers=user._headers()).status_code == 200
    try:
        assert user.get("/tasks/999999").get_json()["error"]["message"] == "Task not found"
    finally:
        user.client.put("/api/v1/me/language", json={"lang": "zh_CN"}, headers=user._headers())


def test_form_confirmation_messages_are_extracted_and_translated():
    """An `x-confirm` message (asked in the browser before a choice with consequences, e.g.
    不予整改 or 确认升级) is a UI string like a field's title: extracted from forms/*.json and
    translated (the issue-18 attack: English users were asked in Chinese)."""
    catalog = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    forms_dir = Path(__file__).resolve().parent.parent / "forms"
    messages = []
    for path in sorted(forms_dir.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        with path.open("rb") as fileobj:
            extracted = {text for _, _, text, _ in extract_process_strings(fileobj, [], [], {})}
        for prop in schema.get("properties", {}).values():
            if isinstance(prop.get("x-confirm"), dict):
                messages.append(prop["x-confirm"]["message"])
                assert prop["x-confirm"]["message"] in extracted, path.name
    assert len(messages) >= 2  # 不予整改 and 确认升级
    assert [m for m in messages if not catalog.get(m)] == []
