"""Fields a form requires only in some cases, said by the JSON Schema itself (issue 20):

- an `if`/`then` at the top of the form or in its `allOf`: `then` requires fields (`required`, a
  `minLength`/`minItems` of at least 1, or `const: true` on a checkbox that must be ticked);
- `dependentRequired`: fields required once another is filled in;
- `x-case` inside an `if`: a schema the case's fields must match (`Case.form_context`: tier,
  record_status, source_type, key_area, subject_type), for what the form itself cannot see — e.g.
  publishing a minor-tier record needs a reason (DOMAIN.md: minor — normally not published);
- `x-message` in a `then`: how its errors are worded (default: "“字段”为必填项").

`for_case` replaces each `x-case` by whether the case matches (the schema `true` or `false`), so
what validates a submission and what an API client receives is plain JSON Schema. `requirements`
reads the rules a page shows as they apply (app.js marks fields required as the choices change;
the server validates the same schema). `upgraded` turns the `x-required-when` rules of form
versions saved before if/then into the same if/then, so deployed forms keep working."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

CASE_KEY = "x-case"
MESSAGE_KEY = "x-message"
LEGACY_KEY = "x-required-when"
# What a page-side condition may test: `properties` with `const`/`enum` (and `type`), `required`.
_IF_KEYS = {"properties", "required", "type"}
_TEST_KEYS = {"const", "enum", "type"}


def for_case(schema: dict, case: dict | None) -> dict:
    """A copy of `schema` in which every subschema holding `x-case` is `true`-like (the `x-case`
    removed, its other keywords kept) when the case's fields `case` match the `x-case` schema, and
    `false` otherwise (no case: an empty dict, which a condition on a field does not match)."""
    case = case or {}

    def resolve(node):
        if isinstance(node, dict):
            if CASE_KEY in node:
                test = node[CASE_KEY]
                if not (isinstance(test, (dict, bool)) and Draft202012Validator(test).is_valid(case)):
                    return False
                node = {k: v for k, v in node.items() if k != CASE_KEY}
            return {k: resolve(v) if k not in ("enum", "const", "default", "examples") else v for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


def upgraded(schema: dict) -> dict:
    """`schema` with its `x-required-when` rules (`[{"case": {f: v}, "data": {f: v}, "required":
    [names], "message": "…"}]`, the form versions saved before if/then) as `allOf` if/then items;
    unchanged without any."""
    rules = schema.get(LEGACY_KEY)
    if not isinstance(rules, list):
        return schema
    schema = {k: v for k, v in schema.items() if k != LEGACY_KEY}
    converted = []
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        case, data = rule.get("case") or {}, rule.get("data") or {}
        condition = {"properties": {k: {"const": v} for k, v in data.items()}, "required": list(data)}
        if case:
            condition[CASE_KEY] = {"properties": {k: {"const": v} for k, v in case.items()}, "required": list(case)}
        then = {"required": list(rule.get("required") or ())}
        if isinstance(rule.get("message"), str):
            then[MESSAGE_KEY] = rule["message"]
        converted.append({"if": condition, "then": then})
    if converted:
        schema["allOf"] = list(schema.get("allOf") or ()) + converted
    return schema


def problems(schema: dict) -> list[tuple[str, str]]:
    """(code, detail) of each misuse: `x-case` that is not a schema; `x-message` not text;
    `x-required-when` (new versions say it with if/then). Worded by the caller."""
    found = []
    if LEGACY_KEY in schema:
        found.append(("legacy", LEGACY_KEY))
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            test = node.get(CASE_KEY)
            if CASE_KEY in node:
                try:
                    Draft202012Validator.check_schema(test)
                    valid = isinstance(test, (dict, bool))
                except SchemaError:
                    valid = False
                if not valid:
                    found.append(("case", json.dumps(test, ensure_ascii=False)[:80]))
            if MESSAGE_KEY in node and not isinstance(node[MESSAGE_KEY], str):
                found.append(("message", json.dumps(node[MESSAGE_KEY], ensure_ascii=False)[:80]))
            stack.extend(v for k, v in node.items() if k not in ("enum", "const", "default", "examples"))
        elif isinstance(node, list):
            stack.extend(node)
    return found


def then_message(schema: dict, schema_path) -> str | None:
    """The `x-message` of the `then` an error (its absolute schema path) came from, if any."""
    node, found = schema, None
    for step in schema_path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if step == "then" and isinstance(node, dict) and isinstance(node.get(MESSAGE_KEY), str):
            found = node[MESSAGE_KEY]
    return found


# ---------------------------------------------------------------- what a page shows as required

@dataclass
class Requirements:
    """`always`: fields required whatever is chosen; `rules`: [{"when": [condition], "require":
    [names]}], each condition {"field", "in": [values as text] or None (any value), "absent":
    whether a missing value passes}; `now`: the fields required with the values given."""

    always: list[str] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    now: set[str] = field(default_factory=set)

    @property
    def conditional(self) -> set[str]:
        """Fields only some choices require."""
        return {name for rule in self.rules for name in rule["require"]} - set(self.always)

    @property
    def marked(self) -> set[str]:
        """Fields that carry an asterisk, shown or (until their condition holds) hidden."""
        return set(self.always) | self.conditional | self.now

    def as_json(self) -> str:
        return json.dumps({"always": self.always, "rules": self.rules}, ensure_ascii=False, separators=(",", ":"))


def as_text(value) -> str:
    """A value as the page compares it: true/false for booleans (a checkbox), else its text."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _demands(props: dict, required, booleans: set[str]) -> list[str]:
    """The fields a (sub)schema demands: required ones (a checkbox only when it must be ticked,
    since unticked is an answer), a text or list that must not be empty, a checkbox with
    `const: true` (or `enum: [true]`)."""
    names = [n for n in (required or ()) if isinstance(n, str) and n not in booleans]
    for name, prop in (props or {}).items():
        if not isinstance(prop, dict):
            continue
        ticked = prop.get("const") is True or prop.get("enum") == [True]
        if (name in booleans and ticked) or (prop.get("minLength") or 0) >= 1 or (prop.get("minItems") or 0) >= 1:
            names.append(name)
    return list(dict.fromkeys(names))


def _condition(test) -> list[dict] | None:
    """An `if` as page conditions; None when it cannot be told on the page (then it is not shown,
    the server still applies it); [] when it always holds."""
    if test is True:
        return []
    if not isinstance(test, dict) or set(test) - _IF_KEYS:
        return None
    required = test.get("required") or []
    conditions = []
    for name, prop in (test.get("properties") or {}).items():
        if not isinstance(prop, dict) or set(prop) - _TEST_KEYS:
            return None
        allowed = [prop["const"]] if "const" in prop else prop.get("enum")
        conditions.append({"field": name, "in": [as_text(v) for v in allowed] if allowed is not None else None,
                           "absent": name not in required})
    for name in required:
        if name not in (test.get("properties") or {}):
            conditions.append({"field": name, "in": None, "absent": False})
    return conditions


def _holds(conditions: list[dict], values: dict) -> bool:
    for condition in conditions:
        value = values.get(condition["field"])
        if value in (None, "", []):
            if not condition["absent"]:
                return False
        elif condition["in"] is not None and as_text(value) not in condition["in"]:
            return False
    return True


def requirements(schema: dict, values: dict | None = None) -> Requirements:
    """The form's required fields as a page shows them (see Requirements), from its `required`,
    top-level and `allOf` if/then (an `if` the page cannot evaluate is left to the server) and
    `dependentRequired`, with `values` (the form's current values) deciding `now`."""
    props = schema.get("properties") or {}
    booleans = {n for n, p in props.items() if isinstance(p, dict) and p.get("type") == "boolean"}
    found = Requirements(always=_demands(props, schema.get("required"), booleans))
    branches = [schema] + [s for s in schema.get("allOf") or () if isinstance(s, dict)]
    for branch in branches:
        if "if" not in branch or not isinstance(branch.get("then"), dict):
            continue
        conditions = _condition(branch["if"])
        then = branch["then"]
        demanded = _demands(then.get("properties"), then.get("required"), booleans)
        if conditions is None or not demanded:
            continue
        if conditions:
            found.rules.append({"when": conditions, "require": demanded})
        else:
            found.always = list(dict.fromkeys(found.always + demanded))
    for name, others in (schema.get("dependentRequired") or {}).items():
        demanded = [n for n in others if n not in booleans]
        if demanded:
            found.rules.append({"when": [{"field": name, "in": None, "absent": False}], "require": demanded})
    values = values or {}
    found.now = set(found.always) | {n for rule in found.rules if _holds(rule["when"], values) for n in rule["require"]}
    return found
