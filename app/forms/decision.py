"""A form that takes a decision says so in its JSON: a top-level `x-decision` names the kind of
decision and which of its fields hold the outcome, the reasons and (optionally) the legal basis:

    "x-decision": {"kind": "plan_review", "outcome": "plan_decision", "reasons": "plan_opinion",
                   "legal_basis": "沪府发〔2017〕92号 二（一）2 …"}

`outcome` is a field with an `enum` (its `x-enum-labels` name each choice; a boolean field states
`"enum": [true, false]`); `reasons` a text field; `legal_basis` either a field name (lower-case
letters, digits, `_`: the field must exist) or a fixed citation. The declaration is checked when a
form is saved (`schema_problems`), so a completion can rely on it."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask_babel import gettext as _

KEY = "x-decision"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ATTRIBUTES = ("kind", "outcome", "reasons", "legal_basis")
CITATION_MAX_CHARS = 500


@dataclass(frozen=True)
class Taken:
    """A decision as a completed form states it: the outcome's code (JSON text for a boolean) and
    its display name from the form's `x-enum-labels`, the reasons and the legal basis as text."""

    kind: str
    outcome: str
    outcome_label: str
    reasons: str
    legal_basis: str


def problems(schema: dict) -> list[str]:
    """What is wrong with a form's `x-decision`, in Chinese (empty without one, or when usable)."""
    declaration = schema.get(KEY)
    if declaration is None:
        return []
    if not isinstance(declaration, dict):
        return [_("x-decision 必须是 JSON 对象")]
    props = schema.get("properties") or {}
    found = []
    unknown = sorted(set(declaration) - set(_ATTRIBUTES))
    if unknown:
        found.append(_("x-decision 不支持这些属性：%(names)s（可用：kind、outcome、reasons、legal_basis）",
                       names="、".join(unknown)))
    kind = declaration.get("kind")
    if not isinstance(kind, str) or not _KIND.match(kind):
        found.append(_("x-decision 的 kind（决定类别）只能用小写字母、数字和下划线，以字母开头，不超过 40 个字符"))
    for attribute, what in (("outcome", _("决定结果")), ("reasons", _("理由或意见"))):
        name = declaration.get(attribute)
        if not isinstance(name, str) or name not in props:
            found.append(_("x-decision 的 %(attribute)s（%(what)s）必须是表单中的字段名，而“%(name)s”不是",
                           attribute=attribute, what=what, name=name))
    outcome = props.get(declaration.get("outcome")) if isinstance(declaration.get("outcome"), str) else None
    if isinstance(outcome, dict) and not isinstance(outcome.get("enum"), list):
        found.append(_("x-decision 的决定结果字段“%(name)s”需要列出可选结论（enum，是/否字段写 [true, false]）",
                       name=declaration["outcome"]))
    reasons = props.get(declaration.get("reasons")) if isinstance(declaration.get("reasons"), str) else None
    if isinstance(reasons, dict) and reasons.get("type") != "string":
        found.append(_("x-decision 的理由字段“%(name)s”必须是文本字段", name=declaration["reasons"]))
    basis = declaration.get("legal_basis")
    if basis is not None:
        if not isinstance(basis, str) or not basis.strip():
            found.append(_("x-decision 的 legal_basis（法律依据）必须是字段名或依据条文"))
        elif _NAME.match(basis) and basis not in props:
            found.append(_("x-decision 的 legal_basis 字段“%(name)s”不在表单中（依据条文请直接写条文）", name=basis))
        elif len(basis) > CITATION_MAX_CHARS:
            found.append(_("x-decision 的依据条文不能超过 %(n)s 个字", n=CITATION_MAX_CHARS))
    return found


def taken(schema: dict, data: dict) -> Taken | None:
    """The decision a validated submission of this form takes; None when the form declares none."""
    declaration = schema.get(KEY)
    if not isinstance(declaration, dict):
        return None
    props = schema["properties"]
    field = props[declaration["outcome"]]
    value = data.get(declaration["outcome"])
    choices, labels = field.get("enum") or [], field.get("x-enum-labels") or []
    position = next((i for i, choice in enumerate(choices) if choice is value or (
        type(choice) is type(value) and choice == value)), None)
    code = value if isinstance(value, str) else json.dumps(value)
    label = labels[position] if position is not None and position < len(labels) else code
    basis = declaration.get("legal_basis") or ""
    if basis in props:
        basis = data.get(basis) or ""
    return Taken(kind=declaration["kind"], outcome=code, outcome_label=label,
                 reasons=str(data.get(declaration["reasons"]) or ""), legal_basis=str(basis))
