"""Marshmallow's field messages (English, from the library) in the user's language, for the
`fields` of a 422 answer: "Missing data for required field." → "必填项"."""
from __future__ import annotations

import re

from flask_babel import gettext as _

# (pattern of marshmallow's message, its translation given the pattern's groups)
_MESSAGES = [
    (re.compile(r"Missing data for required field\."), lambda: _("必填项")),
    (re.compile(r"Unknown field\."), lambda: _("不允许的字段")),
    (re.compile(r"Field may not be null\."), lambda: _("不能为 null")),
    (re.compile(r"Not a valid integer\."), lambda: _("应为整数")),
    (re.compile(r"Not a valid string\."), lambda: _("应为文本")),
    (re.compile(r"Not a valid boolean\."), lambda: _("应为 true 或 false")),
    (re.compile(r"Not a valid list\."), lambda: _("应为数组")),
    (re.compile(r"Not a valid mapping type\."), lambda: _("应为 JSON 对象")),
    (re.compile(r"Not a valid date\."), lambda: _("应为 YYYY-MM-DD 日期")),
    (re.compile(r"Invalid input type\."), lambda: _("请求体应为 JSON 对象")),
    (re.compile(r"Must be one of: (.*)\."), lambda values: _("应为以下之一：%(values)s", values=values)),
    (re.compile(r"Length must be between (\d+) and (\d+)\."),
     lambda low, high: _("长度应在 %(low)s 到 %(high)s 之间", low=low, high=high)),
    (re.compile(r"Shorter than minimum length (\d+)\."), lambda n: _("长度不能少于 %(n)s", n=n)),
    (re.compile(r"Longer than maximum length (\d+)\."), lambda n: _("长度不能超过 %(n)s", n=n)),
    (re.compile(r"Must be greater than or equal to (-?\d+) and less than or equal to (-?\d+)\."),
     lambda low, high: _("应在 %(low)s 到 %(high)s 之间", low=low, high=high)),
    (re.compile(r"Must be greater than or equal to (-?\d+)\."), lambda n: _("不能小于 %(n)s", n=n)),
    (re.compile(r"Must be less than or equal to (-?\d+)\."), lambda n: _("不能大于 %(n)s", n=n)),
]


def _translated(message: str) -> str:
    for pattern, translate in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return translate(*match.groups())
    return message  # our own validators already speak Chinese


def schema_messages(messages) -> list[str]:
    """A field's messages from `ValidationError.normalized_messages()` — a list, or a dict by item
    index or key for lists and nested objects — as a flat list of translated strings."""
    if isinstance(messages, dict):
        return [f"{key}: {text}" for key, value in messages.items() for text in schema_messages(value)]
    if isinstance(messages, (list, tuple)):
        return [text for item in messages for text in schema_messages(item)]
    return [_translated(str(messages))]
