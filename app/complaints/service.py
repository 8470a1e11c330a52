"""Complaint import and the monitoring rule (policy 沪府发〔2017〕92号 §二(二)13–14).

`import_complaints` is one user action and one transaction: good rows are stored, bad rows are
reported by line, duplicates (by the source system's external id) are ignored, and the monitoring
rule is evaluated in the same transaction. `evaluate_rules` raises at most one warning case per
unit, rule and window; it works inside the caller's transaction (wrap it in `unit_of_work()` when
calling it on its own, e.g. from a scheduled job)."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.cases.models import Case
from app.cases.service import start_case
from app.core.clock import clock
from app.complaints.models import CHANNELS, Complaint, ComplaintAlert
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_
from app.core.inputs import check_date_range
from app.org.models import Department, User
from app.core.pagination import Total, count_capped
from app.core.transaction import unit_of_work
from app.rules import service as rules

THRESHOLDS = "complaint_thresholds"  # the decision table of the monitoring rule (workflows/rules)
FIELDS = ("date", "unit", "channel", "category", "text", "external_id")
FIELD_LABELS = {"date": N_("日期"), "unit": N_("单位"), "channel": N_("渠道"), "category": N_("类别"),
                "text": N_("投诉内容"), "external_id": N_("外部编号")}
# Column names accepted in the header besides the English ones (spreadsheets exported in Chinese).
HEADER_ALIASES = {"日期": "date", "受理日期": "date", "单位": "unit", "被投诉单位": "unit", "渠道": "channel",
                  "类别": "category", "投诉类别": "category", "内容": "text", "投诉内容": "text",
                  "编号": "external_id", "外部编号": "external_id", "工单编号": "external_id"}
CHANNEL_ALIASES = {"12345": "12345", "12345热线": "12345", "12345市民服务热线": "12345",
                   "enterprise": "enterprise", "企业服务": "enterprise", "企业服务平台": "enterprise"}
CHANNEL_AREAS = {"12345": "市民服务", "enterprise": "企业服务"}
TEXT_MAX = 5000
EXTERNAL_ID_MAX = 80  # Complaint.external_id
CATEGORY_MAX = 60  # Complaint.category
ALL_CATEGORIES = "*"  # ComplaintAlert.category of a rule over all categories
WARNING_PROCESS = "warning_rectification"
ORIGIN = "投诉监测规则"
REASON_MAX = 5000  # forms/warning_raise.json reason.maxLength
TITLE_MAX = 120  # forms/warning_raise.json title.maxLength
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: list[str] = field(default_factory=list)  # external ids ignored (already known or repeated)
    errors: list[dict] = field(default_factory=list)  # {line, external_id, reason}
    warnings: list[str] = field(default_factory=list)  # numbers of the warning cases raised
    warning_case_ids: list[int] = field(default_factory=list)  # their ids, in the same order

    def to_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": list(self.duplicates), "errors": list(self.errors),
                "warnings": list(self.warnings),
                "warning_cases": [{"id": i, "number": n} for i, n in zip(self.warning_case_ids, self.warnings)]}


# --- parsing -------------------------------------------------------------------------------------

def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Excel writes on Chinese Windows)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationFailed(_("无法读取文件：请使用 UTF-8 或 GB18030 编码的 CSV 文件"),
                               {"file": [_("文件编码无法识别")]}) from None


def parse_csv(text: str | bytes) -> list[dict]:
    """Rows of a CSV with the header `date,unit,channel,category,text,external_id` (any order;
    Chinese column names accepted). Each row is a dict of those fields plus `line`, the line of
    the file the row starts on. A file that cannot be read at all raises ValidationFailed."""
    if isinstance(text, (bytes, bytearray)):
        text = decode(bytes(text))
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ValidationFailed(_("无法读取文件：不是文本格式的 CSV 文件"), {"file": [_("文件包含二进制内容")]})
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ValidationFailed(_("文件为空"), {"file": [_("文件中没有表头和数据")]})
        columns = [_column(cell) for cell in header]
        missing = [f for f in FIELDS if f not in columns]
        if missing:
            names = "、".join(f"{_(FIELD_LABELS[f])}（{f}）" for f in missing)
            raise ValidationFailed(_("文件表头缺少列：%(names)s。表头应为 %(header)s", names=names,
                                     header=",".join(FIELDS)), {"file": [_("表头缺少列：%(names)s", names=names)]})
        rows, line = [], reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            found = {name: cells[i] for i, name in enumerate(columns) if name in FIELDS and i < len(cells)}
            row = {f: found.get(f, "") for f in FIELDS}
            extra = [c for c in cells[len(columns):] if c.strip()]
            if extra:
                row["extra_columns"] = len(extra)
            row["line"] = start
            rows.append(row)
    except csv.Error as exc:
        raise ValidationFailed(_("无法读取文件：CSV 格式有误（第 %(line)s 行）", line=reader.line_num),
                               {"file": [str(exc)]}) from None
    return rows


def _column(cell: str) -> str:
    name = cell.strip().lstrip("\ufeff").strip()
    return HEADER_ALIASES.get(name, name.lower())


# --- import --------------------------------------------------------------------------------------

def _as_text(value) -> str | None:
    """A cell as stripped text; None when the value is not text-like (a JSON object or list)."""
    if value is None:
        return ""
    if isinstance(value, (bool, dict, list)):
        return None
    return str(value).strip()


def _reason(name: str, message: str) -> str:
    return f"{_(FIELD_LABELS[name])}（{name}）：{message}"


def _check_row(row: dict, units: dict[str, Department], actor: User | None) -> tuple[dict | None, str | None]:
    """(clean values, None) or (None, Chinese reason naming the field)."""
    if not isinstance(row, dict):
        return None, _("该行不是对象")
    if row.get("extra_columns"):
        return None, _("列数多于表头（多出 %(n)s 列），请检查内容中的逗号是否加了引号", n=row["extra_columns"])
    values = {}
    for name in FIELDS:
        value = _as_text(row.get(name))
        if value is None:
            return None, _reason(name, _("应为文本"))
        if not value:
            return None, _reason(name, _("缺少该项"))
        values[name] = value
    if len(values["external_id"]) > EXTERNAL_ID_MAX:
        return None, _reason("external_id", _("超过 %(n)s 个字符", n=EXTERNAL_ID_MAX))
    if not _DATE.match(values["date"]):
        return None, _reason("date", _("“%(value)s”不是有效日期，应为 YYYY-MM-DD", value=values["date"][:20]))
    try:
        received = date.fromisoformat(values["date"])
    except ValueError:
        return None, _reason("date", _("“%(value)s”不是有效日期，应为 YYYY-MM-DD", value=values["date"]))
    if received > clock.today():
        return None, _reason("date", _("%(value)s 晚于今天", value=values["date"]))
    department = units.get(values["unit"])
    if department is None:
        return None, _reason("unit", _("未知单位“%(value)s”（应为单位代码或单位全称）", value=values["unit"][:60]))
    if not department.active:
        return None, _reason("unit", _("单位“%(value)s”已停用", value=department.name))
    if actor is not None and actor.scope_district_id is not None and department.district_root_id != actor.scope_district_id:
        return None, _reason("unit", _("单位“%(value)s”不在您的督导范围内", value=department.name))
    channel = CHANNEL_ALIASES.get(values["channel"].replace(" ", "").lower())
    if channel is None:
        return None, _reason("channel", _("未知渠道“%(value)s”（应为 12345 或 enterprise）", value=values["channel"][:40]))
    if len(values["category"]) > CATEGORY_MAX:
        return None, _reason("category", _("超过 %(n)s 个字符", n=CATEGORY_MAX))
    if len(values["text"]) > TEXT_MAX:
        return None, _reason("text", _("超过 %(n)s 个字符", n=TEXT_MAX))
    return {"external_id": values["external_id"], "received_on": received, "department_id": department.id,
            "channel": channel, "category": values["category"], "text": values["text"]}, None


def _units() -> dict[str, Department]:
    """Departments by code and by exact name."""
    units = {}
    for d in db.session.scalars(select(Department)):
        units[d.code] = d
        units.setdefault(d.name, d)
    return units


def _known_external_ids(ids: list[str]) -> set[str]:
    known: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        known.update(db.session.scalars(select(Complaint.external_id).where(Complaint.external_id.in_(chunk))))
    return known


def import_complaints(rows: list[dict], *, actor: User | None) -> ImportReport:
    """Store the good rows, report the bad ones by line, ignore duplicates, then evaluate the
    monitoring rule — all in one transaction. A row's line is its `line` key, else its position."""
    report = ImportReport()
    with unit_of_work():
        units = _units()
        good: list[tuple[int, dict]] = []
        for index, row in enumerate(rows):
            line = row.get("line") if isinstance(row, dict) and isinstance(row.get("line"), int) else index + 1
            values, reason = _check_row(row, units, actor)
            if reason:
                external_id = _as_text(row.get("external_id")) if isinstance(row, dict) else None
                report.errors.append({"line": line, "external_id": (external_id or "")[:EXTERNAL_ID_MAX] or None,
                                      "reason": reason})
            else:
                good.append((line, values))
        known = _known_external_ids(sorted({v["external_id"] for _line, v in good}))
        now = clock.now()
        for _line, values in good:
            if values["external_id"] in known:
                report.duplicates.append(values["external_id"])
                continue
            known.add(values["external_id"])
            db.session.add(Complaint(**values, imported_at=now, imported_by_id=actor.id if actor else None))
            report.imported += 1
        db.session.flush()
        for case in evaluate_rules():
            report.warnings.append(case.number)
            report.warning_case_ids.append(case.id)
    return report


# --- the monitoring rule -------------------------------------------------------------------------

def _district_scopes() -> list[tuple[str, Any]]:
    """(district code, condition on Department) for the municipal units ("") and each district (its
    government and the units inside it): the `district` input of the complaint_thresholds table."""
    scopes = [("", and_(Department.kind != "district", Department.district_id.is_(None)))]
    for district in db.session.scalars(select(Department).where(Department.kind == "district").order_by(Department.code)):
        scopes.append((district.code, or_(Department.id == district.id, Department.district_id == district.id)))
    return scopes


def _monitoring_rules(today: date) -> list[tuple[Any, dict]]:
    """(unit condition, rule) for every rule of the decision table complaint_thresholds in force today,
    asked per district (a district's rows may add to or differ from the municipal ones); districts with
    the same rule share one condition. A rule is {"category": str | None (any), "threshold": int,
    "window_days": int}."""
    units_by_rule: dict[tuple, list] = {}
    for code, units in _district_scopes():
        for rule in rules.decide(THRESHOLDS, {"district": code}, on=today).outputs:
            key = (rule.get("category"), int(rule["threshold"]), int(rule["window_days"]))
            units_by_rule.setdefault(key, []).append(units)
    return [(or_(*units), {"category": category, "threshold": threshold, "window_days": days})
            for (category, threshold, days), units in units_by_rule.items()]


def evaluate_rules() -> list[Case]:
    """Raise a warning case for every unit over a rule's threshold in the current window, unless
    one was already raised for that unit and rule in an overlapping window. Works inside the
    caller's transaction; returns the cases started. The rules are the decision table
    complaint_thresholds (version in force today)."""
    config = current_app.config
    raised: list[Case] = []
    today = clock.today()
    recorder = db.session.scalar(select(Department).where(Department.code == config["COMPLAINT_WARNING_DEPARTMENT"]))
    for units, rule in _monitoring_rules(today):
        category, threshold, days = rule.get("category"), int(rule["threshold"]), int(rule["window_days"])
        start = today - timedelta(days=days - 1)
        in_window = [Complaint.received_on >= start, Complaint.received_on <= today]
        if category is not None:
            in_window.append(Complaint.category == category)
        counts = db.session.execute(
            select(Complaint.department_id, func.count()).join(Department, Department.id == Complaint.department_id)
            .where(units, *in_window).group_by(Complaint.department_id).having(func.count() >= threshold)
            .order_by(Complaint.department_id)).all()
        for department_id, count in counts:
            key = category if category is not None else ALL_CATEGORIES
            already = db.session.scalar(select(ComplaintAlert.id).where(
                ComplaintAlert.department_id == department_id, ComplaintAlert.category == key,
                ComplaintAlert.window_start <= today, ComplaintAlert.window_end >= start).limit(1))
            department = db.session.get(Department, department_id)
            if already is not None or not department.active:
                continue
            if recorder is None:
                raise ValidationFailed(_("投诉预警的发起单位 %(code)s 不存在，请检查配置 COMPLAINT_WARNING_DEPARTMENT",
                                         code=config["COMPLAINT_WARNING_DEPARTMENT"]))
            complaints = list(db.session.scalars(
                select(Complaint).where(Complaint.department_id == department_id, *in_window)
                .order_by(Complaint.received_on, Complaint.id)))
            data = _warning_data(department, complaints, category=category, threshold=threshold, days=days,
                                 start=start, end=today)
            case = start_case(WARNING_PROCESS, data, actor=None, recording_department_id=recorder.id, origin=ORIGIN)
            db.session.add(ComplaintAlert(department_id=department_id, category=key, window_start=start,
                                          window_end=today, complaint_count=count, case_id=case.id,
                                          created_at=clock.now()))
            for complaint in complaints:
                if complaint.warning_case_id is None:
                    complaint.warning_case_id = case.id
            db.session.flush()
            raised.append(case)
    return raised


def _warning_data(department: Department, complaints: list[Complaint], *, category, threshold: int, days: int,
                  start: date, end: date) -> dict:
    """The start form of the warning (forms/warning_raise.json). Stored case data stays in Chinese,
    whatever the language of the user whose import triggered it."""
    n = len(complaints)
    what = f"“{category}”类投诉" if category is not None else "投诉"
    title = f"{department.name}{what}集中（{start.isoformat()} 至 {end.isoformat()} 共 {n} 件）"
    if len(title) > TITLE_MAX:
        title = f"{what}集中（{start.isoformat()} 至 {end.isoformat()} 共 {n} 件）"[:TITLE_MAX]
    rule = f"{days} 日内同一单位{what}不少于 {threshold} 件"
    head = (f"依据投诉监测规则（{rule}，沪府发〔2017〕92号 §二(二)13–14），"
            f"{start.isoformat()} 至 {end.isoformat()} 期间 12345 市民服务热线和企业服务平台共收到涉及"
            f"{department.name}的{what} {n} 件：")
    lines = []
    for number, c in enumerate(complaints, 1):
        snippet = " ".join(c.text.split())[:80]
        lines.append(f"{number}. {c.external_id}｜{c.received_on.isoformat()}｜{CHANNELS.get(c.channel, c.channel)}"
                     f"｜{c.category}｜{snippet}")
    reason, shown = head, 0
    for line in lines:
        rest = n - shown - 1
        tail = f"\n……另有 {rest} 件未列出" if rest else ""
        if len(reason) + 1 + len(line) + len(tail) > REASON_MAX:
            break
        reason += "\n" + line
        shown += 1
    if shown < n:
        reason += f"\n……另有 {n - shown} 件未列出"
    channels = Counter(c.channel for c in complaints)
    # The area of the majority channel; a tie goes to 12345 (市民服务).
    majority = max(CHANNEL_AREAS, key=lambda ch: (channels.get(ch, 0), ch == "12345"))
    return {"subject_department": department.code, "title": title, "trigger": "complaints",
            "key_area": CHANNEL_AREAS[majority], "reason": reason}


# --- queries for the list page and the API -------------------------------------------------------

def _scope(query, user: User | None):
    """District-scoped supervisors see complaints about units of their district only."""
    if user is not None and user.scope_district_id is not None:
        district = user.scope_district_id
        query = query.where(Complaint.department_id.in_(
            select(Department.id).where(or_(Department.id == district, Department.district_id == district))))
    return query


def find_unit(value: str) -> Department | None:
    """A department by code or exact name."""
    return db.session.scalar(select(Department).where(or_(Department.code == value, Department.name == value)))


def check_received_range(date_from: date | None, date_to: date | None) -> None:
    """BadRequest (400) naming `date_to` when it lies before `date_from`."""
    check_date_range(date_from, date_to, "date_to", _("受理日期起"), _("受理日期止"))


def list_complaints(*, department_code: str | None = None, category: str | None = None, channel: str | None = None,
                    date_from: date | None = None, date_to: date | None = None, page: int = 1, per_page: int = 20,
                    user: User | None = None) -> tuple[list[Complaint], Total]:
    """Complaints, newest first. `department_code` also accepts the exact department name. The
    total is counted up to the list cap (`app.core.pagination`)."""
    query = _scope(select(Complaint), user)
    errors = {}
    if department_code:
        department = find_unit(department_code)
        if department is None:
            errors["unit"] = [_("未知单位“%(value)s”", value=department_code)]
        else:
            query = query.where(Complaint.department_id == department.id)
    if channel:
        if channel not in CHANNELS:
            errors["channel"] = [_("未知渠道“%(value)s”", value=channel)]
        query = query.where(Complaint.channel == channel)
    if errors:
        raise ValidationFailed(_("筛选条件有误"), errors)
    check_received_range(date_from, date_to)
    if category:
        query = query.where(Complaint.category == category)
    if date_from:
        query = query.where(Complaint.received_on >= date_from)
    if date_to:
        query = query.where(Complaint.received_on <= date_to)
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.options(selectinload(Complaint.department))
                               .order_by(Complaint.received_on.desc(), Complaint.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def categories(user: User | None = None) -> list[str]:
    """The categories seen so far (for the filter)."""
    query = _scope(select(Complaint.category).distinct(), user).order_by(Complaint.category)
    return list(db.session.scalars(query))


def units_with_complaints(user: User | None = None) -> list[Department]:
    """The departments that have complaints (for the filter)."""
    ids = _scope(select(Complaint.department_id).distinct(), user)
    return list(db.session.scalars(select(Department).where(Department.id.in_(ids)).order_by(Department.code)))


def case_numbers(items: list[Complaint]) -> dict[int, str]:
    """Number of the warning case of each listed complaint that triggered one."""
    ids = {c.warning_case_id for c in items if c.warning_case_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).all())
