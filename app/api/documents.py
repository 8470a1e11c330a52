"""API: the case page's document actions — issue the case report (案件办理情况报告) and correct an
issued document — with a bearer token, through the same services (app/documents/service.py).
Reviewers and supervisors (403 for others); a case outside the user's scope, or a document not
of the case, is a 404."""
from __future__ import annotations

from flask import g, jsonify

from app.api import PUBLIC_ENDPOINTS, bp, json_body, schemas
from app.api.openapi import WRITE, documented
from app.cases.service import get_case
from app.documents import service
from app.core.errors import Forbidden, NotFound


def _require_issuer() -> None:
    if not any(g.user.has_role(role) for role in service.ISSUING_ROLES):
        raise Forbidden("只有审核员或督导员可以出具报告和更正文书")


@bp.post("/cases/<int:case_id>/documents/report")
@documented("出具案件办理情况报告 / Issue the case report", (201, schemas.DocumentSchema),
            errors=(403, 422) + WRITE)
def issue_report(case_id: int):
    """Issue a 案件办理情况报告 of the case now: 201 the document (`status` pending until its PDF
    is rendered, then its `url` downloads it). 422 `cjk_font_missing` when no Chinese font is
    installed (nothing is numbered)."""
    _require_issuer()
    document = service.issue_report(g.user, get_case(g.user, case_id))
    return jsonify(schemas.document_out.dump(document)), 201


@bp.post("/cases/<int:case_id>/documents/<int:document_id>/correct")
@documented("更正文书 / Correct a document", (201, schemas.DocumentSchema), body=schemas.CorrectionSchema,
            errors=(403, 409, 422) + WRITE)
def correct_document(case_id: int, document_id: int):
    """出具文书的更正版本：`{reason}`（必填，≤ 500 字）；文号不变、版本加一、旧版保留。201 返回新版本
    （`status` 在 PDF 生成前为 pending）；已被更正的旧版本 409（指明现行版本）；422 指明 `reason`
    （空白、过长、含控制字符）或 `cjk_font_missing`。

    Issue a corrected version of a document: `{reason}`; same number, version + 1, the old
    version kept. 201 the new version; 409 for a version already superseded (the message names
    the current one); 422 naming `reason` (blank, too long, control characters) or
    `cjk_font_missing`."""
    _require_issuer()
    payload = schemas.correction_request.load(json_body())
    document = service.correct_in_case(g.user, get_case(g.user, case_id), document_id, payload["reason"])
    return jsonify(schemas.document_out.dump(document)), 201


@bp.get("/verify/<code>")
@documented("验证文书真伪 / Verify a document by its code", (200, schemas.VerificationSchema))
def verify_document(code: str):
    """公开（无需令牌），与 /verify 页面相同：按文书上印制的验证码（XXXX-XXXX-XXXX）核对文书编号、版本、类型、
    出具日期、出具机关和 SHA-256；已被更正的旧版本 `status` 为 superseded，`current` 给出现行版本。未找到 404。

    Public (no token), like the /verify page: the document printed with this verification code
    (XXXX-XXXX-XXXX) — number, version, kind, issue time (UTC), issuing authority, the PDF's
    SHA-256. `status` superseded (with `current`, the version in force) for a corrected version.
    404 `not_found` when no document has the code."""
    document = service.verify(code)
    if document is None:
        raise NotFound("未找到该验证码对应的文书")
    current = service.current_version(document)
    superseded = current is not None and current.id != document.id
    return jsonify(status="superseded" if superseded else "current", document=schemas.verified_out.dump(document),
                   current={"number": current.number, "version": current.version,
                            "issued_at": current.issued_at.isoformat()} if superseded else None)


PUBLIC_ENDPOINTS.add("api.verify_document")
