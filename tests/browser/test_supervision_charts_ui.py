"""Issue 20 in a real browser: the supervision page draws its trends with Apache ECharts (vendored
from npm, no CDN) as SVG, from the page's data attributes, under the Content-Security-Policy."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.core.extensions import db
from tests.browser.test_csp_ui import watched  # noqa: F401  (a fixture)
from tests.support import Api
from tests.test_warning_lifecycle import WARNING

VENDOR = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor" / "echarts" / "echarts.common.min.js"


def test_the_supervision_trends_are_drawn_as_charts_with_their_data(watched, client):  # noqa: F811
    if not VENDOR.is_file():
        pytest.fail("app/static/vendor/echarts is missing: run `make assets` (npm ci copies echarts there)")
    with client.application.app_context():
        api = Api(client)
        for n in range(3):
            api.as_("recorder").register(title=f"趋势图记录 {n}")
        assert api.as_("supervisor").post("/cases", {"process": "warning_rectification", "data": WARNING}).status_code == 201
        db.session.remove()

    page = watched("supervisor")
    page.goto("/supervision")
    for chart in ("#trend-cases", "#trend-steps"):
        box = page.locator(chart)
        expect(box).to_have_attribute("data-rendered", "1")
        expect(box.locator("svg")).to_have_count(1)
        assert box.bounding_box()["height"] >= 250  # the stylesheet gives the box its height
    cases = page.locator("#trend-cases svg")
    for name in ("新登记失信记录", "新发起预警", "办结案件"):  # the legend, drawn from the data attribute
        expect(cases.get_by_text(name, exact=True)).to_have_count(1)
    for month in ("2025-10", "2026-09"):  # every month is labelled on the axis
        expect(cases.get_by_text(month, exact=True)).to_have_count(1)
    spec = json.loads(page.locator("#trend-cases").get_attribute("data-chart"))
    assert spec["series"][0]["data"][-1] == 3 and spec["series"][1]["data"][-1] == 1
    # The bars are drawn: this month's three records give a bar taller than the others' (none).
    bars = page.evaluate("""() => [...document.querySelectorAll('#trend-cases svg path')]
        .map(p => p.getBBox()).filter(b => b.width > 0 && b.width <= 20 && b.height > 0).length""")
    assert bars >= 2
    assert watched.violations == []
