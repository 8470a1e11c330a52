"""Hostile input stops at the door: one URL integer converter, one parser for query and form
integers and dates, one JSON loader, and one check for text no column can store. Each refuses with
a 400/404/422 that names the field, instead of an overflow, a recursion error or an encoding error
deep inside a service (a 500)."""
from __future__ import annotations

import json
import re
from datetime import date

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest as HTTPBadRequest
from werkzeug.routing import IntegerConverter

from app.core.errors import BadRequest, ValidationFailed
from app.core.i18n import N_

DB_INT_MAX = 2**31 - 1  # ids and counts are PostgreSQL `integer` columns
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)  # time-zone and working-day arithmetic stay in range
JSON_MAX_DEPTH = 32
JSON_INT_MAX_DIGITS = 40  # far beyond any integer column; Python refuses past 4300 digits in English
_INT = re.compile(r"-?[0-9]{1,19}")  # ASCII only: str.isdigit() also accepts "²", which int() refuses
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL (PostgreSQL text) and lone surrogates (UTF-8)


class IdConverter(IntegerConverter):
    """`<int:…>` in every URL rule: ASCII digits up to the database's integer range; anything else
    matches no rule (404), so a huge id never reaches a query."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_int(raw: str | None, field: str, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """An integer from a query or form value; None when empty. Raises BadRequest (400) naming
    `field` for anything else: not ASCII digits, or outside minimum..maximum."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not _INT.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        message = _("%(field)s 必须是 %(min)s 到 %(max)s 之间的整数", field=field, min=minimum, max=maximum)
        raise BadRequest(message, {field: [message]})
    return int(raw)


def parse_date(raw: str | None, field: str) -> date | None:
    """A YYYY-MM-DD date; None when empty. Raises, naming `field`, BadRequest (400) when it is
    not a date and ValidationFailed (422) when it lies outside DATE_MIN..DATE_MAX."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        message = _("日期格式应为 YYYY-MM-DD")
        raise BadRequest(message, {field: [message]}) from None
    if not DATE_MIN <= value <= DATE_MAX:
        message = _("日期应在 %(start)s 到 %(end)s 之间", start=DATE_MIN.isoformat(), end=DATE_MAX.isoformat())
        raise ValidationFailed(message, {field: [message]})
    return value


def check_date_range(start: date | None, end: date | None, end_field: str, start_title: str, end_title: str) -> None:
    """A search's date range reads forwards: BadRequest (400) naming `end_field` when `end` lies
    before `start` (a reversed range would find nothing and say nothing). The titles are the
    fields' names as the user reads them."""
    if start is not None and end is not None and end < start:
        message = _("“%(end_title)s”（%(end)s）早于“%(start_title)s”（%(start)s）：日期范围颠倒了，请调换或修改",
                    end_title=end_title, end=end.isoformat(), start_title=start_title, start=start.isoformat())
        raise BadRequest(message, {end_field: [message]})


# Text people type (issue 14). Blank at the ends: Unicode white space (\s: incl. U+3000, U+00A0)
# and the invisible zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM).
# Stripped with str.strip (linear): the regex `^X+|X+$` it replaces tried `X+$` at every blank of
# the text, quadratic in one C call (30,000 inner spaces held the worker 13 s).
_EDGE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())  # \s: the last is U+3000
_EDGE_CHARS += "\u200b\u200c\u200d\u2060\ufeff"
# Refused anywhere: C0/C1 control characters (a multi-line text keeps tab and line feed) and the
# bidirectional embeddings, overrides and isolates that make text read otherwise than it is stored.
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Private-use characters and non-characters have no glyph in any font a document is printed with:
# they would be printed as empty boxes in an official document that can never change.
_NO_GLYPH = "\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff\U000f0000-\U0010ffff"
_CONTROL_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_NO_GLYPH}]")
_CONTROL_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_NO_GLYPH}]")


def clean_text(value: str) -> str:
    """Typed text as it is stored and counted: line breaks normalised to "\\n" ("\\r\\n" and "\\r"
    count as one character, as in the browser's maxlength) and blanks stripped at both ends
    (Unicode white space and zero-width characters). Empty means blank."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip(_EDGE_CHARS)


def text_refusal(value: str, title: str, *, multiline: bool = True) -> str | None:
    """The message when cleaned text holds a control or bidirectional-override character (which no
    person types and which hide or reorder text for readers, exports and printed documents);
    None when the text is acceptable. `title` is the field's name for the message."""
    if (_CONTROL_TEXT if multiline else _CONTROL_LINE).search(value):
        return _("“%(field)s”含有控制字符、文字方向控制符或无法显示的字符，请删除后重试", field=title)
    return None


def required_text(raw, field: str, title: str, *, max_chars: int, multiline: bool = True) -> str:
    """A required free text (a note, a reason): cleaned (`clean_text`); ValidationFailed (422,
    naming `field`) when it is not text, blank after cleaning, longer than `max_chars`
    characters or holds a refused character (`text_refusal`)."""
    return _checked_text(raw, field, title, max_chars=max_chars, multiline=multiline, required=True)


def optional_text(raw, field: str, title: str, *, max_chars: int, multiline: bool = True) -> str:
    """`required_text` for a text that may be left out: "" when blank or not given."""
    return _checked_text(raw, field, title, max_chars=max_chars, multiline=multiline, required=False)


def _checked_text(raw, field: str, title: str, *, max_chars: int, multiline: bool, required: bool) -> str:
    text = clean_text(raw) if isinstance(raw, str) else ""
    if not text and not required:
        return ""
    if not text:
        message = _("“%(field)s”为必填项", field=title)
    elif len(text) > max_chars:
        message = _("“%(field)s”不能超过 %(n)s 个字（现有 %(len)s 个）", field=title, n=max_chars, len=len(text))
    else:
        message = text_refusal(text, title, multiline=multiline)
        if message is None:
            return text
    raise ValidationFailed(message, {field: [message]})


def unstorable(text: str) -> bool:
    """True when text holds a character no column can store (NUL, a lone surrogate)."""
    return _UNSTORABLE.search(text) is not None


def _check_json(value) -> None:
    """Depth and text of a parsed JSON document, walked without recursion. Raises ValueError."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > JSON_MAX_DEPTH:
                raise ValueError(f"JSON 嵌套超过 {JSON_MAX_DEPTH} 层")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str) and unstorable(key):
                    raise ValueError("JSON 键含有 NUL 或不成对的代理字符")
                stack.append((child, depth + 1))
        elif isinstance(item, str) and unstorable(item):
            raise ValueError("JSON 文本含有 NUL 或不成对的代理字符")


def _refuse_constant(name: str):
    raise ValueError(f"JSON 不允许 {name}")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > JSON_INT_MAX_DIGITS:
        raise ValueError(f"整数位数过多（{len(text.lstrip('-'))} 位），最多 {JSON_INT_MAX_DIGITS} 位")
    return int(text)


def _decoded(text: str | bytes) -> str:
    """JSON bytes as text (UTF-8, -16 or -32 as json.loads detects). Raises ValueError naming the
    first byte that is not valid in that encoding."""
    if not isinstance(text, (bytes, bytearray)):
        return text
    encoding = json.detect_encoding(text)
    try:
        return text.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(f"第 {exc.start + 1} 个字节不是有效的 {encoding.upper()} 编码") from None


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"数字超出范围：{text[:40]}")
    return value


# The JSON decoder's reasons (English, from the standard library) in the user's language.
_JSON_SYNTAX = {
    "Expecting value": N_("此处应为一个值"),
    "Expecting property name enclosed in double quotes": N_("属性名应使用双引号"),
    "Expecting ',' delimiter": N_("缺少逗号"),
    "Expecting ':' delimiter": N_("缺少冒号"),
    "Unterminated string starting at": N_("字符串没有结束"),
    "Invalid control character at": N_("含有无效的控制字符"),
    "Invalid \\escape": N_("无效的转义字符"),
    "Extra data": N_("末尾有多余的内容"),
}


def json_syntax_reason(exc: json.JSONDecodeError) -> str:
    """Where and why a JSON text is malformed, in the user's language: "第 3 行第 7 列：缺少逗号"."""
    reason = _JSON_SYNTAX.get(exc.msg)
    return _("第 %(line)s 行第 %(col)s 列：%(reason)s", line=exc.lineno, col=exc.colno,
             reason=_(reason) if reason else _("语法错误"))


def load_json(text: str | bytes, **kwargs):
    """json.loads that also refuses what would fail later: nesting deeper than JSON_MAX_DEPTH,
    NaN/Infinity, NUL or lone surrogates in text. Raises ValueError (json.JSONDecodeError for
    syntax) with the reason in Chinese: also bytes that are not UTF-8 and integers of more than
    JSON_INT_MAX_DIGITS digits."""
    try:
        value = json.loads(_decoded(text), parse_constant=_refuse_constant, parse_float=_finite_float,
                           parse_int=_bounded_int, **kwargs)
    except RecursionError:
        raise ValueError(f"JSON 嵌套超过 {JSON_MAX_DEPTH} 层") from None
    _check_json(value)
    return value


class InputJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider whose `loads` (behind `request.get_json`) is `load_json`: a refusal
    is a ValueError, which request.get_json turns into a 400."""

    ensure_ascii = False  # Chinese stays readable in API responses

    def loads(self, s, **kwargs):
        return load_json(s, **kwargs)


def json_object() -> dict:
    """The request body as a JSON object. Raises BadRequest (400) naming `body` and the reason:
    not JSON, not an object, or refused by load_json."""
    body = None
    if request.is_json:
        try:
            body = request.get_json()
        except HTTPBadRequest as exc:  # outside debug mode get_json hides the reason: the root cause
            cause: BaseException | None = exc
            while cause is not None and not isinstance(cause, ValueError):
                cause = cause.__cause__ or cause.__context__
            reason = json_syntax_reason(cause) if isinstance(cause, json.JSONDecodeError) \
                else str(cause or exc.description)[:200]
            raise BadRequest(_("请求体不是有效的 JSON：%(reason)s", reason=reason), {"body": [reason]}) from None
    if not isinstance(body, dict):
        message = _("请求体必须是 JSON 对象（Content-Type: application/json）")
        raise BadRequest(message, {"body": [message]})
    return body


def _refuse_unreadable_form():
    """A multipart part without a name (`Content-Disposition: form-data` alone) belongs to no
    field: werkzeug keys it None, which flask-wtf's CSRF check (it reads every key's name) and any
    form code would choke on with a 500. Refused first, with 400 naming `body` — this guard is
    installed before CSRFProtect's (init_inputs runs before csrf.init_app)."""
    if request.mimetype != "multipart/form-data":
        return
    if None in request.form or None in request.files:
        message = _("表单中有一个没有名称的部分（multipart 的 Content-Disposition 缺少 name），无法处理")
        raise BadRequest(message, {"body": [message]})


def _refuse_unstorable_text():
    """Path variables, query and form values and file names: 400 naming the field."""
    sources = [(request.view_args or {}).items(), request.args.items(multi=True)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources += [request.form.items(multi=True), ((k, f.filename or "") for k, f in request.files.items(multi=True))]
    for items in sources:
        for key, value in items:
            if unstorable(key) or (isinstance(value, str) and unstorable(value)):
                field = key.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\x00")
                message = _("“%(field)s”含有不能保存的字符（NUL 或不成对的代理字符）", field=field)
                raise BadRequest(message, {field: [message]})


def init_inputs(app: Flask) -> None:
    """Install the guards. Call before the blueprints are registered (the converter is looked up
    when a rule is added) and before CSRFProtect (its check runs after these)."""
    app.url_map.converters["int"] = IdConverter
    app.json = InputJSONProvider(app)
    app.before_request(_refuse_unreadable_form)
    app.before_request(_refuse_unstorable_text)
