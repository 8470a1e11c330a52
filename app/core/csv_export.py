"""CSV downloads: every exported cell goes through `csv_cell`, so text from data (a case title
such as `=HYPERLINK(...)`) is never a live formula in a spreadsheet (CSV/formula injection)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """The cell's text; prefixed with `'` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(header: list[str], rows: Iterable[Iterable], filename: str) -> Response:
    """A CSV attachment, UTF-8 with a BOM (Excel then opens Chinese correctly), every cell through
    csv_cell. Content-Type is exactly `text/csv; charset=utf-8`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [header, *rows]:
        writer.writerow([csv_cell(value) for value in row])
    return Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
