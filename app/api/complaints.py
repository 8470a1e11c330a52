"""API: complaint import (JSON items or a CSV body) and the complaint list, for supervisors."""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from app.api import bp, json_body, page_args, query_value, schemas
from app.api.openapi import WRITE, documented
from app.complaints import service
from app.complaints.models import CHANNELS
from app.core.errors import BadRequest, DomainError, Forbidden, ValidationFailed
from app.core.inputs import parse_date

ROLES = ("supervisor", "admin")
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
COMPLAINT_BODY = {"application/json": {"schema": schemas.ComplaintItemsSchema},
                  "text/csv": {"schema": {"type": "string", "description": f"表头 / header: {','.join(service.FIELDS)}"}}}


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


def _require_role() -> None:
    if not any(g.user.has_role(r) for r in ROLES):
        raise Forbidden("只有督导员或系统管理员可以导入和查看投诉")


def _body() -> bytes:
    limit = current_app.config["COMPLAINT_IMPORT_MAX_BYTES"]
    too_large = PayloadTooLarge(f"请求体超过 {limit // 1024} KB 上限，请分批导入",
                                {"body": [f"最大 {limit} 字节"]})
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    data = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH when no length was sent
    if len(data) > limit:
        raise too_large
    return data


def _rows_from_request() -> list:
    mimetype = request.mimetype
    if mimetype in CSV_TYPES:
        content = _body()
        charset = request.mimetype_params.get("charset")
        if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            try:
                content = content.decode(charset)
            except (LookupError, UnicodeDecodeError):
                raise BadRequest("无法按声明的字符集读取请求体", {"body": [f"charset={charset} 无法解码"]}) from None
        return service.parse_csv(content)
    if request.is_json:
        _body()  # enforces the size cap; get_json reads the cached body
        body = json_body()
        items = body.get("items")
        if not isinstance(items, list):
            raise ValidationFailed("请求内容未通过校验，请按 fields 逐项修改", {"items": ["items 必须是数组"]})
        rows = []
        for index, item in enumerate(items, 1):
            if isinstance(item, dict):
                rows.append({**{f: item.get(f) for f in service.FIELDS}, "line": index})
            else:
                rows.append(item)
        return rows
    raise UnsupportedMediaType("请求体应为 JSON（application/json）或 CSV（text/csv）",
                               {"body": [f"不支持的 Content-Type：{mimetype or '（无）'}"]})


@bp.post("/complaints")
@documented("导入投诉 / Import complaints (JSON or CSV)", (200, schemas.ImportReportSchema), body=COMPLAINT_BODY,
            errors=(403, 413, 415, 422) + WRITE)
def import_complaints():
    """导入投诉：JSON `{items: [...]}`（每项字段见请求体结构）或 CSV 文件；重复的 external_id 忽略，有误
    的行逐行报告。返回导入报告。

    Import complaints: JSON `{items: [...]}` (the fields of each item are in the body schema) or a CSV
    file; a repeated external_id is ignored, bad lines are reported line by line. The import report."""
    _require_role()
    rows = _rows_from_request()
    report = service.import_complaints(rows, actor=g.user)
    return jsonify(report.to_dict())


def _dump(complaint, numbers: dict[int, str]) -> dict:
    return {"id": complaint.id, "external_id": complaint.external_id,
            "received_on": complaint.received_on.isoformat(), "unit": complaint.department.code,
            "unit_name": complaint.department.name, "channel": complaint.channel,
            "channel_label": CHANNELS.get(complaint.channel, complaint.channel), "category": complaint.category,
            "text": complaint.text, "warning_case_id": complaint.warning_case_id,
            "warning_case_number": numbers.get(complaint.warning_case_id),
            "imported_at": complaint.imported_at.isoformat() if complaint.imported_at else None}


@bp.get("/complaints")
@documented("投诉列表 / List complaints", (200, schemas.ComplaintPage), query=schemas.ComplaintQuery, errors=(400, 403, 422))
def list_complaints():
    """投诉列表（督导员、管理员），新的在前。筛选：`unit`（单位代码）、`category`、`channel`（12345 或
    enterprise）、`date_from`、`date_to`（YYYY-MM-DD）、`page`、`per_page`；参数有误时 422 指明参数，日期范围
    颠倒（date_to 早于 date_from）时 400 指明 date_to，空值视为未给出。

    Complaints (supervisors and admins), newest first. Filters: `unit` (unit code), `category`,
    `channel` (12345 or enterprise), `date_from`, `date_to` (YYYY-MM-DD), `page`, `per_page`; 422 naming
    a bad parameter, 400 naming `date_to` for a reversed range, an empty one counts as absent."""
    _require_role()
    page, per_page = page_args()
    date_from, date_to = query_value(parse_date, "date_from"), query_value(parse_date, "date_to")
    items, total = service.list_complaints(
        department_code=request.args.get("unit", "").strip() or None,
        category=request.args.get("category", "").strip() or None,
        channel=request.args.get("channel", "").strip() or None,
        date_from=date_from, date_to=date_to, page=page, per_page=per_page, user=g.user)
    numbers = service.case_numbers(items)
    return jsonify(items=[_dump(c, numbers) for c in items], total=int(total), total_capped=total.capped, page=page,
                   per_page=per_page)


@bp.get("/complaints/filters")
@documented("投诉筛选项 / Complaint filter choices", (200, schemas.ComplaintFiltersSchema), errors=(403,))
def complaint_filters():
    """投诉页面筛选项（在用户范围内）：单位、类别、渠道。仅督导员和管理员（403）。

    The choices of the complaints page's filters, in the user's scope: `{units: [{code, name}],
    categories: [..], channels: [{code, label}]}` (values `GET /complaints` takes). Supervisors
    and admins (403 for others)."""
    _require_role()
    return jsonify(units=[{"code": d.code, "name": d.name} for d in service.units_with_complaints(g.user)],
                   categories=service.categories(g.user),
                   channels=[{"code": code, "label": label} for code, label in CHANNELS.items()])
