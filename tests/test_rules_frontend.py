"""The rules editor's front end: the esbuild bundle builds with dmn-js's decision table and our
toolbar, leaves no inline style for the Content-Security-Policy to refuse, speaks Chinese for every
string dmn-js translates and English for every string of ours, and the page template keeps the
hooks the browser test relies on."""
from __future__ import annotations

import json
import re
from pathlib import Path

from flask import render_template

from tests.test_frontend_build import ROOT, _node

RULES_JS = sorted((ROOT / "frontend" / "rules").glob("*.js"))
TRANSLATIONS = (ROOT / "frontend" / "rules" / "translations.js").read_text(encoding="utf-8")
DMN_LIBS = [ROOT / "node_modules" / "dmn-js-decision-table" / "lib", ROOT / "node_modules" / "dmn-js-shared" / "lib"]


def _table(name: str) -> dict[str, str]:
    """The entries of `export const <name> = {…}` in frontend/rules/translations.js."""
    body = re.search(r"export const %s = \{(.*?)\n\};" % name, TRANSLATIONS, re.S).group(1)
    pairs = re.findall(r"^\s*'((?:[^'\\]|\\.)*)'\s*:\s*\n?\s*'((?:[^'\\]|\\.)*)'", body, re.M)
    return {key.replace("\\'", "'").replace('\\"', '"'): value for key, value in pairs}


def test_rules_bundle_builds_with_the_decision_table(tmp_path):
    result = _node("frontend/build.mjs", "--outdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    js = (tmp_path / "rules.js").read_text(encoding="utf-8")
    css = (tmp_path / "rules.css").read_text(encoding="utf-8")
    assert "chengxinRules" in js and "rules-config" in js and "decisionTable" in js
    assert "bjs-powered-by" in js  # the bpmn.io logo stays (its licence), styled by rules.css
    # CSP: no HTML with style="" left in the bundle's markup (the logo, its lightbox, the drag image)
    assert 'style="position: absolute' not in js and "style=\"' + LIGHTBOX" not in js
    assert "visibility: hidden;" not in js
    # CodeMirror's styles go to a constructed stylesheet, never a <style> element the CSP refuses
    assert "adoptedStyleSheets" in js and re.search(r"!\w+\.head&&\w+\.adoptedStyleSheets", js) is None
    for selector in (".tjs-container", ".dmn-decision-table-container", ".bjs-powered-by", ".cx-drag-image",
                     ".cx-marked-row"):
        assert selector in css, selector
    for url in re.findall(r"url\(([^)]+)\)", css):
        url = url.strip("'\"")
        if not url.startswith("data:"):
            assert (tmp_path / url.split("?")[0].split("#")[0]).is_file(), url


def test_every_dmn_js_string_has_its_chinese():
    """What dmn-js's decision table passes to translate() — menus, hit policies, cell editors."""
    wanted = set()
    for folder in DMN_LIBS:
        for path in folder.rglob("*.js"):
            for text in re.findall(r"translate\(\s*'((?:[^'\\]|\\.)*)'", path.read_text(encoding="utf-8")):
                wanted.add(text.replace('\\"', '"'))
    assert len(wanted) > 100
    zh = _table("ZH")
    assert sorted(wanted - set(zh)) == []
    assert all(re.search(r"[\u4e00-\u9fff]", value) for value in zh.values() if value.strip('"{}., e.g')), \
        [k for k, v in zh.items() if not re.search(r"[\u4e00-\u9fff]", v)]


def test_every_string_of_ours_has_its_english():
    """Our sources write Chinese and pass every such string through t() (directly, or a template
    picked from a list): each has its English line."""
    en = _table("EN")
    used = set()
    for path in RULES_JS:
        if path.name != "translations.js":
            used |= set(re.findall(r"'([^'\n]*[\u4e00-\u9fff：；、][^'\n]*)'", path.read_text(encoding="utf-8")))
    assert len(used) > 30 and sorted(used - set(en)) == []
    assert sorted(set(en) - used) == []  # no stale lines

    def placeholders(text: str) -> list[str]:
        return sorted(re.findall(r"\{(\w+)\}", text))

    assert [zh for zh, text in en.items() if placeholders(zh) != placeholders(text)] == []


def test_editor_template_keeps_the_page_contract(app):
    config = {"key": "publication_window", "title": "公开期限", "xmlUrl": "/x.dmn", "draftUrl": "/draft",
              "validateUrl": "/validate", "summaryUrl": "/summary", "testsUrl": "/tests", "locale": "zh_CN",
              "evil": "</script><script>alert(1)</script>"}
    with app.test_request_context("/rules"):
        html = render_template("rules/editor.html", config=config, decision={"key": "publication_window", "name": "公开期限"},
                               version=None, can_save=True)
    for hook in ('id="btn-rule-save"', 'id="btn-rule-validate"', 'id="btn-rule-summary"', 'id="btn-rule-tests"',
                 'id="btn-rule-download"', 'id="rules-table"', 'id="rules-status"', 'id="rule-problems"',
                 'id="rule-summary"', 'id="rule-tests"', 'role="status"', "build/rules.js", "build/rules.css"):
        assert hook in html, hook
    embedded = re.search(r'<script type="application/json" id="rules-config">(.*?)</script>', html, re.S)
    assert embedded and json.loads(embedded.group(1)) == config
    assert "</script><script>alert" not in html


def test_make_assets_builds_the_rules_editor():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "app/static/build/rules.js" in makefile and "frontend/rules/*" in makefile
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["dmn-js"].startswith("17.")
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/dmn-js"]["version"] == package["dependencies"]["dmn-js"]
    assert Path(ROOT / "frontend" / "rules" / "index.js").is_file()
