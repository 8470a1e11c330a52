"""API: the working-day calendar import of the admin page (app/admin/service.py), for admins."""
from __future__ import annotations

from flask import g, jsonify, request

from app.admin import service
from app.api import bp, schemas
from app.api.openapi import UPLOAD, WRITE, documented
from app.core.errors import BadRequest, Forbidden, NotFound


@bp.post("/calendar/import")
@documented("导入工作日历 / Import the working-day calendar", (200, schemas.YearsSchema), body=UPLOAD,
            errors=(403, 413, 422) + WRITE)
def import_calendar():
    """导入国务院办公厅公布的节假日安排（multipart `file`，每行 `YYYY-MM-DD,holiday|workday,名称`，名称 ≤ 40 字，
    文件 ≤ 1 MB）：文件中的每一年整体替换，有任何错误则不做修改。仅管理员（403）；缺少文件 400；其他错误 422
    逐行指明 `file`。

    Import a State Council schedule file (multipart `file`, .csv or .txt, lines
    `YYYY-MM-DD,holiday|workday,名称`, at most 1 MB): every year in it is replaced whole, and a
    file with any error changes nothing. 200 `{years: [2027, …]}`. Admins only (403); 400 naming
    `file` when no file is sent; 422 `validation_failed` naming `file` (line by line) otherwise."""
    if not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以导入工作日历")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("缺少文件", {"file": ["请以 multipart/form-data 的 file 字段上传文件"]})
    content = upload.stream.read(service.CALENDAR_MAX_BYTES + 1)
    return jsonify(years=service.import_calendar(upload.filename or "", content, g.user))


@bp.get("/calendar/<int:year>")
@documented("查看某年工作日历 / Read a year of the working-day calendar", (200, schemas.CalendarYearSchema),
            errors=(403,))
def calendar_year(year: int):
    """某年的工作日历（与管理页面相同，仅管理员，403）：是否已导入、来源和导入时间、已导入的年份，以及节假日
    和调休上班日（其余日子周一至周五上班、周末休息）。年份须在 2000–2100 之间，否则 404。

    A year of the working-day calendar, as the admin page shows it (admins only, 403 for others):
    whether it is loaded, its source and when it was loaded (UTC), every loaded year, and the
    year's holidays and worked weekends in date order (every other day: Monday–Friday work,
    weekends rest). 404 for a year outside 2000–2100."""
    if not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以查看工作日历")
    first, last = service.CALENDAR_YEARS
    if not first <= year <= last:
        raise NotFound(f"年份应在 {first}–{last} 之间")
    view = service.calendar_year(year)
    return jsonify(year=year, loaded=view.loaded is not None, source=view.loaded.source if view.loaded else None,
                   loaded_at=view.loaded.loaded_at.isoformat() if view.loaded else None, years=view.years,
                   days=[{"day": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in view.exceptions])
