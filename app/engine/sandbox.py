"""The sandbox every BPMN gateway condition, timer expression and script task runs in.

Designers upload BPMN, so this code is untrusted. Removing builtins alone is not a sandbox
(`().__class__.__base__.__subclasses__()` reaches `os`), so there are four layers:

1. Compile: RestrictedPython with our policy (`_Policy`). Refused: names/attributes starting with "_",
   import, class definitions, `.format`, slice assignment, eval/exec, calls of unknown bare names
   (so a typo fails at deploy time), and constant arithmetic that is already too big (`10**10**10`,
   reported as kind 'compile'). `**`, `*`, `<<`, `+`, `%`, `| & - ^` (and their `x op= y` forms), f-string
   fields, comparisons, set/dict displays, item keys, `except` classes and `[*a, *b]` are rewritten into calls
   of the bounded guards below.
   Lambdas and `def` are allowed (e.g. `sorted(rows, key=lambda r: r['date'])`).
2. Run: a curated builtins dict plus RestrictedPython's guards (getattr, getitem, iter, unpack, write); attribute
   assignment on objects fails. Amplifying operations are bounded: ints <= MAX_INT_BITS (also what int() parses
   and returns, and what +, - and sum() give; int.from_bytes is refused; none of it relies on
   sys.set_int_max_str_digits, which the host may lift), sequences <= MAX_SEQUENCE_LENGTH,
   range() <= MAX_RANGE_LENGTH items, format widths <= MAX_FORMAT_WIDTH, strip() character sets <= MAX_STRIP_CHARS.
   String methods that pad/replace are size-checked; translate/encode are refused.
3. C-level work: one C call can't be interrupted (the tracer below runs between lines, and the call holds the GIL,
   so every other request of the worker waits too). Building a value is cheap, but walking it is not: `a = [a, a]`
   28 times is 28 small lists that a comparison, hash, sort or printer visits 2**28 times. So before any C routine
   walks nested data, the data is measured (`_measure`: slots plus printed characters -- strings by length, ints
   above 64 bits by decimal length since int-to-decimal is quadratic, other atoms one slot --, shared parts
   counted every time they are reached, memoised per object so the walk itself stays small) and refused above
   MAX_DATA_SIZE or deeper than MAX_DEPTH. Measured are: every operand of a comparison (`x in table` only its left
   side: a lookup hashes just that), item keys (`d[k]`, `d[k] = v`), set/dict displays and comprehension keys,
   `| & - ^` operands, what str()/f-strings/`%` print (exceptions through their args, dict views through their dict),
   isinstance()'s and `except`'s classes, the items of sorted/min/max/set/dict and of the container methods that
   search or hash (count, index, remove, sort, get, pop, add, update, union, ...), and the keys a sort/min/max key
   function returns (the items are measured before the key runs on any of them, and the keys as they come, so the
   key stops once their sizes add up past the limit). Bulk hashing (set(), dict(), update, fromkeys, union, ...)
   also refuses more than MAX_HASH_COLLISIONS distinct keys that share a hash (ints and tuples hash predictably:
   `i * (2**61 - 1)` all hash to 0, so inserting n of them in one call costs n**2 comparisons), and so does
   measuring a set/dict. `str`, `set`, `dict`, `int` are bounded stand-ins that still work with isinstance() and
   for attributes (`str.upper`), so `f = str; f(a)` is bounded too. With every walk bounded, the slowest allowed C
   call (sorting ~MAX_DATA_SIZE nested items) takes about 0.1 s; measuring costs about as much as the operation it
   guards, so scripts doing the same search many times in a loop run slower, but within the time limit the
   deadline check stops them between lines. What a script returns or assigns is measured as well (plain data only,
   no cycles), so nothing unbounded is stored.
4. Time and memory: a per-thread tracer (sys.settrace, no signals) checks the deadline on every line, and
   every 2 ms that the process's peak RSS has not grown by more than MAX_MEMORY_GROWTH (many bounded
   allocations in a loop add up). Except/finally blocks and loop bodies re-check first, because CPython
   drops the tracer once it raises and a bare `except:` must not swallow the error.

Evaluation stays in the request's process: the engine evaluates several expressions per step and scripts call
domain actions on the open transaction, so a killable subprocess per evaluation would cost far more than the
step itself. Residual risk: the measures bound the walks CPython makes over the types scripts can reach;
worker processes should still run under OS limits (RLIMIT_AS / CPU) as a last line of defence.
"""
from __future__ import annotations

import ast
import copy
import functools
import math
import operator
import re
import reprlib
import sys
import textwrap
import time
import types
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as dtime
from typing import Any

try:
    import resource
except ImportError:  # Windows: no memory bound, only the per-operation bounds
    resource = None

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.transformer import RestrictingNodeTransformer

from app.core.i18n import reads_english

__all__ = ["SAFE_BUILTIN_NAMES", "CompiledCode", "SandboxError", "compile_expression", "compile_script",
           "evaluate", "execute"]

MAX_INT_BITS = 4096
MAX_SEQUENCE_LENGTH = 100_000
MAX_RANGE_LENGTH = 10_000
MAX_DATA_SIZE = 1_000_000
MAX_FORMAT_WIDTH = 1_000
MAX_ROUND_DIGITS = 100
MAX_SOURCE_LENGTH = 100_000
MAX_DEPTH = 100
MAX_HASH_COLLISIONS = 64
MAX_STRIP_CHARS = 256
MAX_MEMORY_GROWTH = 256 * 2**20  # bytes the process peak RSS may grow during one run
_FILENAME = "<sandbox>"  # every frame of sandboxed code carries it; the tracer keys on it


# A message written "中文（English）": the Chinese and the English of one refusal.
_BILINGUAL = re.compile(r"^(.*\S)（([^（）\u3000-\u9fff\uff00-\uffef]+)）$", re.S)


class SandboxError(ValueError):
    """kind: 'compile' | 'runtime' | 'limit' | 'timeout'. Raised with the Chinese message and its
    `english` — or with "中文（English）", split here; read in the reader's language, never the two
    mixed (issue 20: "…is an invalid variable name…" inside a Chinese message). Outside a request
    (timers, the worker) the default language, Chinese."""

    KINDS = ("compile", "runtime", "limit", "timeout")

    def __init__(self, message: str, kind: str = "runtime", source: str | None = None, lineno: int | None = None,
                 english: str | None = None):
        if kind not in self.KINDS:
            raise ValueError(f"unknown SandboxError kind {kind!r}")
        super().__init__(message)
        self.kind, self.source, self.lineno = kind, source, lineno
        both = None if english else _BILINGUAL.match(message)
        self.chinese, self.english = (both.group(1), both.group(2)) if both else (message, english)

    def __str__(self) -> str:
        return self.english if self.english and reads_english() else self.chinese

    def both(self) -> str:
        """"中文（English）", as it is passed on (and split again) inside the sandbox."""
        return f"{self.chinese}（{self.english}）" if self.english else self.chinese

    def __reduce__(self):  # keep both languages and kind/source/lineno through copy and pickle
        return type(self), (self.args[0], self.kind, self.source, self.lineno, self.english)


@dataclass(frozen=True)
class CompiledCode:
    source: str
    mode: str  # 'eval' or 'exec'
    code: types.CodeType
    called_names: frozenset[str]  # bare names called as functions
    names: frozenset[str]  # every Name read (loads, `x op= ...` and `del x` targets)


# ---------------------------------------------------------------- bounded operations

def _limit(zh: str, en: str) -> SandboxError:
    return SandboxError(f"{zh}（{en}）", "limit")


def _too_large() -> SandboxError:
    return _limit("数值超出允许范围", f"number too large: more than {MAX_INT_BITS} bits")


def _check_len(n: int) -> None:
    if n > MAX_SEQUENCE_LENGTH:
        raise _limit(f"结果过长，超过 {MAX_SEQUENCE_LENGTH} 个元素", f"sequence of {n} items exceeds {MAX_SEQUENCE_LENGTH}")


def _check_widths(values) -> None:
    for v in values:
        if v == "*" or len(v) > 6 or int(v) > MAX_FORMAT_WIDTH:
            raise _limit("格式宽度或精度过大", f"format width/precision {v!r} exceeds {MAX_FORMAT_WIDTH}")


_PLAIN = (type(None), bool, int, float, str, date, dtime, timedelta, list, tuple, dict)
_CONTAINERS = (list, tuple, set, frozenset, dict)
_SEQUENCES = frozenset({list, tuple, set, frozenset})
_TABLES = frozenset({set, frozenset, dict})  # hashed: collisions make every lookup compare
_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_WITH_METHODS = (*_CONTAINERS, *_VIEWS)
_LOOKUPS = (set, frozenset, dict, *_VIEWS)  # `x in c` hashes x only
_ATOMS = frozenset({type(None), bool, int, float, str, bytes, date, dtime, timedelta})
_FLAT_NUMBERS = frozenset({type(None), bool, int, float})
_FLAT = _FLAT_NUMBERS | {str}


def _too_big() -> SandboxError:
    return _limit(f"数据量过大，超过 {MAX_DATA_SIZE} 项/字符", f"value larger than {MAX_DATA_SIZE} items/characters")


def _check_spread(keys, size: int) -> None:
    """Refuse more than MAX_HASH_COLLISIONS distinct keys sharing a hash with another (ints and tuples hash
    predictably, so a designer can craft keys that turn every set/dict lookup into a scan; str hashes are
    salted per process). keys: distinct."""
    if size > MAX_HASH_COLLISIONS and set(map(type, keys)) != {str} and size - len(set(map(hash, keys))) > MAX_HASH_COLLISIONS:
        raise _limit("数据中哈希冲突过多", f"more than {MAX_HASH_COLLISIONS} hash collisions among set/dict keys")


_SHORT_INT = 2 ** 64  # up to 20 digits: printed in constant time, like a float
_LOG10_2 = math.log10(2)


def _int_size(n: int) -> int:
    """Slots an int counts for: one, plus its decimal length (sign included, over-estimated by at most one)
    above 64 bits. Printing an int costs the square of its length (CPython's int-to-decimal conversion is
    quadratic), so 90,000 references to one 4096-bit int are 111 million characters to str(), not 90,000."""
    if -_SHORT_INT < n < _SHORT_INT:
        return 1
    return 1 + int(n.bit_length() * _LOG10_2) + 2  # the slot, the digits, a sign


def _flat_size(items: tuple | list | set | frozenset) -> int | None:
    """Size of a container holding only numbers and strings, computed mostly in C; else None."""
    kinds = set(map(type, items))
    if not kinds <= _FLAT:
        return None
    size = 1 + len(items)
    if int in kinds:
        size += sum([_int_size(x) - 1 for x in items if type(x) is int and not -_SHORT_INT < x < _SHORT_INT])
    if str in kinds:
        size += sum([len(x) for x in items if type(x) is str])
    return size


def _measure(value) -> tuple[int, bool]:
    """(size, is plain data) of value, size as a printer, a comparison or a hash sees it: slots plus
    characters, shared parts counted every time they are reached (memoised per object, so `a = [a, a]`
    forty times costs forty steps). Dict views count as their dict, exceptions as their args.
    Refuses (SandboxError 'limit') sizes above MAX_DATA_SIZE, nesting deeper than MAX_DEPTH, cycles, and
    sets/dicts with more than MAX_HASH_COLLISIONS colliding keys."""
    memo: dict[int, tuple[int, bool] | None] = {}

    def walk(item, depth: int) -> tuple[int, bool]:
        kind = type(item)
        if kind is str or kind is bytes:
            return 1 + len(item), kind is str
        if kind is int:
            return _int_size(item), True
        if kind in _ATOMS:
            return 1, True
        if kind is dict:
            children, plain = (*item, *item.values()), True
        elif kind in _SEQUENCES:
            children, plain = item, kind is list or kind is tuple
        elif isinstance(item, _VIEWS):  # d.values() prints and compares its dict's contents
            children, plain = (*item.mapping, *item.mapping.values()), False
        elif isinstance(item, BaseException):
            children, plain = item.args, False  # str(exc) prints its args
        elif isinstance(item, slice):
            children, plain = (item.start, item.stop, item.step), False  # hashed as a dict key
        else:
            return 1, isinstance(item, _PLAIN)
        key = id(item)  # stable: everything walked stays reachable from value
        if key in memo:
            if memo[key] is None:
                raise _limit("数据包含循环引用", "value contains a reference cycle")
            return memo[key]
        if depth > MAX_DEPTH:
            raise _limit(f"数据嵌套过深，超过 {MAX_DEPTH} 层", f"value nested deeper than {MAX_DEPTH} levels")
        memo[key] = None
        if kind in _TABLES:
            _check_spread(item, len(item))
        elif isinstance(item, _VIEWS):
            _check_spread(item.mapping, len(item.mapping))
        size = _flat_size(children) if kind is dict or kind in _SEQUENCES else None
        if size is None:
            size = 1
            for child in children:
                child_size, child_plain = walk(child, depth + 1)
                size, plain = size + child_size, plain and child_plain
                if size > MAX_DATA_SIZE:
                    raise _too_big()
        if size > MAX_DATA_SIZE:
            raise _too_big()
        memo[key] = size, plain
        return size, plain

    size, plain = walk(value, 0)
    if size > MAX_DATA_SIZE:  # a lone string
        raise _too_big()
    return size, plain


def _checked(value):
    """value, once _measure accepts it: the operand of a comparison, a hash or a printer (all of which walk
    nested data in C, where neither the deadline nor another thread can interrupt them)."""
    if type(value) not in _ATOMS:
        _measure(value)
    return value


def _checked_items(iterable) -> list:
    """The items of iterable as a list, measured together: what a C function will sort, compare or hash."""
    items = list(iterable)
    _measure(items)
    return items


def _no_overflow(op, a, b):
    try:
        return op(a, b)
    except OverflowError:
        raise _too_large() from None


def _bounded_pow(a, b, op=operator.pow):
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if b > MAX_INT_BITS or b * math.log2(abs(a)) > MAX_INT_BITS:
            raise _too_large()
    return _no_overflow(op, a, b)  # float overflow raises OverflowError


def _check_repeat(seq, n: int) -> None:
    if n > 0 and len(seq):
        _check_len(len(seq) * n)
        if isinstance(seq, (list, tuple)) and _measure(seq)[0] * n > MAX_DATA_SIZE:  # [[0]*10**5]*10**5
            raise _limit(f"数据量过大，超过 {MAX_DATA_SIZE} 项/字符", f"repeating data exceeds {MAX_DATA_SIZE} items/characters")


_SEQ = (str, bytes, list, tuple)


def _bounded_mul(a, b, op=operator.mul):
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise _too_large()
    elif isinstance(a, _SEQ) and isinstance(b, int):
        _check_repeat(a, b)
    elif isinstance(b, _SEQ) and isinstance(a, int):
        _check_repeat(b, a)
    return _no_overflow(op, a, b)


def _bounded_lshift(a, b, op=operator.lshift):
    if isinstance(a, int) and isinstance(b, int) and a and b > 0 and a.bit_length() + b > MAX_INT_BITS:
        raise _too_large()
    return _no_overflow(op, a, b)


def _bounded_int(value):
    """value, refused if it is an int beyond MAX_INT_BITS (+, -, sum() add a bit at a time: `x = x + x`)."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _too_large()
    return value


def _bounded_add(a, b, op=operator.add):
    if isinstance(a, int) and isinstance(b, int):
        return _bounded_int(op(a, b))
    if isinstance(a, _SEQ):
        if op is operator.iadd and isinstance(a, list) and not hasattr(b, "__len__"):
            b = list(b)  # `items += generator`
        if hasattr(b, "__len__"):
            _check_len(len(a) + len(b))
    return op(a, b)


_PRINTF_SPEC = re.compile(r"[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")  # flags, width, precision
_PARENS = re.compile(r"[()]")


def _printf_widths(text: str):
    """The width and precision of each printf-style conversion in `text`, read as CPython reads them
    (a mapping key in parentheses may nest them: '%(a(b)c)9d'), in linear time. Raises ValueError
    for a key left open, as `%` itself would. (A regex retried `%(` + a key scan at every `%(`:
    `'%(' * 50000 % {}` took 9.4 s in one C call, and it ended a key at its first `)`, so the width
    behind `'%(a(b)c)99999999d'` went unchecked.)"""
    i = text.find("%")
    while i >= 0:
        i += 1
        if text.startswith("(", i):
            depth = 1
            for paren in _PARENS.finditer(text, i + 1):
                depth += 1 if paren.group() == "(" else -1
                if not depth:
                    i = paren.end()
                    break
            else:
                raise ValueError("incomplete format key")
        spec = _PRINTF_SPEC.match(text, i)
        yield from (g for g in spec.groups() if g)
        i = text.find("%", spec.end() + 1)  # after the conversion character ('%%' included)


def _bounded_mod(a, b, op=operator.mod):
    if isinstance(a, (str, bytes)):  # printf-style formatting: '%999999999d' % 1
        _check_widths(_printf_widths(a.decode("latin-1") if isinstance(a, bytes) else a))
        _measure(b)
    return op(a, b)


_CONVERSIONS = {-1: lambda v: v, ord("s"): str, ord("r"): repr, ord("a"): ascii}


def _format(value, conversion: int, spec: str) -> str:
    """One f-string field: f'{value!conversion:spec}'."""
    _measure(value)
    value = _CONVERSIONS[conversion](value)
    if not isinstance(value, (date, dtime)):  # date specs are strftime patterns; CPython bounds those
        _check_widths(re.findall(r"\d+", spec))
    return format(value, spec)


def _checked_len(value):
    _check_len(len(value))
    return value


def _safe_range(*args) -> range:
    r = range(*args)
    try:
        n = len(r)
    except OverflowError:
        n = sys.maxsize
    if n > MAX_RANGE_LENGTH:
        raise _limit(f"range 范围过大，最多 {MAX_RANGE_LENGTH} 项", f"range of {n} items exceeds {MAX_RANGE_LENGTH}")
    return r


def _safe_round(number, ndigits=None):
    if isinstance(ndigits, int) and abs(ndigits) > MAX_ROUND_DIGITS:  # round(5, -10**9) computes 10**10**9
        raise _limit("round 的位数过大", f"ndigits beyond ±{MAX_ROUND_DIGITS}")
    return round(number, ndigits)


def _safe_sum(iterable, /, start=0):
    if isinstance(start, (list, tuple)):  # sum(lists, []) concatenates
        iterable = list(iterable)
        _check_len(len(start) + sum(len(x) for x in iterable if isinstance(x, (list, tuple))))
    return _bounded_int(sum(iterable, start))


def _bounded_setop(a, b, op):
    """a | b, a & b, a - b, a ^ b: on sets, dicts and dict views these hash or look up every item."""
    if type(a) not in _ATOMS or type(b) not in _ATOMS:
        _checked(a), _checked(b)
    return _bounded_int(op(a, b))


def _new_keys(keys: list) -> list:
    """keys (a list, repeats allowed) about to be hashed into one set or dict by a single C call: measured,
    and refused if more than MAX_HASH_COLLISIONS distinct keys share a hash (each would be compared with
    all the others). Duplicates are cheap and allowed."""
    _measure(keys)
    try:
        hashes = list(map(hash, keys))
    except TypeError:
        return keys  # unhashable: the operation itself reports it
    if len(set(hashes)) == len(hashes):
        return keys
    groups: dict[int, list] = {}
    for h, key in zip(hashes, keys):
        groups.setdefault(h, []).append(key)
    collisions = 0
    for group in groups.values():
        distinct: set = set()  # never more than MAX_HASH_COLLISIONS + 1 members, so each add compares few
        for key in group:
            distinct.add(key)
            if collisions + len(distinct) - 1 > MAX_HASH_COLLISIONS:
                raise _limit("数据中哈希冲突过多", f"more than {MAX_HASH_COLLISIONS} hash collisions among set/dict keys")
        collisions += len(distinct) - 1
    return keys


def _make_set(items=()):
    """set(iterable) and set displays `{a, b, *c}`: the items are measured before C hashes them."""
    return set(_new_keys(list(items)))


_SPREAD = object()  # marks `**mapping` in a rewritten dict display


def _make_dict(*args, **kwargs):
    """dict(...) and dict displays `{k: v, **m}` (rewritten as _make_dict_(_spread_, ((k, v), (_spread_, m))))."""
    if args and args[0] is _SPREAD:
        _new_keys([key for key, _ in args[1] if key is not _SPREAD])
        result = {}
        for key, value in args[1]:
            if key is _SPREAD:
                result.update(_make_dict(value))
            else:
                result[key] = value
        return result
    if len(args) == 1 and not isinstance(args[0], Mapping):
        pairs = list(args[0])
        _new_keys([pair[0] for pair in pairs if isinstance(pair, (list, tuple)) and len(pair) == 2])
        args = (pairs,)
    elif args:
        _checked(args[0])
    return dict(*args, **kwargs)


def _keyed(items: list, key) -> list:
    """The sort/min/max keys of items (already measured), measured as they come: a key function may return big
    distinct values, so the keys are refused as soon as their sizes add up past MAX_DATA_SIZE rather than after
    the key has run on every item. Each call of a builtin key (str, sorted, ...) costs at most its item's
    measure; a script's own key function runs under the tracer, which checks the deadline."""
    if key is None:
        return items
    keys, size = [], 1
    for item in items:
        value = key(item)
        size += _measure(value)[0]
        if size > MAX_DATA_SIZE:
            raise _too_big()
        keys.append(value)
    return keys


def _safe_sorted(iterable, /, *, key=None, reverse=False) -> list:
    items = _checked_items(iterable)
    keys = _keyed(items, key)
    return [items[i] for i in sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)]


def _extreme(pick):
    def bounded(*args, key=None, **kwargs):
        items = _checked_items(args[0] if len(args) == 1 else args)
        if not items and "default" in kwargs:
            return kwargs["default"]
        keys = _keyed(items, key)
        return items[pick(range(len(items)), key=keys.__getitem__)]

    bounded.__name__ = pick.__name__
    return bounded


def _safe_isinstance(obj, classinfo) -> bool:
    return isinstance(obj, _checked(classinfo))  # nested tuples of types are walked recursively


# Longest text int() parses: MAX_INT_BITS binary digits with an underscore between each pair, plus spaces and
# a prefix. Decimal parsing is quadratic; the bound holds even if the host lifts sys.set_int_max_str_digits.
_MAX_INT_TEXT = 2 * MAX_INT_BITS + 16


def _safe_int(*args, **kwargs) -> int:
    text = args[0] if args else kwargs.get("x")
    if isinstance(text, (str, bytes, bytearray)) and len(text) > _MAX_INT_TEXT:
        raise _too_large()
    value = int(*args, **kwargs)
    if value.bit_length() > MAX_INT_BITS:  # int('f' * 10**5, 16): later // and % would be quadratic
        raise _too_large()
    return value


class _GuardedType(type):
    """A builtin type as scripts see it: isinstance() and attributes are the type's, a call is bounded."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.real)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.real)

    def __call__(cls, *args, **kwargs):
        return cls.construct(*args, **kwargs)

    def __getattr__(cls, name):
        return getattr(cls.real, name)


def _guarded_type(real: type, construct) -> type:
    return _GuardedType(real.__name__, (), {"real": real, "construct": staticmethod(construct)})


def _safe_str(*args, **kwargs) -> str:
    if args:
        _checked(args[0])
    return str(*args, **kwargs)


def _pad_size(s, width, *_):
    return max(len(s), width)


# Result size of the str/bytes (and int) methods that can amplify their input.
_TEXT_SIZE = {
    "ljust": _pad_size, "rjust": _pad_size, "center": _pad_size, "zfill": _pad_size,
    "expandtabs": lambda s, tabsize=8: len(s) + s.count(b"\t" if isinstance(s, bytes) else "\t") * max(tabsize, 0),
    "replace": lambda s, old, new, count=-1:
        len(s) + (s.count(old) if count < 0 else min(count, s.count(old))) * max(len(new) - len(old), 0),
}
_INT_SIZE = {"to_bytes": lambda n, length=1, *_, **__: length}
_REFUSED = frozenset({"translate", "encode"})  # output size not predictable from the arguments
_STRIP = frozenset({"strip", "lstrip", "rstrip"})  # each character is searched for in chars: len(s) * len(chars)
# Container methods that compare or hash their arguments in C; "*" also walks the container itself.
# "walk": the method also walks the container itself; "keys": it hashes every item of its iterable arguments.
_TRAVERSING = {"count": "walk", "index": "walk", "remove": "walk", "sort": "walk", "get": "", "pop": "",
               "setdefault": "", "add": "", "discard": "", **dict.fromkeys(
                   ("fromkeys", "update", "union", "intersection", "difference", "symmetric_difference",
                    "intersection_update", "difference_update", "symmetric_difference_update", "issubset",
                    "issuperset", "isdisjoint"), "keys")}
_UNBOUND = (frozenset(_TEXT_SIZE) | frozenset(_INT_SIZE) | _REFUSED | frozenset(_TRAVERSING)
            | {"join", "extend", "from_bytes"})


def _refused_method(name: str) -> SandboxError:
    return _limit(f"不允许使用可能产生超大数据的方法 {name}", f"method {name!r} is not allowed")


def _traversing(obj, name: str, method):
    """method of a list/tuple/set/dict/view with its arguments (and for "*" names the container) measured
    first; iterators among the arguments are read into lists so that what C hashes is what was measured."""
    def bounded(*args, **kwargs):
        if name == "sort":
            obj[:] = _safe_sorted(obj, **kwargs)
            return None
        if name == "update" and isinstance(obj, dict):
            return method(_make_dict(*args, **kwargs))
        args = tuple(a if type(a) in _ATOMS or isinstance(a, _WITH_METHODS) else list(a) for a in args)
        for arg in (*args, *kwargs.values()):
            if _TRAVERSING[name] == "keys" and isinstance(arg, (list, tuple)):
                _new_keys(arg)
            else:
                _checked(arg)
        if _TRAVERSING[name] == "walk":
            _checked(obj)
        return method(*args, **kwargs)
    return bounded


def _guarded_getattr(obj, name: str):
    """safer_getattr (no "_" names, no str.format) plus size bounds on amplifying methods."""
    text = isinstance(obj, (str, bytes))
    if (name in _REFUSED and text or isinstance(obj, type) and name in _UNBOUND  # str.ljust(s, n) skips bounds
            or name == "from_bytes"):  # int.from_bytes(10**6 bytes): an int beyond MAX_INT_BITS
        raise _refused_method(name)
    method = safer_getattr_raise(obj, name)
    size_of = _TEXT_SIZE.get(name) if text else _INT_SIZE.get(name) if isinstance(obj, int) else None
    if size_of is not None:
        def bounded(*args, **kwargs):
            try:
                size = size_of(obj, *args, **kwargs)
            except TypeError:
                size = 0  # bad arguments: let the method itself report them
            _check_len(size)
            return method(*args, **kwargs)
        return bounded
    if name in _TRAVERSING and isinstance(obj, _WITH_METHODS):
        return _traversing(obj, name, method)
    if name in _STRIP and text:
        def strip(chars=None):
            if chars is not None and len(chars) > MAX_STRIP_CHARS:
                raise _limit(f"{name} 的字符集过长，最多 {MAX_STRIP_CHARS} 个", f"{name}() chars longer than {MAX_STRIP_CHARS}")
            return method(chars)
        return strip
    if name == "join" and text:
        def join(iterable):
            items = list(iterable)
            _check_len(len(obj) * max(len(items) - 1, 0) + sum(len(i) for i in items if isinstance(i, (str, bytes))))
            return method(items)
        return join
    if name == "extend" and isinstance(obj, list):
        def extend(iterable):
            items = list(iterable)
            _check_len(len(obj) + len(items))
            return method(items)
        return extend
    return method


_INPLACE = {
    "+=": functools.partial(_bounded_add, op=operator.iadd), "*=": functools.partial(_bounded_mul, op=operator.imul),
    "**=": functools.partial(_bounded_pow, op=operator.ipow), "<<=": functools.partial(_bounded_lshift, op=operator.ilshift),
    "%=": functools.partial(_bounded_mod, op=operator.imod), "-=": functools.partial(_bounded_setop, op=operator.isub),
    "/=": operator.itruediv, "//=": operator.ifloordiv, ">>=": operator.irshift,
    "&=": functools.partial(_bounded_setop, op=operator.iand), "|=": functools.partial(_bounded_setop, op=operator.ior),
    "^=": functools.partial(_bounded_setop, op=operator.ixor), "@=": operator.imatmul,
}


class _NoPrint:
    """RestrictedPython turns print(...) into _print._call_print(...) and `printed` into _print()."""

    def __init__(self, _getattr_=None):
        pass

    def _call_print(self, *args, **kwargs):
        pass  # output is dropped

    def __call__(self):
        return ""


_BUILTINS = {
    "True": True, "False": False, "None": None,
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": _guarded_type(dict, _make_dict), "enumerate": enumerate,
    "float": float, "int": _guarded_type(int, _safe_int), "isinstance": _safe_isinstance, "len": len, "list": list,
    "max": _extreme(max), "min": _extreme(min), "round": _safe_round, "set": _guarded_type(set, _make_set),
    "sorted": _safe_sorted, "str": _guarded_type(str, _safe_str), "sum": _safe_sum, "tuple": tuple, "zip": zip,
    "range": _safe_range,
    **{e.__name__: e for e in (Exception, ArithmeticError, LookupError, ValueError, TypeError, KeyError,
                               IndexError, ZeroDivisionError)},
}
SAFE_BUILTIN_NAMES: frozenset[str] = frozenset(_BUILTINS) | {"print"}  # print is a no-op

_GUARDS = {
    "_getattr_": _guarded_getattr, "_getitem_": lambda obj, key: obj[key if type(key) in _ATOMS else _checked(key)], "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,  # dict/list items writable; any other object gets a read-only proxy
    "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y), "_apply_": lambda f, *a, **k: f(*a, **k),
    "_print_": _NoPrint, "_print": _NoPrint(), "_format_": _format, "_checked_len_": _checked_len,
    "_bounded_pow_": _bounded_pow, "_bounded_mul_": _bounded_mul, "_bounded_lshift_": _bounded_lshift,
    "_bounded_add_": _bounded_add, "_bounded_mod_": _bounded_mod,
    "_bounded_or_": functools.partial(_bounded_setop, op=operator.or_),
    "_bounded_and_": functools.partial(_bounded_setop, op=operator.and_),
    "_bounded_xor_": functools.partial(_bounded_setop, op=operator.xor),
    "_bounded_sub_": functools.partial(_bounded_setop, op=operator.sub),
    "_checked_": _checked, "_checked_member_": lambda c: c if isinstance(c, _LOOKUPS) else _checked(c),
    "_make_set_": _make_set, "_make_dict_": _make_dict, "_spread_": _SPREAD,
}
_BINOPS = {ast.Pow: "_bounded_pow_", ast.Mult: "_bounded_mul_", ast.LShift: "_bounded_lshift_",
           ast.Add: "_bounded_add_", ast.Mod: "_bounded_mod_", ast.BitOr: "_bounded_or_", ast.BitAnd: "_bounded_and_",
           ast.BitXor: "_bounded_xor_", ast.Sub: "_bounded_sub_"}


# ---------------------------------------------------------------- compile

_NOT_CONST = object()


def _fold(node):
    """Value of constant arithmetic, computed with the bounded guards (so too-big raises), else _NOT_CONST."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):  # '%*d' % (10**9, 1)
        values = tuple(_fold(e) for e in node.elts)
        return _NOT_CONST if any(v is _NOT_CONST for v in values) else values
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _fold(node.operand)
        if isinstance(value, (int, float)):
            return -value if isinstance(node.op, ast.USub) else value
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _fold(node.left), _fold(node.right)
        if left is not _NOT_CONST and right is not _NOT_CONST:
            try:
                return _GUARDS[_BINOPS[type(node.op)]](left, right)
            except SandboxError:
                raise
            except Exception:
                pass  # e.g. 'a' + 1: left for run time to report
    return _NOT_CONST


def _literal(node) -> bool:
    """A constant or a display of constants: bounded by the source, nothing to measure at run time."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_literal(e) for e in node.elts)
    return isinstance(node, ast.Constant)


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


class _Policy(RestrictingNodeTransformer):
    # New nodes are created after RestrictedPython has checked the children, so its "_" name check never
    # sees our guard names; locations are filled in once at the root.
    def visit_Module(self, node):
        return ast.fix_missing_locations(super().visit_Module(node))

    def visit_Expression(self, node):
        return ast.fix_missing_locations(super().visit_Expression(node))

    def visit_Import(self, node):
        self.error(node, "不允许导入模块（import statements are not allowed）")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node):
        self.error(node, "不允许定义类（class definitions are not allowed）")

    def visit_Attribute(self, node):
        if node.attr in ("format", "format_map"):  # '{0.__class__}'.format(x) walks attributes unguarded
            self.error(node, "不允许使用 format 方法，请使用 f-string（str.format is not allowed）")
        return super().visit_Attribute(node)

    def visit_Subscript(self, node):
        if isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Slice):  # x[:0] = x doubles x
            self.error(node, "不允许切片赋值（slice assignment is not allowed）")
        node = super().visit_Subscript(node)
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, (ast.Slice, ast.Constant)):
            node.slice = _call("_checked_", node.slice)  # d[key] = v hashes key (loads go through _getitem_)
        return node

    def visit_Compare(self, node):
        # Comparisons walk nested data in C: every operand is measured first (`x in table` only hashes x).
        node = super().visit_Compare(node)
        if all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            return node
        operands = [node.left, *node.comparators]
        for i, operand in enumerate(operands):
            if not _literal(operand):
                member = i == len(operands) - 1 and isinstance(node.ops[-1], (ast.In, ast.NotIn))
                operands[i] = _call("_checked_member_" if member else "_checked_", operand)
        node.left, node.comparators = operands[0], operands[1:]
        return node

    def visit_Set(self, node):
        node = self._starred_display(super().visit_Set(node))
        if isinstance(node, ast.Set) and not _literal(node):
            return _call("_make_set_", ast.Tuple(node.elts, ast.Load()))  # items measured before hashing
        return node

    def visit_Dict(self, node):
        node = super().visit_Dict(node)
        if all(k is not None and _literal(k) for k in node.keys):
            return node
        pairs = [ast.Tuple([k if k is not None else ast.Name("_spread_", ast.Load()), v], ast.Load())
                 for k, v in zip(node.keys, node.values)]
        return _call("_make_dict_", ast.Name("_spread_", ast.Load()), ast.Tuple(pairs, ast.Load()))

    def visit_SetComp(self, node):
        node = super().visit_SetComp(node)
        node.elt = _call("_checked_", node.elt)
        return node

    def visit_DictComp(self, node):
        node = super().visit_DictComp(node)
        node.key = _call("_checked_", node.key)
        return node

    def visit_ExceptHandler(self, node):
        node = super().visit_ExceptHandler(node)
        if node.type is not None:
            node.type = _call("_checked_", node.type)  # `except nested_tuple:` is matched recursively in C
        return node

    def visit_BinOp(self, node):
        guard = _BINOPS.get(type(node.op))
        if guard:
            try:
                _fold(node)
            except SandboxError as exc:
                self.error(node, exc.both())
        node = super().visit_BinOp(node)
        return _call(guard, node.left, node.right) if guard else node

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        spec = node.format_spec or ast.Constant("")
        return ast.FormattedValue(_call("_format_", node.value, ast.Constant(node.conversion), spec), -1, None)

    def _starred_display(self, node):
        if isinstance(getattr(node, "ctx", ast.Load()), ast.Load) and any(isinstance(e, ast.Starred) for e in node.elts):
            return _call("_checked_len_", node)  # [*a, *a]
        return node

    def visit_List(self, node):
        return self._starred_display(super().visit_List(node))

    def visit_Tuple(self, node):
        return self._starred_display(super().visit_Tuple(node))

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, ast.Expr(_call("_check_deadline_")))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, ast.Expr(_call("_check_deadline_")))
        return node

    def visit_Try(self, node):
        node = super().visit_Try(node)
        for body in [h.body for h in node.handlers] + ([node.finalbody] if node.finalbody else []):
            body.insert(0, ast.Expr(_call("_check_deadline_")))
        return node


# RestrictedPython reports "Line N: <English>"; we add the Chinese in front.
_RP_MESSAGES = [
    (r'"(.+?)" is an invalid variable name because it starts with "_"', '{what}不允许使用以下划线开头的名称 "{0}"'),
    (r'"(.+?)" is an invalid attribute name because it starts with "_"', '{what}不允许访问以下划线开头的属性 "{0}"'),
    (r'"(.+?)" is a (?:restricted|reserved) name', '{what}不允许使用受限名称 "{0}"'),
    (r"(?:Exec|Eval) calls are not allowed", "{what}不允许调用 exec/eval"),
    (r"Augmented assignment of object items", "{what}不支持对元素使用 +=，请写成 d[k] = d[k] + 1"),
    (r"(\w+) statements are not allowed", "{what}不允许使用 {0} 语法"),
    (r"", "{what}包含不允许的代码"),
]


def _compile_error(raw: str, what: str, source: str) -> SandboxError:
    m = re.match(r"Line (\d+): (.*)", raw, re.S)
    lineno, msg = (int(m[1]), m[2]) if m else (None, raw)
    if _BILINGUAL.match(msg):  # our own policy messages say both
        return SandboxError(msg, "compile", source, lineno)
    # RestrictedPython's own message is the English; the Chinese is ours
    zh = next(zh.format(*found.groups(), what=what) for pattern, zh in _RP_MESSAGES if (found := re.search(pattern, msg)))
    return SandboxError(zh, "compile", source, lineno, english=msg)


def _analyse(tree: ast.AST):
    reads, bound, calls = set(), set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            reads.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.append(node.func)
    return reads, bound, calls


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str, functions: frozenset[str]) -> CompiledCode:
    what = "表达式" if mode == "eval" else "脚本"
    text = source.strip() if mode == "eval" else textwrap.dedent(source)  # BPMN XML indents code
    if mode == "eval" and not text:
        raise SandboxError("表达式为空（empty expression）", "compile", source)
    if len(text) > MAX_SOURCE_LENGTH:
        raise SandboxError(f"{what}过长（{_WHAT_EN[what]} longer than {MAX_SOURCE_LENGTH} characters）", "compile", source)
    try:
        tree = ast.parse(text, _FILENAME, mode)
        reads, bound, calls = _analyse(tree)  # before the policy rewrites the tree
        result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(tree, _FILENAME, policy=_Policy)
    except SyntaxError as exc:
        where = f"第 {exc.lineno} 行" if mode == "exec" and exc.lineno else ""
        where_en = f" on line {exc.lineno}" if where else ""
        raise SandboxError(f"{what}{where}语法错误（{_WHAT_EN[what]} syntax error{where_en}: {exc.msg}）", "compile", source,
                           exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise SandboxError(f"{what}无法编译（{_WHAT_EN[what]} cannot be compiled: {type(exc).__name__}: {exc}）", "compile",
                           source) from None
    if result.errors:
        raise _compile_error(result.errors[0], what, source)
    allowed = functions | SAFE_BUILTIN_NAMES | bound
    unknown = sorted((c for c in calls if c.id not in allowed), key=lambda c: (c.lineno, c.col_offset))
    if unknown:
        name = unknown[0].id
        raise SandboxError(f'未知函数 {name}（unknown function "{name}"）', "compile", source, unknown[0].lineno)
    return CompiledCode(source, mode, result.code, frozenset(c.id for c in calls), frozenset(reads))


def compile_expression(source: str, *, functions: Collection[str] = ()) -> CompiledCode:
    """Compile a gateway condition or timer expression; SandboxError(kind='compile') if refused."""
    return _compile("" if source is None else source, "eval", frozenset(functions))


def compile_script(source: str, *, functions: Collection[str] = ()) -> CompiledCode:
    """Compile a script task; SandboxError(kind='compile') if refused. An empty script is a no-op."""
    return _compile("" if source is None else source, "exec", frozenset(functions))


# ---------------------------------------------------------------- run

_WHAT_EN = {"表达式": "expression", "脚本": "script"}
_RUNTIME_ZH = {AssertionError: "断言不成立", ZeroDivisionError: "除数不能为零", KeyError: "键不存在", IndexError: "索引超出范围",
               AttributeError: "属性不存在或不允许访问", TypeError: "类型不匹配", RecursionError: "递归层数过深",
               MemoryError: "内存不足", OverflowError: "数值溢出", ValueError: "取值无效",
               NotImplementedError: "不支持的操作"}


def _lineno(tb) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _runtime_error(exc: Exception, code: CompiledCode, what: str) -> SandboxError:
    lineno = _lineno(exc.__traceback__) if code.mode == "exec" else None
    # reprlib: a KeyError's key (or any argument) may be huge; the message must stay one short line
    detail = ", ".join(a if isinstance(a, str) and not isinstance(exc, KeyError) else reprlib.repr(a) for a in exc.args)
    detail = " ".join(detail.split())[:300]
    if isinstance(exc, NameError) and getattr(exc, "name", None):
        zh = f'未定义的变量或函数 "{exc.name}"'
    else:
        zh = next((text for cls, text in _RUNTIME_ZH.items() if isinstance(exc, cls)), "")
        if zh and isinstance(exc, (KeyError, IndexError)) and detail:
            zh += f"：{detail}"  # the key or index is data, the same in either language
        elif not zh:  # an error we have no words for (a helper's own): its type and text are all there is
            zh = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    where = f"{what}第 {lineno} 行" if lineno else what
    where_en = _WHAT_EN[what] + (f" line {lineno}" if lineno else "")
    zh = f"：{zh}" if zh else ""
    return SandboxError(f"{where}运行出错{zh}", "runtime", code.source, lineno,
                        english=f"{where_en} failed: {type(exc).__name__}: {detail}")


def _peak_rss() -> int:
    if resource is None:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def _run(code: CompiledCode, namespace: Mapping[str, Any], time_limit: float, finish):
    if not time_limit > 0:
        raise ValueError("time_limit must be positive")
    what = "表达式" if code.mode == "eval" else "脚本"
    globs, memo = {}, {}
    for name in code.names:  # only what the code reads, deep-copied so the caller's data is never mutated
        if name in namespace and not name.startswith("_"):
            value = namespace[name]
            if isinstance(value, (list, dict, set, tuple)):
                try:
                    value = copy.deepcopy(value, memo)
                except Exception:
                    pass
            globs[name] = value
    deadline = time.monotonic() + time_limit
    memory_base, next_memory_check = _peak_rss(), 0.0

    def check_deadline():
        # Every operation is bounded, but many of them in a loop (`[[0]*10**5 for i in range(10**4)]`) can
        # allocate gigabytes within the time limit, so the process's peak RSS is watched as well. It never
        # decreases, so once exceeded every later check fails too and the script cannot swallow it.
        nonlocal next_memory_check
        now = time.monotonic()
        if now > deadline:
            raise SandboxError(f"{what}运行超时，超过 {time_limit:g} 秒（{_WHAT_EN[what]}: time limit of {time_limit:g} s exceeded）",
                               "timeout", code.source)
        if now >= next_memory_check:
            next_memory_check = now + 0.002
            if _peak_rss() - memory_base > MAX_MEMORY_GROWTH:
                raise _limit(f"{what}占用内存过多", f"memory grew by more than {MAX_MEMORY_GROWTH >> 20} MB")

    def trace_line(frame, event, arg):
        if event == "line":
            check_deadline()
        return trace_line

    def trace_call(frame, event, arg):
        if frame.f_code.co_filename != _FILENAME:
            return None  # helpers and guards run untraced
        check_deadline()
        return trace_line

    globs.update(_GUARDS, __builtins__=dict(_BUILTINS), _check_deadline_=check_deadline)
    previous = sys.gettrace()
    sys.settrace(trace_call)
    try:
        return finish(eval(code.code, globs), globs)  # eval of exec-mode code runs it and returns None
    except SandboxError as exc:  # ours or a helper's: passed through, just located
        if exc.source is None:
            exc.source = code.source
        if exc.lineno is None and code.mode == "exec":
            exc.lineno = _lineno(exc.__traceback__)
        raise
    except Exception as exc:
        if getattr(type(exc), "sandbox_passthrough", False):
            raise  # a domain action's own validation error
        raise _runtime_error(exc, code, what) from exc
    finally:
        sys.settrace(previous)


def evaluate(code: CompiledCode, namespace: Mapping[str, Any], *, time_limit: float = 1.0) -> Any:
    """Value of a compiled expression in namespace (task data plus helpers); namespace is not mutated."""
    if code.mode != "eval":
        raise ValueError("evaluate() needs code from compile_expression()")

    def finish(value, globs):
        if isinstance(value, types.GeneratorType) or getattr(getattr(value, "__code__", None), "co_filename", None) == _FILENAME:
            raise SandboxError("表达式的结果不能是函数或生成器（expression returned a function or generator）")
        _measure(value)  # the caller will store or serialise it
        return value

    return _run(code, namespace, time_limit, finish)


def execute(code: CompiledCode, namespace: dict[str, Any], *, time_limit: float = 1.0) -> dict[str, Any]:
    """Run a compiled script on a copy of namespace; return the plain-data variables it created or changed
    (no "_" names, callables, modules or other objects). Deleting a variable is not reported."""
    if code.mode != "exec":
        raise ValueError("execute() needs code from compile_script()")

    def finish(_, globs):
        changed = {}
        for name, value in globs.items():
            if name.startswith("_") or name in namespace and _same(value, namespace[name]):
                continue
            try:
                plain = _measure(value)[1]  # the caller will store and serialise it
            except SandboxError as exc:
                raise SandboxError(f'脚本变量 "{name}" 无法保存：{exc.chinese}', "limit", english=(
                    f'script variable "{name}" cannot be stored: {exc.english}' if exc.english else None)) from None
            if plain:
                changed[name] = value
        return changed

    return _run(code, namespace, time_limit, finish)


def _same(a, b) -> bool:
    # Unguarded: b is task data (a tree from JSON, or a script's output already measured), and a comparison
    # walks both values in step, so it stops within b's size whatever a is.
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False
