"""Evidence files: size- and type-checked (extension AND content), stored by SHA-256."""
from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.core.i18n import N_, tr

_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


FILENAME_MAX_CHARS = 200  # Attachment.filename is String(200)


def clean_filename(name: str) -> str:
    """A file name safe to store and offer for download: the last path part, NFC, without
    unprintable or reserved characters and surrounding blanks or dots, at most
    FILENAME_MAX_CHARS characters — a longer name is shortened before its extension, which is
    kept (the extension decides the file's type)."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    if len(name) > FILENAME_MAX_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16:
            name = stem[:FILENAME_MAX_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:FILENAME_MAX_CHARS]
    return name or "file"


# The step of a file uploaded on the case page, outside any task — one wording for the case
# page, the print view, the zip and the API (issue 14).
SUPPLEMENT_STEP = N_("补充材料")


def step_label(attachment) -> str:
    """The step a file came with, as readers see it: the task's name, or 补充材料 (SUPPLEMENT_STEP)
    for a file uploaded outside a task; in the user's language."""
    return tr(attachment.step) if attachment.step else _(SUPPLEMENT_STEP)


def check_file(filename: str, content: bytes) -> str:
    """Returns the content type, or raises ValidationFailed naming the problem."""
    cfg = current_app.config
    if not content:
        raise ValidationFailed(_("文件为空"), {"file": [_("文件为空")]})
    if len(content) > cfg["ATTACHMENT_MAX_BYTES"]:
        limit = cfg["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
        raise ValidationFailed(_("文件超过 %(n)s MB 上限", n=limit), {"file": [_("文件超过 %(n)s MB 上限", n=limit)]})
    ext = Path(filename).suffix.lower().lstrip(".")
    content_type = cfg["ATTACHMENT_TYPES"].get(ext)
    if content_type is None:
        allowed = "、".join(sorted(cfg["ATTACHMENT_TYPES"]))
        raise ValidationFailed(_("不支持的文件类型 .%(ext)s", ext=ext), {"file": [_("只允许上传：%(types)s", types=allowed)]})
    if content_type == "text/plain":
        ok = b"\x00" not in content
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            ok = False
    else:
        ok = content.startswith(_MAGIC[content_type])
    if not ok:
        raise ValidationFailed(_("文件内容与扩展名不符"), {"file": [_("文件内容不是有效的 .%(ext)s 文件", ext=ext)]})
    return content_type


def store(content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = Path(current_app.config["UPLOAD_DIR"]) / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    return digest


def path_for(sha256: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / sha256[:2] / sha256
