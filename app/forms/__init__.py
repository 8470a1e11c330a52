"""Task forms: JSON Schemas (Chinese labels), versioned in the database — `forms/*.json` files are
synced in, the designer's form editor adds versions — and validated server-side on every
completion against the version the process was deployed with. Error messages name the field."""
from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError
from sqlalchemy import func, select

from app.core.clock import clock
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.forms import decision
from app.forms.models import FormVersion
from app.core.i18n import N_, tr
from app.core.inputs import DATE_MAX, DATE_MIN, DB_INT_MAX, clean_text, text_refusal

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_WIDGETS = {"textarea", "file", "date", "checkbox"}
_SOURCES = {"departments", "civil_servants"}
# x-source lists whose values validation checks (registered by the package that owns the list,
# e.g. the 免责容错 grounds from a decision table): name → () -> [(value, label)].
CHOICE_SOURCES: dict = {}


def register_choice_source(name: str, choices) -> None:
    """Let form fields use `"x-source": name`; a submitted value outside `choices()` is refused
    (422 naming the field). Called once by the app factory (through the owning package)."""
    CHOICE_SOURCES[name] = choices
    _SOURCES.add(name)
# Date bounds (`x-date-min` / `x-date-max` on a date field): "today", "today+30d", "today-7d"
# (days from today in Asia/Shanghai, app.core.clock) or "field:NAME" (another date field of the form).
_TODAY_BOUND = re.compile(r"^today(?:([+-])(\d{1,4})d)?$")
_FIELD_BOUND = re.compile(r"^field:([a-z][a-z0-9_]{0,63})$")
# "today+var:NAME": today plus the number of days in the task's variable NAME (a value a decision
# table gave the process, e.g. warning_deadlines.rectification_max_days). Applied where the form is
# filled for a task; where there is no task (the form editor's preview, a start form) or the task
# has no such whole number, the bound is not applied.
_VAR_BOUND = re.compile(r"^today\+var:([a-z][a-z0-9_]{0,63})$")
# "case:NAME": a date of the case the form is filled for (CASE_DATES: the source decision's date,
# the day the case was registered) — e.g. a revocation cannot precede the decision it revokes.
# Applied where the form is filled for a case (a task, a message); not applied without one.
CASE_DATES = ("source_decided_on", "registered_on")
_CASE_BOUND = re.compile(r"^case:(" + "|".join(CASE_DATES) + r")$")
DATE_BOUNDS = ("x-date-min", "x-date-max")
# `x-default` on a field: the value the form starts with — "var:NAME" (the task's variable NAME,
# e.g. facts a script wrote) or, on a date field, a date bound ("today+30d", "today+var:NAME").
_VAR_DEFAULT = re.compile(r"^var:([a-z][a-z0-9_]{0,63})$")


# ---------------------------------------------------------------- designers' regular expressions
# `pattern` and `patternProperties` are a designer's regular expressions run on every user's input.
# Python's `re` backtracks (`^(a+)+$` on 26 characters: 7 s in one C call, holding the interpreter
# for every other request of the worker), so they run on RE2, linear in the input; what RE2 cannot
# run (back-references, look-arounds) is refused when the form is saved (`schema_problems`).
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the designer, not to stderr
_RE2_OPTIONS.max_mem = 8 << 20  # bytes for one compiled pattern (`(a{1000}){1000}` is refused)


@functools.lru_cache(maxsize=256)
def _re2(pattern: str):
    """The compiled pattern (cached); re2.error when RE2 cannot run it."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


def _search(pattern: str, text: str) -> bool:
    try:
        return _re2(pattern).search(text) is not None
    except re2.error:  # saved before patterns were checked: the value cannot be shown to match
        return False


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


# Draft 2020-12 with the designer's patterns run on RE2: every form is validated with this.
FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties})


def _pattern_problems(schema, where: str = "") -> list[str]:
    """Each `pattern` / `patternProperties` key in the schema (at any depth) that RE2 cannot run,
    named by the field it belongs to."""
    problems = []
    if isinstance(schema, dict):
        patterns = [schema["pattern"]] if isinstance(schema.get("pattern"), str) else []
        if isinstance(schema.get("patternProperties"), dict):
            patterns += list(schema["patternProperties"])
        for pattern in patterns:
            try:
                _re2(pattern)
            except re2.error as exc:
                problems.append(_("字段 %(name)s 的 pattern 无法使用（不支持反向引用、环视等写法）：%(detail)s",
                                  name=where or _("表单"), detail=str(exc)[:200]))
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas") and isinstance(value, dict):
                problems.extend(p for name, sub in value.items() for p in _pattern_problems(sub, name if key == "properties" else where))
            elif isinstance(value, (dict, list)) and key not in ("enum", "const", "default", "examples", "x-enum-labels"):
                problems.extend(_pattern_problems(value, where))
    elif isinstance(schema, list):
        problems.extend(p for item in schema for p in _pattern_problems(item, where))
    return problems


def _forms_dir() -> Path:
    return Path(current_app.config["FORMS_DIR"])


def form_keys() -> frozenset[str]:
    return frozenset(db.session.scalars(select(FormVersion.key).distinct()))


def _not_found(key):
    return NotFound(_("表单 %(key)s 不存在", key=repr(key)))


def latest_versions(keys=None) -> dict[str, int]:
    """{form key: newest version number}, for all forms or the given keys."""
    query = select(FormVersion.key, func.max(FormVersion.version)).group_by(FormVersion.key)
    if keys is not None:
        query = query.where(FormVersion.key.in_(list(keys)))
    return dict(db.session.execute(query).all())


def load_form(key: str, version: int | None = None) -> dict:
    """A form's JSON Schema: the given version, or the newest."""
    if not key or not _KEY.match(key):
        raise _not_found(key)
    if version is None:
        version = latest_versions([key]).get(key)
        if version is None:
            raise _not_found(key)
    return _load(key, version)


def _load(key: str, version: int) -> dict:
    """A form version is immutable: read it once per session (a request validates and checks a
    form more than once). A copy, so a caller may change what it gets."""
    memo = db.session.info.setdefault("form_versions", {})
    text = memo.get((key, version))
    if text is None:
        text = db.session.scalar(select(FormVersion.schema_json).where(FormVersion.key == key, FormVersion.version == version))
        if text is None:
            raise _not_found(key)
        memo[(key, version)] = text
    return json.loads(text)


def version_in(process_version, key: str) -> int | None:
    """The version of form `key` a process version was deployed with (None: the newest)."""
    return json.loads(process_version.forms_json or "{}").get(key)


def schema_problems(schema) -> list[str]:
    """What is wrong with a form schema, in Chinese (empty when it is usable)."""
    if not isinstance(schema, dict):
        return [_("表单必须是 JSON 对象")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [_("不是有效的 JSON Schema：%(detail)s", detail=exc.message)]
    problems = []
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict) or not schema["properties"]:
        problems.append(_("表单的 type 必须是 object，并至少有一个字段（properties）"))
        return problems
    if not schema.get("title") or not isinstance(schema["title"], str):
        problems.append(_("表单需要标题（title）"))
    if "then" in schema and not isinstance(schema["then"], dict):
        problems.append(_("then 必须是 JSON 对象"))
    for name, prop in schema["properties"].items():
        if not re.match(r"^[a-z][a-z0-9_]{0,63}$", name):
            problems.append(_("字段名 %(name)s 只能用小写字母、数字和下划线，并以字母开头", name=name))
        if not isinstance(prop, dict) or not prop.get("title") or not isinstance(prop["title"], str):
            problems.append(_("字段 %(name)s 需要中文标题（title）", name=name))
            continue
        # The form macro prints these as text: anything else is a problem here, not a 500 there.
        for attribute in ("description", "x-widget", "x-source"):
            if attribute in prop and not isinstance(prop[attribute], str):
                problems.append(_("字段 %(name)s 的 %(attribute)s 必须是文本", name=name, attribute=attribute))
        if isinstance(prop.get("x-widget"), str) and prop["x-widget"] and prop["x-widget"] not in _WIDGETS:
            problems.append(_("字段 %(name)s 的 x-widget 不受支持：%(value)s", name=name, value=prop["x-widget"]))
        if isinstance(prop.get("x-source"), str) and prop["x-source"] and prop["x-source"] not in _SOURCES:
            problems.append(_("字段 %(name)s 的 x-source 不受支持：%(value)s", name=name, value=prop["x-source"]))
        labels = prop.get("x-enum-labels")
        if labels is not None and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)
                                   or len(labels) != len(prop.get("enum", []))):
            problems.append(_("字段 %(name)s 的 x-enum-labels 数量与 enum 不一致", name=name))
        problems.extend(_bound_problems(schema["properties"], name, prop))
        confirm = prop.get("x-confirm")
        if confirm is not None and not (isinstance(confirm, dict) and set(confirm) == {"value", "message"}
                                        and confirm["value"] in (prop.get("enum") or [])
                                        and isinstance(confirm["message"], str) and confirm["message"]):
            problems.append(_("字段 %(name)s 的 x-confirm 必须是 {\"value\": 选项之一, \"message\": 确认提示}", name=name))
        if "x-default" in prop and not _default_ok(prop):
            problems.append(_("字段 %(name)s 的 x-default 写法无效：应为 var:变量名，日期字段也可以是 today+30d 或 "
                              "today+var:变量名", name=name))
    for name in schema.get("required", []):
        if name not in schema["properties"]:
            problems.append(_("必填字段 %(name)s 不在 properties 中", name=name))
    problems.extend(decision.problems(schema))
    problems.extend(_pattern_problems(schema))
    if _remote_refs(schema):
        problems.append(_("表单不能引用外部定义（$ref 只能指向本表单内 #/…）"))
    return problems


def is_date_field(prop) -> bool:
    """A field entered as a date (YYYY-MM-DD)."""
    return isinstance(prop, dict) and (prop.get("format") == "date" or prop.get("x-widget") == "date")


def _bounds(prop: dict, attribute: str) -> list:
    """The bounds of one attribute (x-date-min / x-date-max): one bound or a list, all applying."""
    value = prop.get(attribute)
    return [] if value is None else value if isinstance(value, list) else [value]


def _bound_problems(props: dict, name: str, prop: dict) -> list[str]:
    """What is wrong with the date bounds of one field (see DATE_BOUNDS)."""
    problems = []
    for attribute in DATE_BOUNDS:
        if prop.get(attribute) is not None and not is_date_field(prop):
            problems.append(_("字段 %(name)s 不是日期字段，不能设置 %(attribute)s", name=name, attribute=attribute))
            continue
        for bound in _bounds(prop, attribute):
            other = _FIELD_BOUND.match(bound) if isinstance(bound, str) else None
            if other and (other.group(1) == name or not is_date_field(props.get(other.group(1)))):
                problems.append(_("字段 %(name)s 的 %(attribute)s 引用的 %(other)s 不是本表单的另一个日期字段",
                                  name=name, attribute=attribute, other=other.group(1)))
            elif not other and not _is_var_bound(bound) and not _is_case_bound(bound) and _fixed_bound(bound) is None:
                problems.append(_("字段 %(name)s 的 %(attribute)s 写法无效：应为 today、today+30d、today-7d、"
                                  "YYYY-MM-DD 日期或 field:字段名（也可以是它们的列表）", name=name, attribute=attribute))
    bounds = date_input_bounds(prop) if is_date_field(prop) else {}
    if bounds.get("min") and bounds.get("max") and bounds["min"] > bounds["max"]:
        # As of today (a today-relative bound moves with it): no day could be entered.
        problems.append(_("字段 %(name)s 的 x-date-min（%(low)s）晚于 x-date-max（%(high)s），没有可填的日期",
                          name=name, low=bounds["min"], high=bounds["max"]))
    return problems


def _is_var_bound(bound) -> bool:
    return isinstance(bound, str) and _VAR_BOUND.match(bound) is not None


def _is_case_bound(bound) -> bool:
    return isinstance(bound, str) and _CASE_BOUND.match(bound) is not None


def _default_ok(prop: dict) -> bool:
    value = prop.get("x-default")
    if not isinstance(value, str):
        return False
    if _VAR_DEFAULT.match(value):
        return True
    return is_date_field(prop) and (_is_var_bound(value) or _TODAY_BOUND.match(value) is not None)


def _fixed_bound(bound, variables: dict | None = None, case: dict | None = None) -> date | None:
    """The day a today-relative ("today-7d"), literal ("1949-10-01", within DATE_MIN..DATE_MAX),
    variable ("today+var:NAME", with `variables` holding a whole number of days) or case
    ("case:source_decided_on", with `case` holding that ISO date) bound stands for; None for a field
    bound, a variable or case bound without its value, or anything else."""
    on_case = _CASE_BOUND.match(bound) if isinstance(bound, str) else None
    if on_case is not None:
        return as_date((case or {}).get(on_case.group(1)))
    var = _VAR_BOUND.match(bound) if isinstance(bound, str) else None
    if var is not None:
        days = (variables or {}).get(var.group(1))
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 36600:
            return None
        return clock.today() + timedelta(days=days)
    match = _TODAY_BOUND.match(bound) if isinstance(bound, str) else None
    if match is None:
        day = as_date(bound)
        return day if day is not None and DATE_MIN <= day <= DATE_MAX else None
    days = int(match.group(2) or 0)
    return clock.today() + timedelta(days=-days if match.group(1) == "-" else days)


def _field_bounds(prop: dict, attribute: str) -> list[str]:
    """The other fields a date bound refers to (`field:NAME`)."""
    return [m.group(1) for m in (_FIELD_BOUND.match(b) if isinstance(b, str) else None
                                 for b in _bounds(prop, attribute)) if m]


def _tightest(prop: dict, attribute: str, variables: dict | None = None, case: dict | None = None) -> date | None:
    """The tightest fixed bound of an attribute, with DATE_MIN/DATE_MAX as the outermost."""
    days = [d for d in (_fixed_bound(b, variables, case) for b in _bounds(prop, attribute)) if d is not None]
    return max(days + [DATE_MIN]) if attribute == "x-date-min" else min(days + [DATE_MAX])


def date_input_bounds(prop: dict, variables: dict | None = None) -> dict[str, str | None]:
    """What the HTML date input of a field carries: `min`/`max` (YYYY-MM-DD) for the tightest
    today-relative or literal bounds, `min_field`/`max_field` (the other field's name) for a field
    bound (app.js keeps the input's min/max in step with that field)."""
    low = [d for d in (_fixed_bound(b, variables) for b in _bounds(prop, "x-date-min")) if d]
    high = [d for d in (_fixed_bound(b, variables) for b in _bounds(prop, "x-date-max")) if d]
    min_field, max_field = (next(iter(_field_bounds(prop, a)), None) for a in DATE_BOUNDS)
    return {"min": max(low).isoformat() if low else None, "max": min(high).isoformat() if high else None,
            "min_field": min_field, "max_field": max_field}


def as_date(value) -> date | None:
    """A submitted YYYY-MM-DD value as a date; None for anything else."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def with_variable_bounds(schema: dict, variables: dict | None) -> dict:
    """A copy of `schema` whose `today+var:NAME` date bounds are the days they stand for with the
    task's `variables` (YYYY-MM-DD, a literal bound), for a client that cannot read the variables
    (the API's task form); a bound without its variable stays as written (it is not applied)."""
    def resolved(bound):
        day = _fixed_bound(bound, variables) if _is_var_bound(bound) else None
        return day.isoformat() if day is not None else bound

    props = {}
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and any(prop.get(a) is not None for a in DATE_BOUNDS):
            prop = dict(prop)
            for attribute in DATE_BOUNDS:
                value = prop.get(attribute)
                if isinstance(value, list):
                    prop[attribute] = [resolved(b) for b in value]
                elif value is not None:
                    prop[attribute] = resolved(value)
        props[name] = prop
    return {**schema, "properties": props} if "properties" in schema else dict(schema)


def reads_variables(schema: dict) -> bool:
    """Whether a form reads the task's variables (an `x-default` or a `today+var:NAME` bound), so
    a caller loads them only for such forms."""
    for prop in (schema.get("properties") or {}).values():
        if isinstance(prop, dict) and ("x-default" in prop or any(
                _is_var_bound(b) for attribute in DATE_BOUNDS for b in _bounds(prop, attribute))):
            return True
    return False


def initial_values(schema: dict, variables: dict | None) -> dict:
    """The values a task's form starts with (`x-default` of each field, see _VAR_DEFAULT), from
    the task's `variables`; a default whose variable is missing or empty is left out."""
    values = {}
    for name, prop in (schema.get("properties") or {}).items():
        default = prop.get("x-default") if isinstance(prop, dict) else None
        if not isinstance(default, str):
            continue
        var = _VAR_DEFAULT.match(default)
        if var is not None:
            value = (variables or {}).get(var.group(1))
            if value not in (None, ""):
                values[name] = value
        elif is_date_field(prop):
            day = _fixed_bound(default, variables)
            if day is not None:
                values[name] = day.isoformat()
    return values


def _check_date_bounds(schema: dict, data: dict, fields: dict[str, list[str]], variables: dict | None = None,
                       case: dict | None = None) -> None:
    """Each well-formed date field within its bounds: first the fixed ones (today-relative,
    literal, and DATE_MIN..DATE_MAX for any date), then those relative to another field, applied
    only when that field holds a date that passed its own checks (an invalid field is not
    compared against)."""
    props = {n: p for n, p in (schema.get("properties") or {}).items() if is_date_field(p)}
    days = {n: as_date(data.get(n)) for n in props}
    checked = {n: d for n, d in days.items() if d is not None and n not in fields}
    for name, day in list(checked.items()):
        low, high = (_tightest(props[name], "x-date-min", variables, case),
                     _tightest(props[name], "x-date-max", variables, case))
        names = {"field": _title(schema, name)}
        if day < low:
            fields.setdefault(name, []).append(_("“%(field)s”不得早于 %(date)s", date=low.isoformat(), **names))
        elif day > high:
            fields.setdefault(name, []).append(_("“%(field)s”不得晚于 %(date)s", date=high.isoformat(), **names))
        else:
            continue
        del checked[name]
    for name, day in checked.items():
        for attribute in DATE_BOUNDS:
            for other in _field_bounds(props[name], attribute):
                bound = checked.get(other)
                if bound is None or (day >= bound if attribute == "x-date-min" else day <= bound):
                    continue
                names = {"field": _title(schema, name), "date": bound.isoformat(), "other": _title(schema, other)}
                fields.setdefault(name, []).append(
                    _("“%(field)s”不得早于“%(other)s”（%(date)s）", **names) if attribute == "x-date-min"
                    else _("“%(field)s”不得晚于“%(other)s”（%(date)s）", **names))


def _remote_refs(schema) -> bool:
    """True when a `$ref` points outside the schema (validation would fetch it)."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if ref is not None and (not isinstance(ref, str) or not ref.startswith("#")):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def save_form(key: str, schema: dict, *, author_id: int | None, comment: str = "", source: str = "editor") -> FormVersion | None:
    """Add a version of a form (in the caller's transaction) unless the content is unchanged.
    Raises ValidationFailed naming each problem."""
    if not _KEY.match(key or ""):
        raise ValidationFailed(_("表单代码无效"), {"key": [_("只能用小写字母、数字和下划线，并以字母开头")]})
    problems = schema_problems(schema)
    if problems:
        raise ValidationFailed(_("表单定义有误"), {"schema": problems})
    text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = db.session.scalar(select(FormVersion).where(FormVersion.key == key).order_by(FormVersion.version.desc()).limit(1))
    if latest is not None and latest.content_hash == digest:
        return None
    row = FormVersion(key=key, version=(latest.version + 1) if latest else 1, schema_json=text, content_hash=digest,
                      source=source, comment=comment, created_by_id=author_id)
    db.session.add(row)
    db.session.flush()
    return row


def sync_form_files() -> list[tuple[str, int]]:
    """Add a new version of every forms/*.json whose content changed since it was last synced
    (caller commits). A designer's edits in the form editor are never overwritten by an unchanged
    file: only a changed file makes a new version."""
    added = []
    for path in sorted(_forms_dir().glob("*.json")):
        if not _KEY.match(path.stem):
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        digest = hashlib.sha256(json.dumps(schema, ensure_ascii=False, indent=2).encode()).hexdigest()
        synced = db.session.scalar(select(FormVersion.content_hash).where(
            FormVersion.key == path.stem, FormVersion.source == "file").order_by(FormVersion.version.desc()).limit(1))
        if synced == digest:
            continue
        row = save_form(path.stem, schema, author_id=None, comment=f"forms/{path.name}", source="file")
        if row is not None:
            added.append((row.key, row.version))
    return added


def _title(schema: dict, field: str) -> str:
    return _(schema.get("properties", {}).get(field, {}).get("title", field))


def choice_label(prop, value) -> str | None:
    """The name a form gives a choice (`x-enum-labels` beside `enum`, or the `title` of a
    `oneOf` option with `const`), in the user's language; None when the value has none. Types
    are matched strictly (True is not 1)."""
    if not isinstance(prop, dict):
        return None
    same = lambda option: type(option) is type(value) and option == value  # noqa: E731
    labels, enum = prop.get("x-enum-labels"), prop.get("enum")
    if isinstance(labels, list) and isinstance(enum, list) and len(labels) == len(enum):
        for option, label in zip(enum, labels):
            if same(option) and isinstance(label, str):
                return tr(label)
    for option in prop.get("oneOf") or ():
        if isinstance(option, dict) and "const" in option and same(option["const"]) and isinstance(option.get("title"), str):
            return tr(option["title"])
    return None


def _choices(prop, values) -> str:
    """Allowed values as the form names them (codes only where it names none): "轻微、一般、严重";
    separated by "；" when a name holds "、" or "，" itself."""
    names = [choice_label(prop, v) or str(v) for v in values]
    return ("；" if any("、" in n or "，" in n for n in names) else "、").join(names)


def _message(error, schema: dict) -> tuple[str, str | None]:
    """(field, Chinese message) for one jsonschema error; message None when another check
    words it (a well-formed date out of range: `_check_date_bounds`)."""
    field = str(error.absolute_path[0]) if error.absolute_path else ""
    title = _title(schema, field) if field else ""
    v, val = error.validator, error.validator_value
    prop = (schema.get("properties") or {}).get(field) if len(error.absolute_path) == 1 else None
    options = [o["const"] for o in (prop or {}).get("oneOf") or () if isinstance(o, dict) and "const" in o]
    if v == "type" and isinstance(prop, dict) and (prop.get("enum") or options):
        return field, None  # a value of the wrong type is also not a choice: the choices are named
    if v == "oneOf" and options and len(options) == len(prop["oneOf"]):
        return field, _("“%(field)s”的取值必须是以下之一：%(values)s", field=title, values=_choices(prop, options))
    if v == "required":
        # jsonschema reports each missing property as its own error, named in the message.
        match = re.match(r"'(.+?)' is a required property", error.message)
        field = match.group(1) if match else ""
        return field, _("“%(field)s”为必填项", field=_title(schema, field))
    if v == "dependentRequired":
        # "'b' is a dependency of 'a'": b is required once a is given.
        match = re.match(r"'(.+?)' is a dependency of '(.+?)'", error.message)
        field = match.group(1) if match else ""
        return field, _("填写“%(other)s”时，“%(field)s”为必填项", other=_title(schema, match.group(2) if match else ""),
                        field=_title(schema, field))
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return (extra[0] if extra else ""), _("不允许的字段：%(names)s", names=", ".join(extra))
    messages = {
        "type": lambda: _("“%(field)s”的类型不正确（应为%(type)s）", field=title,
                          type=_(_TYPES.get(val if isinstance(val, str) else val[0], str(val)))),
        "enum": lambda: _("“%(field)s”的取值必须是以下之一：%(values)s", field=title, values=_choices(prop, val)),
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
    if v == "format" and val == "date" and len(error.absolute_path) == 1 and as_date(error.instance):
        return field, None  # well-formed but out of range: _check_date_bounds names the bound
    if v in messages:
        return field, messages[v]()
    if v in ("if", "then", "allOf", "anyOf", "oneOf") and error.context:
        return _message(error.context[0], schema)
    return field, _("“%(field)s”不符合要求：%(detail)s", field=title or _("表单"), detail=error.message)


_FORMAT_CHECKER = FormatChecker()


@_FORMAT_CHECKER.checks("date", raises=ValueError)
def _date_in_range(value) -> bool:
    """A YYYY-MM-DD date within DATE_MIN..DATE_MAX: deadlines and working days are computed from it."""
    return not isinstance(value, str) or DATE_MIN <= date.fromisoformat(value) <= DATE_MAX and len(value) == 10


_TYPES = {"string": N_("文本"), "integer": N_("整数"), "number": N_("数字"), "boolean": N_("是/否"),
          "array": N_("列表"), "object": N_("对象")}
_FORMATS = {"date": N_("YYYY-MM-DD 日期"), "date-time": N_("日期时间"), "email": N_("电子邮箱")}


def _clean_text(schema: dict, data: dict, fields: dict[str, list[str]]) -> dict:
    """Text fields as stored (`app.core.inputs.clean_text`: line breaks normalised, blanks and
    zero-width characters stripped at both ends); a field blank after cleaning is left out, so
    `required` names it; control and bidi-override characters refused (`text_refusal`), naming
    the field. Text areas keep tab and line breaks."""
    cleaned = dict(data)
    for name, prop in (schema.get("properties") or {}).items():
        value = data.get(name)
        if not isinstance(value, str) or not isinstance(prop, dict) or prop.get("type") != "string":
            continue
        value = clean_text(value)
        if not value:
            del cleaned[name]
            continue
        cleaned[name] = value
        refusal = text_refusal(value, _title(schema, name), multiline=prop.get("x-widget") == "textarea")
        if refusal:
            fields.setdefault(name, []).append(refusal)
    return cleaned


def validate(key: str, data, version: int | None = None, variables: dict | None = None, case: dict | None = None) -> dict:
    """Validate submitted data against a form. Returns the data, one-line text fields stripped;
    raises ValidationFailed (422) with `fields: {field: [messages]}`. `variables`: the task's
    process variables, for date bounds that read one (`today+var:NAME`). `case`: the case's fields
    as the process sees them (e.g. {"tier": "minor"}, Case.form_context), for the form's
    `x-required-when` rules and `case:NAME` date bounds."""
    schema = load_form(key, version)
    if not isinstance(data, dict):
        raise ValidationFailed(_("表单数据必须是 JSON 对象"), {"data": [_("表单数据必须是 JSON 对象")]})
    validator = FormValidator(schema, format_checker=_FORMAT_CHECKER)
    fields: dict[str, list[str]] = {}
    data = _clean_text(schema, data, fields)
    for error in sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator)):
        field, message = _message(error, schema)
        if message is None:
            continue
        fields.setdefault(field or "_form", [])
        if message not in fields[field or "_form"]:
            fields[field or "_form"].append(message)
    _check_date_bounds(schema, data, fields, variables, case)
    _check_choice_sources(schema, data, fields)
    _check_required_when(schema, data, case or {}, fields)
    if fields:
        raise ValidationFailed(_("表单填写有误，请按提示修改"), fields)
    return data


def _check_required_when(schema: dict, data: dict, case: dict, fields: dict) -> None:
    """`"x-required-when": [{"case": {field: value}, "data": {field: value}, "required": [names],
    "message": "…"}]`: fields a form requires only for some cases (e.g. publishing a minor-tier
    record needs a reason, DOMAIN.md "minor — normally not published"). A rule applies when every
    `case` and `data` pair matches; a required field left empty gets the rule's message."""
    for rule in schema.get("x-required-when") or ():
        if not isinstance(rule, dict):
            continue
        if any(case.get(k) != v for k, v in (rule.get("case") or {}).items()):
            continue
        if any(data.get(k) != v for k, v in (rule.get("data") or {}).items()):
            continue
        for name in rule.get("required") or ():
            if data.get(name) in (None, "", []) and name not in fields:
                fields[name] = [tr(rule["message"]) if isinstance(rule.get("message"), str)
                                else _("“%(field)s”为必填项", field=_title(schema, name))]


def _check_choice_sources(schema: dict, data: dict, fields: dict) -> None:
    """A value of an `x-source` field whose list is registered (CHOICE_SOURCES) must be one of it."""
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or prop.get("x-source") not in CHOICE_SOURCES or name in fields:
            continue
        value = data.get(name)
        if value in (None, ""):
            continue
        if value not in {choice for choice, _label in CHOICE_SOURCES[prop["x-source"]]()}:
            fields.setdefault(name, []).append(_("“%(title)s”不是可选的情形：%(value)s", title=prop.get("title") or name,
                                                 value=str(value)[:60]))


def file_fields(key: str, version: int | None = None) -> list[str]:
    """Fields holding attachment ids (rendered as file uploads)."""
    return file_fields_of(load_form(key, version))


def file_fields_of(schema: dict) -> list[str]:
    """The file fields of a form schema (see file_fields)."""
    return [name for name, p in (schema.get("properties") or {}).items() if isinstance(p, dict) and p.get("x-widget") == "file"]


def from_html(key: str, formdata, files, version: int | None = None) -> tuple[dict, dict[str, list[tuple[str, bytes]]]]:
    """Turn a submitted HTML form into typed data for the schema, plus uploaded files per file field.
    Values that cannot be converted are kept as text so validation names the field."""
    props = load_form(key, version).get("properties", {})
    data: dict = {}
    uploads: dict[str, list[tuple[str, bytes]]] = {}
    for name, prop in props.items():
        kind = prop.get("type")
        if prop.get("x-widget") == "file":
            chosen = [f for f in files.getlist(name) if f and f.filename]
            if chosen:
                uploads[name] = [(f.filename, f.read()) for f in chosen]
            kept = [v for v in formdata.getlist(name) if v.isascii() and v.isdigit() and int(v) <= DB_INT_MAX]
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
            digits = raw.removeprefix("-")
            data[name] = int(raw) if digits.isascii() and digits.isdigit() and len(digits) <= 19 else raw
        elif kind == "number":
            try:
                data[name] = float(raw)
            except ValueError:
                data[name] = raw
        else:
            data[name] = raw
    return data, uploads
