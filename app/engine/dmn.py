"""DMN decision tables: parse, validate, evaluate and compare them (the only module that imports
SpiffWorkflow.dmn).

A table is parsed from safe XML (app/engine/xmlsafe.py), checked against the DMN schema and read by
SpiffWorkflow's DMN parser. Evaluation is ours, not Spiff's DMNEngine: every input expression, input
cell and output cell is compiled and run by the same sandbox as BPMN scripts (app/engine/sandbox.py),
so a cell a designer uploads can do no more than a gateway condition can, at deploy or at run time.

Cells are Python expressions, with the unary-test shorthands of the DMN editor:
`-` or empty (any value), `"general"` (equal), `"a", "b"` (one of), `< 5`, `>= 3`, `!= "x"` (compare),
`[1..5]`, `(1..5]`, `]1..5[` (ranges), `in [...]`, `not in [...]`, `not("a", "b")` (none of), and `?`
standing for the input value anywhere in a longer test (`? % 2 == 0`).

Supported hit policies: UNIQUE (at most one row may match; overlapping rows are refused where the
overlap can be proven from the cells), FIRST (the first matching row, rows in order — district rows
before the default row) and COLLECT (every matching row, outputs as a list, no aggregation)."""
from __future__ import annotations

import ast
import copy
import hashlib
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.core.errors import ProcessError
from app.engine import sandbox
from app.engine.helpers import HELPERS
from app.engine.xmlsafe import UnsafeXml, parse_xml, xml_text

CX_NS = "https://chengxin.example.org/schema/bpmn/1.0"
DMN_MAX_BYTES = 1024 * 1024
HIT_POLICIES = ("UNIQUE", "FIRST", "COLLECT")
# typeRef -> Python types a value of it may have (None is allowed everywhere: "no value").
TYPE_REFS: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "long": (int,), "number": (int, float), "double": (int, float),
    "boolean": (bool,), "date": (str, date),
}
INPUT_VARIABLE = "dmn_input"  # the input value inside a cell's test (`?` is replaced by it)
MAX_COMBINATIONS = 10_000  # declared input values multiplied out when looking for missing rows
# What a cell may call: the script helpers, except decide() (a table calling tables could loop).
CELL_HELPERS = {name: f for name, f in HELPERS.items() if name != "decide"}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VALIDATORS: dict[str, BpmnValidator] = {}


@dataclass(frozen=True)
class Problem:
    """What is wrong with a table. row: 1-based rule number, or None for the table itself;
    column: the input/output (its label, else its name) the problem is in, or None."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = "".join([f"第 {self.row} 行" if self.row else "", f"“{self.column}”列" if self.column else ""])
        return f"{where}：{self.message}" if where else self.message


class DecisionRefused(ProcessError):
    """A table that cannot be deployed; `problems` lists each (fields: {"xml": [...]})."""

    def __init__(self, filename: str, problems: list[Problem]):
        super().__init__(f"{filename}: 决策表有 {len(problems)} 个问题，未部署：" + "；".join(map(str, problems)),
                         {"xml": [str(p) for p in problems]})
        self.problems = problems


class DecisionError(ProcessError):
    """Evaluating a table failed (a cell raised, no row or several rows of a UNIQUE table matched,
    an output of the wrong type)."""


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    expression: str  # inputs: the input expression; outputs: the output's name (a variable)
    type_ref: str
    allowed: tuple | None = None  # inputs: the declared input values (inputValues), if any

    @property
    def title(self) -> str:
        return self.label or self.expression


@dataclass(frozen=True)
class Row:
    number: int  # 1-based, in table order
    id: str
    inputs: tuple[str, ...]  # cell texts ("" for "-" / empty)
    outputs: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Table:
    key: str  # the decision's id
    name: str
    hit_policy: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rows: tuple[Row, ...]
    effective_from: date | None  # cx:effectiveFrom on the decision: when a shipped file comes into force
    xml: str = field(repr=False, default="")
    content_hash: str = ""


@dataclass(frozen=True)
class Evaluation:
    """outputs: {name: value} (UNIQUE/FIRST) or [{name: value}, …] (COLLECT, one per matched row);
    rows: the matched row numbers (1-based); values: output name -> the row that gave it (single hit)."""

    outputs: dict | list
    rows: list[int]
    values: dict[str, int]


# ---------------------------------------------------------------- cells

def _outside_quotes(text: str, needle: str) -> bool:
    quote = None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == needle:
            return True
    return False


def _replace_outside_quotes(text: str, needle: str, replacement: str) -> str:
    out, quote = [], None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
            out.append(ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        else:
            out.append(replacement if ch == needle else ch)
    return "".join(out)


_COMPARISON = re.compile(r"^(<=|>=|<|>|==|!=)\s*(.+)$", re.S)
_NOT = re.compile(r"^not\s*\((.*)\)$", re.S)
_MEMBERSHIP = re.compile(r"^(not\s+in|in)\s+(.+)$", re.S)


def _range(text: str) -> tuple[str, str, str, str] | None:
    r"""A range cell `[low..high]` (a bracket may face out: `]1..5[`, `(1..5)`) as (opening bracket, low,
    high, closing bracket), else None. Read as the regex `^([[\](])\s*(.+?)\s*\.\.\s*(.+?)\s*([[\])])$`
    read it — at the first `..` that leaves text on both sides — but in linear time: that regex took
    cubic time in one C call on a cell of blanks (`[` + 1,200 spaces + `..`: the worker stalled 5.6 s)."""
    if len(text) < 2 or text[0] not in "[](" or text[-1] not in "[])":
        return None
    inner = text[1:-1]
    lead = len(inner) - len(inner.lstrip())
    i = inner.find("..", lead + 1)
    if i < 0 and lead and inner.startswith("..", lead):
        i = lead  # the low bound is then the blank before it
    if i < 1 or i + 2 >= len(inner):
        return None
    rest = inner[i + 2:]
    return text[0], inner[:i].strip() or inner[i - 1], rest.strip() or rest[-1], text[-1]


def _is_tuple(text: str) -> bool:
    try:
        return isinstance(ast.parse(text.strip(), mode="eval").body, ast.Tuple)
    except SyntaxError:
        return False


def cell_condition(cell: str) -> str | None:
    """The Python expression (over INPUT_VARIABLE) an input cell tests, or None for "any value"."""
    text = (cell or "").strip()
    if text in ("", "-"):
        return None
    v = INPUT_VARIABLE
    if _outside_quotes(text, "?"):
        return _replace_outside_quotes(text, "?", v)
    if m := _COMPARISON.match(text):
        return f"{v} {m.group(1)} ({m.group(2)})"
    if r := _range(text):
        low = "<=" if r[0] == "[" else "<"
        high = "<=" if r[3] == "]" else "<"
        return f"({r[1]}) {low} {v} {high} ({r[2]})"
    if m := _NOT.match(text):
        return f"{v} not in ({m.group(1)},)"
    if m := _MEMBERSHIP.match(text):
        return f"{v} {' '.join(m.group(1).split())} ({m.group(2)})"
    if _is_tuple(text):
        return f"{v} in ({text})"
    return f"{v} == ({text})"


# Static domains of input cells, for the overlap and gap checks: ("any",), ("values", frozenset),
# ("interval", low, low_inclusive, high, high_inclusive), or ("unknown",) — which never proves anything.
_ANY, _UNKNOWN = ("any",), ("unknown",)


def _kind(value) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "none"
    return None


def _literal(text: str):
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise LookupError from None
    if isinstance(value, (tuple, list)):
        if not all(_kind(x) for x in value):
            raise LookupError
        return tuple(value)
    if _kind(value) is None:
        raise LookupError
    return value


def _tagged(value) -> tuple:
    return (_kind(value), value)


def cell_domain(cell: str) -> tuple:
    """The set of input values a cell accepts, as far as it can be read without running it."""
    text = (cell or "").strip()
    if text in ("", "-"):
        return _ANY
    try:
        if _outside_quotes(text, "?"):
            return _UNKNOWN
        if m := _COMPARISON.match(text):
            op, bound = m.group(1), _literal(m.group(2))
            if isinstance(bound, tuple):
                return _UNKNOWN
            if op == "==":
                return ("values", frozenset([_tagged(bound)]))
            if op == "!=" or _kind(bound) not in ("number", "str"):
                return _UNKNOWN
            return {"<": ("interval", None, False, bound, False), "<=": ("interval", None, False, bound, True),
                    ">": ("interval", bound, False, None, False), ">=": ("interval", bound, True, None, False)}[op]
        if r := _range(text):
            low, high = _literal(r[1]), _literal(r[2])
            if _kind(low) not in ("number", "str") or _kind(low) != _kind(high):
                return _UNKNOWN
            return ("interval", low, r[0] == "[", high, r[3] == "]")
        if _NOT.match(text) or _MEMBERSHIP.match(text):
            m = _MEMBERSHIP.match(text)
            if m and m.group(1) == "in":
                values = _literal(m.group(2))
                return ("values", frozenset(map(_tagged, values if isinstance(values, tuple) else (values,))))
            return _UNKNOWN
        value = _literal(text)
        return ("values", frozenset(map(_tagged, value if isinstance(value, tuple) else (value,))))
    except LookupError:
        return _UNKNOWN


def _in_interval(tagged: tuple, interval: tuple) -> bool | None:
    """Whether a literal lies in an interval; None when they are of different kinds (not comparable)."""
    kind, value = tagged
    _, low, low_in, high, high_in = interval
    if kind != _kind(low if low is not None else high):
        return None
    if low is not None and (value < low or (value == low and not low_in)):
        return False
    if high is not None and (value > high or (value == high and not high_in)):
        return False
    return True


def _intervals_meet(a: tuple, b: tuple) -> bool | None:
    kinds = {_kind(x) for x in (a[1], a[3], b[1], b[3]) if x is not None}
    if len(kinds) != 1:
        return None
    low, low_in = a[1], a[2]
    if b[1] is not None and (low is None or b[1] > low or (b[1] == low and not b[2])):
        low, low_in = b[1], b[2]
    high, high_in = a[3], a[4]
    if b[3] is not None and (high is None or b[3] < high or (b[3] == high and not b[4])):
        high, high_in = b[3], b[4]
    if low is None or high is None:
        return True
    if low < high:  # a number lies strictly between; for strings only a bound that is included is sure
        return True if kinds == {"number"} or low_in or high_in else None
    return low == high and low_in and high_in


def _domains_meet(a: tuple, b: tuple) -> bool | None:
    """True: some value passes both cells; False: none does; None: cannot tell."""
    if a == _UNKNOWN or b == _UNKNOWN:
        return None
    if a == _ANY or b == _ANY:
        other = b if a == _ANY else a
        return True if other == _ANY or other[0] == "interval" or other[1] else False
    if a[0] == "values" and b[0] == "values":
        return bool(a[1] & b[1])
    if a[0] == "interval" and b[0] == "interval":
        return _intervals_meet(a, b)
    values, interval = (a, b) if a[0] == "values" else (b, a)
    answers = [_in_interval(v, interval) for v in values[1]]
    return True if True in answers else (False if all(x is False for x in answers) else None)


def _may_accept(domain: tuple, tagged: tuple) -> bool:
    """Whether a cell might accept the value (False only when it provably does not)."""
    if domain == _ANY or domain == _UNKNOWN:
        return True
    if domain[0] == "values":
        return tagged in domain[1]
    return _in_interval(tagged, domain) is not False


# ---------------------------------------------------------------- parse

def _validator(namespace: str) -> BpmnValidator | None:
    if namespace not in SCHEMAS:
        return None
    if namespace not in _VALIDATORS:
        _VALIDATORS[namespace] = BpmnValidator(SCHEMAS[namespace])
    return _VALIDATORS[namespace]


def _allowed_values(input_node, nsmap) -> tuple | None:
    node = input_node.find("dmn:inputValues/dmn:text", nsmap)
    if node is None or not (node.text or "").strip():
        return None
    try:
        value = _literal(node.text)
    except LookupError:
        raise ValueError(node.text) from None
    return value if isinstance(value, tuple) else (value,)


def _effective_from(decision_node) -> date | None:
    value = decision_node.get(f"{{{CX_NS}}}effectiveFrom")
    if value is None:
        return None
    return date.fromisoformat(value.strip())


def _for_spiff(root, nsmap):
    """A copy of the document with what SpiffWorkflow's parser refuses but DMN allows (and the editor
    writes) taken out of the decision table: its description, annotation columns, extension elements."""
    root = copy.deepcopy(root)
    for table in root.iterfind("dmn:decision/dmn:decisionTable", nsmap):
        for child in list(table):
            if not isinstance(child.tag, str) or etree.QName(child).localname not in ("input", "output", "rule"):
                table.remove(child)
    return root


def _read(data: bytes, filename: str) -> tuple[Table | None, list[Problem]]:
    """The table in `data` (None when it cannot be read) and the problems found reading it."""
    try:
        root = parse_xml(data, max_bytes=DMN_MAX_BYTES, filename=filename)
    except UnsafeXml as exc:
        return None, [Problem(exc.message)]
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "definitions" or namespace not in SCHEMAS:
        return None, [Problem("不是 DMN 文件：根元素必须是 DMN 1.1–1.3 的 definitions")]
    nsmap = {"dmn": namespace}
    try:
        _validator(namespace).validate(root, filename)
    except ValidationException as exc:
        line = getattr(exc, "line_number", "")
        return None, [Problem((f"第 {line} 行（XML）：" if line else "") + f"不符合 DMN 规范：{exc}")]
    decisions = root.findall("dmn:decision", nsmap)
    if len(decisions) != 1 or decisions[0].find("dmn:decisionTable", nsmap) is None:
        return None, [Problem("文件必须恰好包含一个决策（decision），且该决策是一张决策表（decisionTable）")]
    decision, table_node = decisions[0], decisions[0].find("dmn:decisionTable", nsmap)
    problems: list[Problem] = []
    key = decision.get("id") or ""
    if not _KEY.fullmatch(key) or len(key) > 100:
        problems.append(Problem(f"决策 id “{key[:40]}” 无效：只能由英文字母、数字和下划线组成，以字母或下划线开头，最多 100 个字符"))
    try:
        effective = _effective_from(decision)
    except ValueError:
        effective = None
        problems.append(Problem("cx:effectiveFrom 不是有效日期（YYYY-MM-DD）"))
    try:
        parser = DMNParser(None, _for_spiff(root, nsmap), nsmap, filename=filename)
        parser.parse()
        spiff_table = parser.decision.decisionTables[0]
    except (ValidationException, SpiffWorkflowException) as exc:
        return None, problems + [Problem(f"决策表无法解析：{exc}")]
    except KeyError as exc:
        return None, problems + [Problem(f"决策表无法解析：元素缺少属性 {exc}（每个规则和单元格都需要 id）")]
    except IndexError:
        return None, problems + [Problem("决策表无法解析：某行的单元格数多于输入或输出列数")]
    inputs = []
    for node, spiff_input in zip(table_node.findall("dmn:input", nsmap), spiff_table.inputs):
        try:
            allowed = _allowed_values(node, nsmap)
        except ValueError as exc:
            allowed = None
            problems.append(Problem(f"可选值（inputValues）“{exc}”必须是字面值列表，如 \"a\", \"b\"",
                                    column=spiff_input.label or spiff_input.expression))
        inputs.append(Column(spiff_input.id, spiff_input.label or "", (spiff_input.expression or "").strip(),
                             spiff_input.typeRef or "", allowed))
    outputs = [Column(o.id, o.label or "", (o.name or "").strip(), o.typeRef or "") for o in spiff_table.outputs]
    rows = []
    for rule in spiff_table.rules:
        cells_in = tuple((e.text or "").strip() if (e.text or "").strip() != "-" else "" for e in rule.inputEntries)
        cells_out = tuple((e.text or "").strip() for e in rule.outputEntries)
        if len(cells_in) != len(inputs) or len(cells_out) != len(outputs):
            problems.append(Problem(f"单元格数与列数不符（输入 {len(cells_in)}/{len(inputs)}，输出 {len(cells_out)}/{len(outputs)}）",
                                    row=rule.row_number))
        rows.append(Row(rule.row_number, rule.id, cells_in, cells_out, rule.description or ""))
    hit_policy = " ".join((table_node.get("hitPolicy") or "UNIQUE").upper().split())
    if table_node.get("aggregation"):
        problems.append(Problem(f"不支持汇总（aggregation=“{table_node.get('aggregation')}”）：COLLECT 返回每一条命中规则的输出"))
    table = Table(key=key, name=decision.get("name") or key, hit_policy=hit_policy, inputs=tuple(inputs),
                  outputs=tuple(outputs), rows=tuple(rows), effective_from=effective, xml=xml_text(data, root),
                  content_hash=hashlib.sha256(data).hexdigest())
    return table, problems


# ---------------------------------------------------------------- validate

def _compile(problems: list[Problem], source: str, *, row=None, column=None, what="") -> None:
    try:
        sandbox.compile_expression(source, functions=CELL_HELPERS)
    except sandbox.SandboxError as exc:
        problems.append(Problem(f"{what}无效：{exc}", row, column))


def _type_problem(value, type_ref: str) -> str | None:
    if value is None or type_ref not in TYPE_REFS:
        return None
    types = TYPE_REFS[type_ref]
    if isinstance(value, bool) and bool not in types:
        return f"{value!r} 不是 {type_ref} 类型"
    if not isinstance(value, types):
        return f"{value!r} 不是 {type_ref} 类型"
    if type_ref == "date" and isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"{value!r} 不是日期（YYYY-MM-DD）"
    return None


def _column_problems(table: Table) -> list[Problem]:
    problems = []
    if table.hit_policy not in HIT_POLICIES:
        problems.append(Problem(f"不支持的命中策略 {table.hit_policy}：只支持 {'、'.join(HIT_POLICIES)}"))
    if not table.outputs:
        problems.append(Problem("决策表至少需要一个输出列"))
    if not table.rows:  # every decision taken from it would fail
        problems.append(Problem("决策表至少需要一条规则（行）"))
    names = set()
    for column in table.inputs:
        if not column.expression:
            problems.append(Problem("输入列缺少输入表达式", column=column.title))
        else:
            _compile(problems, column.expression, column=column.title, what="输入表达式")
        if INPUT_VARIABLE in column.expression:
            problems.append(Problem(f"输入表达式不能使用保留名 {INPUT_VARIABLE}", column=column.title))
        if column.type_ref not in TYPE_REFS:
            problems.append(Problem(f"未知的类型 “{column.type_ref}”：可用 {', '.join(TYPE_REFS)}", column=column.title))
        for value in column.allowed or ():
            if (message := _type_problem(value, column.type_ref)):
                problems.append(Problem(f"可选值 {message}", column=column.title))
    for column in table.outputs:
        if not _KEY.fullmatch(column.expression) or column.expression.startswith("_"):
            problems.append(Problem(f"输出列的名称 “{column.expression}” 必须是变量名（英文字母开头，字母、数字、下划线）",
                                    column=column.title))
        elif column.expression in names:
            problems.append(Problem(f"输出列名称 “{column.expression}” 重复", column=column.title))
        names.add(column.expression)
        if column.type_ref not in TYPE_REFS:
            problems.append(Problem(f"未知的类型 “{column.type_ref}”：可用 {', '.join(TYPE_REFS)}", column=column.title))
    return problems


def _cell_problems(table: Table) -> list[Problem]:
    problems = []
    for row in table.rows:
        for column, cell in zip(table.inputs, row.inputs):
            test = cell_condition(cell)
            if test is not None:
                before = len(problems)
                _compile(problems, test, row=row.number, column=column.title, what=f"条件 “{cell}”")
                domain = cell_domain(cell)
                if len(problems) == before and domain[0] == "values":
                    for _, value in domain[1]:
                        if (message := _type_problem(value, column.type_ref)):
                            problems.append(Problem(message, row.number, column.title))
        for column, cell in zip(table.outputs, row.outputs):
            if not cell:
                problems.append(Problem("输出单元格为空（无值请写 None）", row.number, column.title))
                continue
            before = len(problems)
            _compile(problems, cell, row=row.number, column=column.title, what=f"输出 “{cell}”")
            if len(problems) == before:
                try:
                    value = _literal(cell)
                except LookupError:
                    continue
                if (message := _type_problem(value, column.type_ref)):
                    problems.append(Problem(message, row.number, column.title))
    return problems


def _overlap_problems(table: Table) -> list[Problem]:
    """UNIQUE tables: pairs of rows some input provably satisfies both of."""
    problems = []
    domains = [[cell_domain(c) for c in row.inputs] for row in table.rows]
    for (i, a), (j, b) in itertools.combinations(enumerate(table.rows), 2):
        if all(_domains_meet(x, y) is True for x, y in zip(domains[i], domains[j])):
            problems.append(Problem(f"与第 {b.number} 行重叠：同一组输入会同时命中第 {a.number} 行和第 {b.number} 行"
                                    "（命中策略 UNIQUE 要求至多一行命中；请收窄条件或改用 FIRST）", row=a.number))
    return problems


def _gap_problems(table: Table) -> list[Problem]:
    """UNIQUE/FIRST tables: combinations of declared input values no row can match."""
    declared = [(i, c) for i, c in enumerate(table.inputs) if c.allowed]
    if not declared or not table.rows:
        return []
    total = 1
    for _, column in declared:
        total *= len(column.allowed)
    if total > MAX_COMBINATIONS:
        return []
    domains = [[cell_domain(c) for c in row.inputs] for row in table.rows]
    problems = []
    for combination in itertools.product(*(c.allowed for _, c in declared)):
        if not any(all(_may_accept(d[i], _tagged(v)) for (i, _), v in zip(declared, combination)) for d in domains):
            case = "，".join(f"{c.title} = {v!r}" for (_, c), v in zip(declared, combination))
            problems.append(Problem(f"缺少规则：没有任何一行适用于 {case}"))
    return problems


def problems_of(table: Table) -> list[Problem]:
    """Everything wrong with a table that has been read (see validate)."""
    problems = _column_problems(table) + _cell_problems(table)
    if table.hit_policy == "UNIQUE":
        problems += _overlap_problems(table)
    if table.hit_policy in ("UNIQUE", "FIRST"):
        problems += _gap_problems(table)
    return problems


def validate(data: bytes | str, filename: str = "<upload>") -> list[Problem]:
    """Every problem of a DMN document, [] when it can be deployed: safe XML and the DMN schema, one
    decision with one decision table, a supported hit policy (UNIQUE, FIRST, COLLECT), known typeRefs,
    every expression and cell compiled by the sandbox, literal cells of their column's type, and
    for UNIQUE tables no provably overlapping rows; for UNIQUE/FIRST tables no combination of declared
    input values (inputValues) that no row matches. Problems carry 1-based row numbers."""
    table, problems = _read(data.encode() if isinstance(data, str) else data, filename)
    return problems if table is None else problems + problems_of(table)


def parse_dmn(data: bytes | str, filename: str = "<upload>") -> Table:
    """The table of a DMN document; DecisionRefused (422, fields {"xml": [...]}) with every problem."""
    raw = data.encode() if isinstance(data, str) else data
    table, problems = _read(raw, filename)
    if table is not None:
        problems += problems_of(table)
    if problems:
        raise DecisionRefused(filename, problems)
    return table


@lru_cache(maxsize=128)
def _table_from_xml(xml: str) -> Table:
    return parse_dmn(xml)


def table_of(xml: str) -> Table:
    """A stored (already validated) table, parsed once per content and cached; still re-checked."""
    return _table_from_xml(xml)


# ---------------------------------------------------------------- evaluate

def _run(source: str, namespace: Mapping[str, Any], time_limit: float, where: str):
    try:
        code = sandbox.compile_expression(source, functions=CELL_HELPERS)
        return sandbox.evaluate(code, namespace, time_limit=time_limit)
    except sandbox.SandboxError as exc:
        raise DecisionError(f"{where}：{exc}") from exc


def evaluate(table: Table, inputs: Mapping[str, Any], *, time_limit: float = 1.0) -> Evaluation:
    """Evaluate `table` for `inputs` ({variable: value}; the input expressions are evaluated over
    them). Every expression runs in the sandbox. Raises DecisionError when a cell fails, when no row
    matches a UNIQUE/FIRST table, when several rows match a UNIQUE table, or when an output value is
    not of its column's type. COLLECT with no match gives outputs []."""
    namespace = {**{k: v for k, v in inputs.items() if isinstance(k, str)}, **CELL_HELPERS}
    values = []
    for column in table.inputs:
        values.append(_run(column.expression, namespace, time_limit, f"输入“{column.title}”"))
    matched = []
    for row in table.rows:
        for column, cell, value in zip(table.inputs, row.inputs, values):
            test = cell_condition(cell)
            if test is not None and not _run(test, {**namespace, INPUT_VARIABLE: value}, time_limit,
                                             f"第 {row.number} 行“{column.title}”的条件"):
                break
        else:
            matched.append(row)
            if table.hit_policy == "FIRST":
                break
    if table.hit_policy == "UNIQUE" and len(matched) > 1:
        raise DecisionError(f"决策表“{table.name}”有多行同时命中（第 {'、'.join(str(r.number) for r in matched)} 行），"
                            "命中策略 UNIQUE 只允许一行")
    if not matched and table.hit_policy != "COLLECT":
        given = "，".join(f"{c.title} = {v!r}" for c, v in zip(table.inputs, values))
        raise DecisionError(f"决策表“{table.name}”没有适用的规则（{given}）")
    results = []
    for row in matched:
        result = {}
        for column, cell in zip(table.outputs, row.outputs):
            value = _run(cell, namespace, time_limit, f"第 {row.number} 行输出“{column.title}”")
            if (message := _type_problem(value, column.type_ref)):
                raise DecisionError(f"决策表“{table.name}”第 {row.number} 行输出“{column.title}”：{message}")
            result[column.expression] = value
        results.append(result)
    rows = [r.number for r in matched]
    if table.hit_policy == "COLLECT":
        return Evaluation(results, rows, {})
    return Evaluation(results[0], rows, {name: rows[0] for name in results[0]})


# ---------------------------------------------------------------- compare

def _cells(table: Table, row: Row) -> dict[str, str]:
    cells = {c.title: v or "-" for c, v in zip(table.inputs, row.inputs)}
    cells.update({c.title: v for c, v in zip(table.outputs, row.outputs)})
    return cells


def _column_names(table: Table) -> list[str]:
    """Each column as the summary names it: its label with what it reads (an input's expression) or
    gives (an output's variable name) and its type — a changed expression or name is a change."""
    return ([f"{c.title}［输入 {c.expression}：{c.type_ref}］" for c in table.inputs]
            + [f"{c.title}［输出 {c.expression}：{c.type_ref}］" for c in table.outputs])


def change_summary(old: Table | None, new: Table) -> dict:
    """What changed from `old` to `new` (None: everything is added). Rows are matched by their id
    (the editor keeps it), else by their position. Returns {"hit_policy": [old, new] | None,
    "columns": {"added": [...], "removed": [...]}, "added": [{row, cells}], "removed": [{row, cells}],
    "changed": [{row, old_row, cells: {column: [old, new]}}]} — row numbers 1-based."""
    old_rows = {r.id or f"#{r.number}": r for r in (old.rows if old else ())}
    new_rows = {r.id or f"#{r.number}": r for r in new.rows}
    old_columns = set(_column_names(old)) if old else set()
    new_columns = set(_column_names(new))
    summary = {
        "hit_policy": [old.hit_policy, new.hit_policy] if old and old.hit_policy != new.hit_policy else None,
        "columns": {"added": sorted(new_columns - old_columns), "removed": sorted(old_columns - new_columns)},
        "added": [{"row": r.number, "cells": _cells(new, r)} for key, r in new_rows.items() if key not in old_rows],
        "removed": [{"row": r.number, "cells": _cells(old, r)} for key, r in old_rows.items() if key not in new_rows],
        "changed": [],
    }
    for key, row in new_rows.items():
        before = old_rows.get(key)
        if before is None:
            continue
        a, b = _cells(old, before), _cells(new, row)
        diff = {col: [a.get(col), b.get(col)] for col in dict.fromkeys([*a, *b]) if a.get(col) != b.get(col)}
        if diff:
            summary["changed"].append({"row": row.number, "old_row": before.number, "cells": diff})
    return summary
