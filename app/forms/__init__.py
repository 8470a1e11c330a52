"""Task forms: JSON Schemas in `forms/*.json` (Chinese labels), validated server-side on every
completion. Error messages name the field, in Chinese."""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from app.errors import NotFound, ValidationFailed
from app.i18n import N_

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _forms_dir() -> Path:
    return Path(current_app.config["FORMS_DIR"])


def form_keys() -> frozenset[str]:
    return frozenset(p.stem for p in _forms_dir().glob("*.json") if _KEY.match(p.stem))


def load_form(key: str) -> dict:
    if not key or not _KEY.match(key):
        raise NotFound(_("表单 %(key)s 不存在", key=repr(key)))
    path = _forms_dir() / f"{key}.json"
    if not path.is_file():
        raise NotFound(_("表单 %(key)s 不存在", key=repr(key)))
    return _load(str(path), os.path.getmtime(path))


@lru_cache(maxsize=128)
def _load(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return schema


def _title(schema: dict, field: str) -> str:
    return _(schema.get("properties", {}).get(field, {}).get("title", field))


def _message(error, schema: dict) -> tuple[str, str]:
    """(field, Chinese message) for one jsonschema error."""
    field = str(error.absolute_path[0]) if error.absolute_path else ""
    title = _title(schema, field) if field else ""
    v, val = error.validator, error.validator_value
    if v == "required":
        # jsonschema reports each missing property as its own error, named in the message.
        match = re.match(r"'(.+?)' is a required property", error.message)
        field = match.group(1) if match else ""
        return field, _("“%(field)s”为必填项", field=_title(schema, field))
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return (extra[0] if extra else ""), _("不允许的字段：%(names)s", names=", ".join(extra))
    messages = {
        "type": lambda: _("“%(field)s”的类型不正确（应为%(type)s）", field=title,
                          type=_(_TYPES.get(val if isinstance(val, str) else val[0], str(val)))),
        "enum": lambda: _("“%(field)s”的取值必须是以下之一：%(values)s", field=title, values="、".join(map(str, val))),
        "const": lambda: (_("请勾选“%(field)s”", field=title) if val is True
                          else _("“%(field)s”必须为 %(value)s", field=title, value=repr(val))),
        "minLength": lambda: (_("“%(field)s”为必填项", field=title) if val == 1
                              else _("“%(field)s”至少需要 %(n)s 个字", field=title, n=val)),
        "maxLength": lambda: _("“%(field)s”不能超过 %(n)s 个字", field=title, n=val),
        "minimum": lambda: _("“%(field)s”不能小于 %(n)s", field=title, n=val),
        "maximum": lambda: _("“%(field)s”不能大于 %(n)s", field=title, n=val),
        "minItems": lambda: _("“%(field)s”至少需要 %(n)s 项", field=title, n=val),
        "maxItems": lambda: _("“%(field)s”最多 %(n)s 项", field=title, n=val),
        "format": lambda: _("“%(field)s”格式不正确（应为%(format)s）", field=title, format=_(_FORMATS.get(val, val))),
        "pattern": lambda: _("“%(field)s”格式不正确", field=title),
    }
    if v in messages:
        return field, messages[v]()
    if v in ("if", "then", "allOf", "anyOf", "oneOf") and error.context:
        return _message(error.context[0], schema)
    return field, _("“%(field)s”不符合要求：%(detail)s", field=title or _("表单"), detail=error.message)


_TYPES = {"string": N_("文本"), "integer": N_("整数"), "number": N_("数字"), "boolean": N_("是/否"),
          "array": N_("列表"), "object": N_("对象")}
_FORMATS = {"date": N_("YYYY-MM-DD 日期"), "date-time": N_("日期时间"), "email": N_("电子邮箱")}


def validate(key: str, data) -> dict:
    """Validate submitted data against a form. Returns the data; raises ValidationFailed (422)
    with `fields: {field: [messages]}`."""
    schema = load_form(key)
    if not isinstance(data, dict):
        raise ValidationFailed(_("表单数据必须是 JSON 对象"), {"data": [_("表单数据必须是 JSON 对象")]})
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    fields: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator)):
        field, message = _message(error, schema)
        fields.setdefault(field or "_form", [])
        if message not in fields[field or "_form"]:
            fields[field or "_form"].append(message)
    if fields:
        raise ValidationFailed(_("表单填写有误，请按提示修改"), fields)
    return data


def file_fields(key: str) -> list[str]:
    """Fields holding attachment ids (rendered as file uploads)."""
    props = load_form(key).get("properties", {})
    return [name for name, p in props.items() if p.get("x-widget") == "file"]


def from_html(key: str, formdata, files) -> tuple[dict, dict[str, list[tuple[str, bytes]]]]:
    """Turn a submitted HTML form into typed data for the schema, plus uploaded files per file field.
    Values that cannot be converted are kept as text so validation names the field."""
    props = load_form(key).get("properties", {})
    data: dict = {}
    uploads: dict[str, list[tuple[str, bytes]]] = {}
    for name, prop in props.items():
        kind = prop.get("type")
        if prop.get("x-widget") == "file":
            chosen = [f for f in files.getlist(name) if f and f.filename]
            if chosen:
                uploads[name] = [(f.filename, f.read()) for f in chosen]
            kept = [v for v in formdata.getlist(name) if v.isdigit()]
            if kept:
                data[name] = [int(v) for v in kept]
            continue
        if kind == "boolean":
            data[name] = formdata.get(name) in ("on", "true", "1", "yes")
            continue
        raw = formdata.get(name, "").strip()
        if raw == "":
            continue
        if kind == "integer":
            data[name] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif kind == "number":
            try:
                data[name] = float(raw)
            except ValueError:
                data[name] = raw
        else:
            data[name] = raw
    return data, uploads
