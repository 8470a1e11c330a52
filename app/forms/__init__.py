"""Task forms: JSON Schemas in `forms/*.json` (Chinese labels), validated server-side on every
completion. Error messages name the field, in Chinese."""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from flask import current_app
from jsonschema import Draft202012Validator, FormatChecker

from app.errors import NotFound, ValidationFailed

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _forms_dir() -> Path:
    return Path(current_app.config["FORMS_DIR"])


def form_keys() -> frozenset[str]:
    return frozenset(p.stem for p in _forms_dir().glob("*.json") if _KEY.match(p.stem))


def load_form(key: str) -> dict:
    if not key or not _KEY.match(key):
        raise NotFound(f"表单 {key!r} 不存在")
    path = _forms_dir() / f"{key}.json"
    if not path.is_file():
        raise NotFound(f"表单 {key!r} 不存在")
    return _load(str(path), os.path.getmtime(path))


@lru_cache(maxsize=128)
def _load(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return schema


def _title(schema: dict, field: str) -> str:
    return schema.get("properties", {}).get(field, {}).get("title", field)


def _message(error, schema: dict) -> tuple[str, str]:
    """(field, Chinese message) for one jsonschema error."""
    field = str(error.absolute_path[0]) if error.absolute_path else ""
    title = _title(schema, field) if field else ""
    v, val = error.validator, error.validator_value
    if v == "required":
        missing = [f for f in val if f not in (error.instance or {})]
        field = missing[0] if missing else ""
        return field, f"“{_title(schema, field)}”为必填项"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return (extra[0] if extra else ""), f"不允许的字段：{', '.join(extra)}"
    messages = {
        "type": lambda: f"“{title}”的类型不正确（应为{_TYPES.get(val if isinstance(val, str) else val[0], val)}）",
        "enum": lambda: f"“{title}”的取值必须是以下之一：{'、'.join(map(str, val))}",
        "const": lambda: f"“{title}”必须为 {val!r}",
        "minLength": lambda: (f"“{title}”为必填项" if val == 1 else f"“{title}”至少需要 {val} 个字"),
        "maxLength": lambda: f"“{title}”不能超过 {val} 个字",
        "minimum": lambda: f"“{title}”不能小于 {val}",
        "maximum": lambda: f"“{title}”不能大于 {val}",
        "minItems": lambda: f"“{title}”至少需要 {val} 项",
        "maxItems": lambda: f"“{title}”最多 {val} 项",
        "format": lambda: f"“{title}”格式不正确（应为{_FORMATS.get(val, val)}）",
        "pattern": lambda: f"“{title}”格式不正确",
    }
    if v in messages:
        return field, messages[v]()
    if v in ("if", "then", "allOf", "anyOf", "oneOf") and error.context:
        return _message(error.context[0], schema)
    return field, f"“{title or '表单'}”不符合要求：{error.message}"


_TYPES = {"string": "文本", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "列表", "object": "对象"}
_FORMATS = {"date": "YYYY-MM-DD 日期", "date-time": "日期时间", "email": "电子邮箱"}


def validate(key: str, data) -> dict:
    """Validate submitted data against a form. Returns the data; raises ValidationFailed (422)
    with `fields: {field: [messages]}`."""
    schema = load_form(key)
    if not isinstance(data, dict):
        raise ValidationFailed("表单数据必须是 JSON 对象", {"data": ["表单数据必须是 JSON 对象"]})
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    fields: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator)):
        field, message = _message(error, schema)
        fields.setdefault(field or "_form", [])
        if message not in fields[field or "_form"]:
            fields[field or "_form"].append(message)
    if fields:
        raise ValidationFailed("表单填写有误，请按提示修改", fields)
    return data


def file_fields(key: str) -> list[str]:
    """Fields holding attachment ids (rendered as file uploads)."""
    props = load_form(key).get("properties", {})
    return [name for name, p in props.items() if p.get("x-widget") == "file"]
