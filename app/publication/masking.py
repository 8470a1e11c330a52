"""Masking personal data (脱敏) — one function for the public portal, the sharing feed's record and
every official document.

What is masked where is data: the decision table `masking_rules` (workflows/rules/masking_rules.dmn)
gives, for a field and a channel (`portal`, `feed`, `document`), each masking to apply — its kind
(`resident_id`, `mobile`, `landline`, `person_name`, `address`), whether it covers the whole field
or is looked for in the text, and how many characters to keep at the head and the tail. How each
kind is recognised is code (the patterns below): resident ID numbers of 18 digits (last one may be
X) or 15 digits with a valid birth date inside, mobile numbers 1[3-9]x with optional +86 and
separators, landlines with their area code (021-…, (021)…, 010…), house numbers after a road
(…路88号1201室). Numbers are found however they are typed: full-width digits and signs (a Chinese input
method), grouped with spaces, dashes or dots, right after or before Latin letters (ID…, Tel…) — only
a digit next to them makes them part of a longer number. Document numbers (沪财监〔2026〕17号) and
dates (2026-03-15, 20260315) are none of these.

The table version is the one in force on the day the text is masked (Asia/Shanghai). A missing
table is an error: nothing is published or issued unmasked. What a channel masks is also what the
portal's note and the documents say is masked (`Masker.kinds`): the statement follows the table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app

from app.core.clock import clock
from app.core.i18n import N_
from app.engine import dmn
from app.rules import service as rules

TABLE = "masking_rules"
CHANNELS = ("portal", "feed", "document")
# What each kind hides, in the order a statement lists them ("身份证号码、手机号码…作脱敏处理").
KIND_LABELS = {"resident_id": N_("身份证号码"), "mobile": N_("手机号码"), "landline": N_("固定电话号码"),
               "address": N_("门牌地址"), "person_name": N_("公务员姓名")}

# Patterns run on the text folded to ASCII character for character (_FOLD: full-width digits, X,
# signs, dashes and spaces), so a match's positions are the original's. A number is a number when no
# digit touches it: letters may (ID310105…, Tel138…), as they do in what people type.
_FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "＋": "+",
                       "－": "-", "—": "-", "–": "-", "‐": "-", "‑": "-", "（": "(", "）": ")", "．": ".",
                       "\u3000": " "})
_NO_DIGIT_BEFORE, _NO_DIGIT_AFTER = r"(?<![0-9])", r"(?![0-9])"
_SEP = r"[-. ]?"
_MONTH, _DAY = r"(?:0[1-9]|1[0-2])", r"(?:0[1-9]|[12]\d|3[01])"
PATTERNS: dict[str, re.Pattern] = {
    "resident_id": re.compile(
        _NO_DIGIT_BEFORE + rf"(?:[1-9]\d{{5}}{_SEP}(?:18|19|20)\d{{2}}{_MONTH}{_DAY}{_SEP}\d{{3}}[0-9Xx]"
                           rf"|[1-9]\d{{5}}{_SEP}\d{{2}}{_MONTH}{_DAY}{_SEP}\d{{3}})" + _NO_DIGIT_AFTER, re.ASCII),
    "mobile": re.compile(_NO_DIGIT_BEFORE + rf"(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:{_SEP}\d{{4}}){{2}}" + _NO_DIGIT_AFTER,
                         re.ASCII),
    "landline": re.compile(
        _NO_DIGIT_BEFORE + r"(?:\(0\d{2,3}\)\s?\d{7,8}|0\d{2,3}[- ]\d{7,8}|0(?:10|2\d|[3-9]\d{2})\d{7,8})"
                           r"(?:-\d{1,6})?" + _NO_DIGIT_AFTER, re.ASCII),
    "address": re.compile(r"(?<=[路街道巷弄村里])\s*[0-9０-９一二三四五六七八九十百零〇]+\s*[号弄]"
                          r"[0-9A-Za-z０-９一二三四五六七八九十百零〇号弄栋幢座楼层单元室\-－—]*"),
}
# The characters a masking counts and hides: digits (and an ID's X) in numbers; digits in house
# numbers; every character in names and whole addresses.
_SIGNIFICANT = {
    "resident_id": re.compile(r"[0-9Xx]"), "mobile": re.compile(r"\d"), "landline": re.compile(r"\d"),
    "address": re.compile(r"[0-9０-９一二三四五六七八九十百零〇]"), "person_name": re.compile(r"\S"),
}
_WHOLE_ADDRESS = re.compile(r"\S")
_COUNTRY_CODE = re.compile(r"(?:(?:\+|00)?86[- ]?(?=1))?")


def _hide(text: str, kind: str, keep_head: int, keep_tail: int, *, whole: bool = False) -> str:
    """`text` with its significant characters (see _SIGNIFICANT) replaced by * except the first
    `keep_head` and the last `keep_tail` of them; separators stay where they were."""
    significant = _WHOLE_ADDRESS if (whole and kind == "address") else _SIGNIFICANT[kind]
    skip = _COUNTRY_CODE.match(text).end() if kind == "mobile" else 0  # +86 is no part of the number
    positions = [m.start() for m in significant.finditer(text) if m.start() >= skip]
    hidden = positions[keep_head:len(positions) - keep_tail if keep_tail else None]
    if not hidden:
        return text
    chars = list(text)
    for i in hidden:
        chars[i] = "*"
    return "".join(chars)


@dataclass(frozen=True)
class Masking:
    """One row of the table: a kind applied to a whole field or looked for in it."""

    kind: str
    whole: bool
    keep_head: int
    keep_tail: int


# (table content hash, field, channel): a table's content never changes under its hash (a version
# id could name other content in another database, e.g. a restored or test one).
_plans: dict[tuple[str, str, str], tuple[Masking, ...]] = {}


@dataclass
class Masker:
    """The masking of one channel as the table in force on a day says. `names`: the personal names
    of civil servants a text may contain (the case's civil servant), for `person_name` in text."""

    channel: str
    version_id: int
    table: dmn.Table
    names: tuple[str, ...] = field(default_factory=tuple)

    def maskings(self, name: str) -> tuple[Masking, ...]:
        """The maskings the table gives for field `name` in this channel (cached per table content)."""
        key = (self.table.content_hash, name, self.channel)
        if key not in _plans:
            outputs = dmn.evaluate(self.table, {"field": name, "channel": self.channel},
                                   time_limit=current_app.config["SCRIPT_TIME_LIMIT_SECONDS"]).outputs
            _plans[key] = tuple(Masking(o["kind"], bool(o.get("whole")), int(o.get("keep_head") or 0),
                                        int(o.get("keep_tail") or 0)) for o in outputs)
        return _plans[key]

    def text(self, name: str, value):
        """`value` of field `name` masked; anything but a non-empty string is returned as it is."""
        if not isinstance(value, str) or not value:
            return value
        for masking in self.maskings(name):
            value = self._apply(masking, value)
        return value

    def _apply(self, m: Masking, value: str) -> str:
        if m.whole:
            return _hide(value, m.kind, m.keep_head, m.keep_tail, whole=True)
        if m.kind == "person_name":
            for name in sorted({n for n in self.names if len(n) >= 2}, key=len, reverse=True):
                value = value.replace(name, _hide(name, "person_name", m.keep_head, m.keep_tail))
            return value
        pattern = PATTERNS.get(m.kind)
        if pattern is None:
            raise dmn.DecisionError(f"脱敏规则 {TABLE} 给出了未知的脱敏项：{m.kind!r}")
        chars = list(value)
        for match in pattern.finditer(value.translate(_FOLD)):
            hidden = _hide(match.group(0), m.kind, m.keep_head, m.keep_tail)
            for offset, char in enumerate(hidden):
                if char == "*":
                    chars[match.start() + offset] = "*"
        return "".join(chars)

    def kinds(self, names) -> list[str]:
        """The kinds (KIND_LABELS keys, in that order) this channel applies to any of the fields
        `names`: what a statement about this channel's masking may say is masked."""
        applied = {m.kind for name in names for m in self.maskings(name)}
        return [kind for kind in KIND_LABELS if kind in applied]

    def on_channel(self, channel: str) -> Masker:
        """The same table version and names for another channel (no second read of the table)."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown masking channel {channel!r}")
        return replace(self, channel=channel)

    def for_names(self, names) -> Masker:
        """The same table version and channel, looking for other personal names."""
        return replace(self, names=tuple(n for n in names if n))

    def values(self, data: dict) -> dict:
        """Every string value of `data` masked as the field its key names (nested dicts and lists too)."""
        def walk(key, value):
            if isinstance(value, dict):
                return {k: walk(k, v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(key, v) for v in value]
            return self.text(key, value)
        return {k: walk(k, v) for k, v in data.items()}


def masker(channel: str, *, names=(), on: date | None = None, version_id: int | None = None) -> Masker:
    """The masking of `channel` ("portal", "feed" or "document") by the version of `masking_rules`
    in force on `on` (default today, Asia/Shanghai), or by the version `version_id` (how a stored
    view was masked). `names`: civil servants' names to look for in texts. Raises ValueError for an
    unknown channel, NotFound when the table (or that version) is not deployed."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown masking channel {channel!r}")
    version = rules.get_version(version_id) if version_id is not None else rules.in_force(TABLE, on or clock.today())
    return Masker(channel, version.id, dmn.table_of(version.xml), tuple(n for n in names if n))


def version_in_force(on: date | None = None) -> int:
    """The id of the `masking_rules` version in force on `on` (default today, Asia/Shanghai): one
    light read, to tell whether a stored view was masked by it. NotFound when none is in force."""
    return rules.in_force_id(TABLE, on or clock.today())


def case_names(case) -> tuple[str, ...]:
    """The personal names a case's texts may mention: its civil servant's."""
    return (case.civil_servant.name,) if case.civil_servant is not None else ()


def subject_name(case, m: Masker) -> str:
    """The case's subject as `Case.subject_name` says it — 张三（市财政局） or the unit — with the
    civil servant's name masked as field `civil_servant_name`."""
    if case.civil_servant is None:
        return case.subject_department.name
    return f"{m.text('civil_servant_name', case.civil_servant.name)}（{case.subject_department.name}）"
