"""The modeler's lint flags what deploy refuses about gateway defaults, in deploy's words (issue 15
attack: an exclusive or inclusive gateway with a conditional way out and no default strands the
case when no condition holds; deploy refuses it, the canvas must say so before)."""
from __future__ import annotations

import json

import pytest

from app.designer.deployment import deploy_bytes
from app.engine import DeployRefused
from tests.engine.test_palette import chain, ends, flow, model, user
from tests.test_frontend_build import _node, _page_registries


def _gateway(tag: str, flows: int, default: bool = False) -> bytes:
    attrs = ' default="x2"' if default else ""
    body = (f'<bpmn:{tag} id="g" name="判断"{attrs} />' + user("a") + user("b")
            + ends("e", "e2") + chain("begin", "g") + flow("x1", "g", "a", "tier == 'serious'")
            + chain("a", "e", prefix="y") + chain("b", "e2", prefix="z"))
    return model(body + (flow("x2", "g", "b", None if default else "tier == 'minor'") if flows == 2
                         else chain("begin", "b", prefix="w")))


MODELS = {"inclusive-two.bpmn": _gateway("inclusiveGateway", 2), "inclusive-one.bpmn": _gateway("inclusiveGateway", 1),
          "exclusive-one.bpmn": _gateway("exclusiveGateway", 1),
          "inclusive-with-default.bpmn": _gateway("inclusiveGateway", 2, default=True)}


def test_the_lint_flags_a_gateway_with_conditional_ways_out_and_no_default_in_deploys_words(app, ctx, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_page_registries(), ensure_ascii=False), encoding="utf-8")
    models = tmp_path / "models"
    models.mkdir()
    for name, xml in MODELS.items():
        (models / name).write_bytes(xml)
    result = _node("frontend/selftest.mjs", "workflows/dishonesty_record.bpmn", str(config), str(models))
    assert result.returncode == 0, result.stderr
    flagged = json.loads(result.stdout.strip().splitlines()[-1])["paletteErrors"]
    for name, xml in MODELS.items():
        if name == "inclusive-with-default.bpmn":
            deploy_bytes(xml, name)
            assert flagged[name] == []
            continue
        with pytest.raises(DeployRefused) as refused:
            deploy_bytes(xml, name)
        (problem,) = refused.value.problems
        assert flagged[name] == [["chengxin/gateway-default", "g", problem.message]], name
