"""API: the public portal's records (no token; rate-limited like the portal's pages)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import PUBLIC_ENDPOINTS, bp, page_args, schemas
from app.api.openapi import documented
from app.core.errors import Forbidden
from app.core.rate_limits import public_rate_limit
from app.publication import service


def _text(name: str) -> str | None:
    return (request.args.get(name) or "").strip() or None


@bp.get("/public/records")
@public_rate_limit
@documented("公开的失信记录 / Published records", (200, schemas.PublicRecordPage), query=schemas.PublicRecordQuery,
            errors=(429,))
def public_records():
    """正处于公开期内的政务失信记录（无需令牌），新的在前；个人信息已脱敏，只含公开范围内的字段。筛选：
    `subject`、`area`（重点领域）、`tier`（minor/general/serious）、`q`（关键词）、`page`、`per_page`。
    与公开查询页面共用访问频率限制，超出时 429，`Retry-After` 给出等待秒数。

    Records published today (no token), newest first; personal data masked, only the fields within
    the publication's scope. Filters: `subject`, `area` (key area), `tier`, `q` (text), `page`,
    `per_page`. Rate-limited together with the portal pages: 429 with `Retry-After` (seconds)."""
    page, per_page = page_args()
    items, total = service.search_public(subject=_text("subject"), area=_text("area"), tier=_text("tier"),
                                         q=_text("q"), page=page, per_page=per_page)
    return jsonify(items=items, total=int(total), total_capped=total.capped, page=page, per_page=per_page)


@bp.get("/public/records/<int:publication_id>")
@public_rate_limit
@documented("公开的失信记录详情 / One published record", (200, schemas.PublicRecordSchema), errors=(429,))
def public_record(publication_id: int):
    """一条正在公开的记录（无需令牌）；已停止公开、尚未公开或不存在时 404。

    One record published today (no token); 404 once it has ended, before it starts, or when unknown."""
    return jsonify(service.get_public(publication_id))


@bp.get("/publications")
@documented("公开登记 / The publication register", (200, schemas.PublicationRegisterPage),
            query=schemas.PublicationRegisterQuery, errors=(403, 422))
def publication_register():
    """公开登记：每次公开的范围、起止日期和结束原因，新的在前；审核员、督导员和管理员可查看，其他角色 403。
    筛选：`status`（current/ended）、`reason`、`area`、`q`（案号或主体）。

    Every publication with its scope, start, planned and actual end and why it ended, newest first;
    reviewers, supervisors and admins (403 otherwise). Filters: `status` (current / ended), `reason`
    (expiry / repair / revocation / deletion), `area`, `q` (case number or subject)."""
    if not any(g.user.has_role(role) for role in service.REGISTER_ROLES):
        raise Forbidden("只有审核员、督导员和管理员可以查看公开登记")
    page, per_page = page_args()
    rows, total = service.register(status=_text("status"), reason=_text("reason"), area=_text("area"), q=_text("q"),
                                   page=page, per_page=per_page)
    return jsonify(items=schemas.publication_rows_out.dump(rows), total=int(total), total_capped=total.capped,
                   page=page, per_page=per_page)


PUBLIC_ENDPOINTS.update({"api.public_records", "api.public_record"})
