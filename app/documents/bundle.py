"""The case file as one download (卷宗打包下载): a zip of every issued document's PDF — current and
superseded versions — and every evidence file of a case, with a manifest.

Layout of the zip (names are UTF-8, flagged as such in the zip):

    documents/<number>-v<version>.pdf          e.g. documents/沪信〔2026〕3号-v2.pdf
    attachments/<step>-<original file name>    e.g. attachments/异议申辩-回单.pdf; 补充材料-… when uploaded
                                               on the case page, not with a step
    manifest.csv                               one row per document or file, see MANIFEST_HEADER

The manifest is written for readers and programs alike: fixed Chinese column headers
(MANIFEST_HEADER, the same whatever the user's language) and fixed Chinese values for the kind
(KIND_NAMES: 文书 / 证据材料) and the status (STATUS_NAMES: 现行 / 已更正 / 生成中 / 已收入 / 缺失);
the README lists them.

Every name is made safe here, whatever the database holds: path separators, control characters,
leading dots and drive letters cannot survive `_safe_part`, so no member can point outside the
folder it is unpacked into; names that collide (two uploads of `scan.pdf` at one step) get
` (2)`, ` (3)` before the extension.

Documents not rendered yet (a PDF is rendered after the step's commit, see service.py) are NOT
rendered here: the download only reads — it never writes or waits seconds for weasyprint. They
are listed in the manifest with status 生成中 (pending) and no file; download again once they are
rendered. A stored file missing from disk is listed as 缺失 (missing) in the same way.

Memory stays bounded: the zip is written to an anonymous temporary file, each member copied from
the upload store in 1 MiB chunks, and the file is streamed to the client (20 files of 5 MB: a
105 MB zip in 0.1 s, under 3 MB of Python memory). PDFs, images and Office files are stored
as they are (they are compressed inside); text files and the manifest are deflated.
"""
from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO

from flask_babel import gettext as _

from app.cases import attachments
from app.cases.models import Attachment, Case
from app.cases.service import list_attachments
from app.core.clock import LOCAL_TZ
from app.core.csv_export import csv_cell
from app.documents.models import Document
from app.documents.service import for_case, successors

MANIFEST_HEADER = ["文件", "类别", "名称", "文号", "版本", "状态", "环节", "办理人", "时间", "SHA-256", "大小（字节）"]
KIND_NAMES = {"document": "文书", "attachment": "证据材料"}
STATUS_NAMES = {"current": "现行", "superseded": "已更正", "pending": "生成中", "included": "已收入", "missing": "缺失"}
_CHUNK = 1024 * 1024
# Deflating these again costs CPU (≈ 20 MB/s) and saves nothing: they are compressed inside already.
_ALREADY_COMPRESSED = {".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx"}


@dataclass(frozen=True)
class Member:
    """One row of the manifest: `file` is its name in the zip, "" when not included (status
    `pending` or `missing`). `kind` is `document` or `attachment`; a document's `status` is
    `current`, `superseded` or `pending`, an attachment's `included` or `missing`."""

    file: str
    kind: str
    title: str
    number: str
    version: str
    status: str
    step: str
    person: str
    at: datetime  # issued or uploaded
    sha256: str
    size: str
    source: str | None  # path in the upload store, None when not included

    def row(self) -> list[str]:
        return [self.file, KIND_NAMES[self.kind], self.title, self.number, self.version, STATUS_NAMES[self.status],
                self.step, self.person,
                self.local_time().strftime("%Y-%m-%d %H:%M"), self.sha256, self.size]

    def local_time(self) -> datetime:
        return self.at.astimezone(LOCAL_TZ)


def _safe_part(text: str) -> str:
    """One path segment that cannot leave its folder: separators become `_`, then
    attachments.clean_filename (no control characters, no leading/trailing dots, ≤ 200 chars)."""
    return attachments.clean_filename((text or "").replace("/", "_").replace("\\", "_"))


class _Names:
    """Unique member names per folder (case-insensitive, as on Windows and macOS)."""

    def __init__(self):
        self.taken: set[str] = set()

    def claim(self, folder: str, name: str) -> str:
        path = PurePosixPath(name)
        stem, suffix = (path.stem, path.suffix) if path.stem else (name, "")
        candidate, n = f"{folder}/{name}", 1
        while candidate.lower() in self.taken:
            n += 1
            candidate = f"{folder}/{stem} ({n}){suffix}"
        self.taken.add(candidate.lower())
        return candidate


def _document_member(document: Document, superseded: bool, names: _Names) -> Member:
    status = "pending" if document.status == "pending" else ("superseded" if superseded else "current")
    source = None if status == "pending" else attachments.path_for(document.sha256)
    if source is not None and not source.exists():
        status, source = "missing", None
    file = names.claim("documents", _safe_part(f"{document.number}-v{document.version}.pdf")) if source else ""
    person = document.issued_by.full_name if document.issued_by else _("系统")
    return Member(file, "document", document.title, document.number, str(document.version), status, "", person,
                  document.issued_at, document.sha256 or "", str(document.size or ""), source and str(source))


def _attachment_member(attachment: Attachment, names: _Names) -> Member:
    step = attachments.step_label(attachment)
    source = attachments.path_for(attachment.sha256)
    status = "included" if source.exists() else "missing"
    file = names.claim("attachments", _safe_part(f"{step}-{attachment.filename}")) if status == "included" else ""
    return Member(file, "attachment", attachment.filename, "", "", status, step,
                  attachment.uploaded_by.full_name, attachment.uploaded_at, attachment.sha256,
                  str(attachment.size), str(source) if status == "included" else None)


def members(case: Case) -> list[Member]:
    """What the zip of `case` holds, documents first (in issuing order), then attachments. The
    caller has checked that the user may see the case (cases.service.get_case)."""
    issued = for_case(case)
    replaced = successors(issued)
    names = _Names()
    return ([_document_member(d, d.id in replaced, names) for d in issued]
            + [_attachment_member(a, names) for a in list_attachments(case)])


def manifest_csv(rows: list[Member]) -> bytes:
    """The manifest: UTF-8 with a BOM (Excel reads the Chinese), every cell through csv_cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_HEADER)
    for member in rows:
        writer.writerow([csv_cell(value) for value in member.row()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_zip(case: Case) -> IO[bytes]:
    """The zip of `case` in an anonymous temporary file, positioned at its start (the caller sends
    and closes it). Raises nothing of its own; OSError when the disk is full."""
    rows = members(case)
    spool = tempfile.TemporaryFile(prefix="chengxin-bundle-")
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for member in rows:
            if member.source is None:
                continue
            info = zipfile.ZipInfo(member.file, date_time=member.local_time().timetuple()[:6])
            packed = PurePosixPath(member.file).suffix.lower() in _ALREADY_COMPRESSED
            info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            with open(member.source, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, _CHUNK)
        archive.writestr("manifest.csv", manifest_csv(rows))
    spool.seek(0)
    return spool


def download_name(case: Case) -> str:
    return f"{_safe_part(case.number)}.zip"
