"""Every UI string has an English translation with the same placeholders."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests.web_support import csrf_token, login

PO = Path(__file__).resolve().parent.parent / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_english_catalog_is_complete_and_placeholders_match():
    catalog = read_po(PO.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    mismatched = [m.id for m in catalog if m.id and set(re.findall(r"%\(\w+\)s", m.id)) != set(re.findall(r"%\(\w+\)s", m.string))]
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
