"""The process designer's front end: the esbuild bundle builds and carries our provider, the moddle
extension round-trips our attributes (and foreign ones), the in-browser lint rules flag what the
server refuses, and the page template keeps the hooks the browser tests rely on."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import render_template

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")


def _node(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    if NODE is None:
        pytest.fail("node not found: install nodejs (scripts/install-system.sh does)")
    if not (ROOT / "node_modules" / "bpmn-js-properties-panel").is_dir():
        pytest.fail("node_modules is missing the designer packages: run `make assets` (npm ci) first")
    return subprocess.run([NODE, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_designer_bundle_builds_with_our_provider(tmp_path):
    result = _node("frontend/build.mjs", "--outdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    js = (tmp_path / "designer.js").read_text(encoding="utf-8")
    css = (tmp_path / "designer.css").read_text(encoding="utf-8")
    # our DI services and moddle extension (service names are strings: they survive minification)
    assert "cxPropertiesProvider" in js and "cxCompileChecker" in js
    assert "https://chengxin.example.org/schema/bpmn/1.0" in js
    assert "chengxin/user-task-lane" in js and "bpmnlint-plugin-chengxin/" in js
    assert "chengxinModeler" in js
    # one stylesheet: bpmn-js, properties panel, lint overlays and ours; fonts next to it
    for selector in (".djs-container", ".bio-properties-panel", ".bjsl-overlay", ".cx-compile"):
        assert selector in css, selector
    for url in re.findall(r"url\(([^)]+)\)", css):
        url = url.strip("'\"")
        if not url.startswith("data:"):
            assert (tmp_path / url.split("?")[0].split("#")[0]).is_file(), url


def _page_registries() -> dict:
    """What the designer page lists: role codes, form keys, action names (as the lead's view does)."""
    from app.engine.helpers import ACTIONS
    from app.engine.palette import REFUSED
    from app.org.models import ROLES

    return {
        "roles": [{"code": code, "label": str(label)} for code, label in ROLES.items()],
        "forms": [{"key": p.stem, "title": p.stem} for p in sorted((ROOT / "forms").glob("*.json"))],
        "actions": [{"name": a.name, "label": a.label, "params": list(a.params)} for a in ACTIONS.values()],
        "refused": [row.as_config() for row in REFUSED],
    }


def test_moddle_round_trip_and_lint_rules(app, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_page_registries(), ensure_ascii=False), encoding="utf-8")
    result = _node("frontend/selftest.mjs", "workflows/dishonesty_record.bpmn", str(config))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["importWarnings"] == []
    assert out["roundTrip"] == {"form": True, "due": True, "caseFile": True, "role": True, "action": True, "namespace": True}
    assert out["camunda"] == [], "foreign attributes lost: %s" % out["camunda"]
    # the shipped process passes the server's checks, so the browser lint must not block it either
    assert out["cleanErrors"] == []
    broken = set(out["brokenErrors"])
    assert {
        "chengxin/user-task-form entry_review",
        "chengxin/user-task-form objection_review",
        "chengxin/gateway-default gw_entry",
        "chengxin/reserved-ids End",
        "chengxin/code-required notify",
        "chengxin/service-task-action svc_unknown",
        "chengxin/case-file-steps publication_decision",
        "chengxin/user-task-lane respond_notice",  # its lane's cx:role is not a known role
    } <= broken


def test_modeler_template_keeps_the_page_contract(app):
    config = {
        "processKey": "dishonesty_record", "title": "政务失信记录",
        "xmlUrl": "/x.xml", "draftUrl": "/draft", "validateUrl": "/validate", "compileUrl": "/compile",
        "deployUrl": "/deploy", "versionsUrl": "/versions",
        "roles": [{"code": "reviewer", "label": "审核员"}], "forms": [{"key": "entry_review", "title": "录入审核"}],
        "actions": [{"name": "set_record_status", "label": "设置记录状态", "params": ["status"]}],
        "helpers": [{"name": "working_days_deadline", "label": "期限"}],
        "evil": "</script><script>alert(1)</script>",
    }
    with app.test_request_context("/designer"):
        html = render_template("designer/modeler.html", definition=None, config=config)
    for hook in ('id="btn-save"', 'id="btn-validate"', 'id="btn-deploy"', 'id="btn-download"', 'id="upload-bpmn"',
                 'id="deploy-comment"', 'id="deploy-confirm"', 'id="problems"', 'id="designer-status"',
                 'role="status"', 'id="canvas"', 'id="properties"', "build/designer.js", "build/designer.css"):
        assert hook in html, hook
    embedded = re.search(r'<script type="application/json" id="designer-config">(.*?)</script>', html, re.S)
    assert embedded and json.loads(embedded.group(1)) == config
    assert "</script><script>alert" not in html


def test_the_lint_flags_exactly_what_deploy_refuses_from_the_palette(app, tmp_path):
    """Every palette model of tests/engine/test_palette.py through the browser lint: a refused
    construct is flagged on the element deploy names, with the same words; a supported one is not."""
    from tests.engine.test_palette import REFUSED_CASES, SUPPORTED

    config = tmp_path / "config.json"
    config.write_text(json.dumps(_page_registries(), ensure_ascii=False), encoding="utf-8")
    models = tmp_path / "palette"
    models.mkdir()
    for name, (xml, *_) in {**REFUSED_CASES, **SUPPORTED}.items():
        (models / f"{name}.bpmn").write_bytes(xml)
    result = _node("frontend/selftest.mjs", "workflows/dishonesty_record.bpmn", str(config), str(models))
    assert result.returncode == 0, result.stderr
    flagged = json.loads(result.stdout.strip().splitlines()[-1])["palette"]
    for name, (_, element, key) in REFUSED_CASES.items():
        row = next(r for r in _page_registries()["refused"] if r["key"] == key)
        assert flagged[f"{name}.bpmn"] == [[element, "error", f"不支持{row['construct']}：{row['reason']}"]], name
    assert {name: flagged[f"{name}.bpmn"] for name in SUPPORTED if flagged[f"{name}.bpmn"]} == {}
