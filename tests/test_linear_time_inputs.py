"""No text a user, designer or script supplies makes one C call run for seconds (issue 12, findings
3 and 10: one request must never stall the others). Three regular expressions ran in quadratic or
cubic time on their input, each in one C call that holds the interpreter for every other request:

- stripping blanks from typed text (`clean_text`, every form field before its length is checked):
  `a` + 30,000 spaces + `b` as a case title held the worker 13 s (`/healthz` waited as long);
- reading a DMN range cell (`[` + 1,200 spaces + `..`) held the rules validator 5.6 s (cubic);
- the sandbox's printf-width check on a script's `'%(' * 50000 % {}` ran 9.4 s under a 1 s limit
  — and it read keys unlike CPython, so `'%(a(b)c)99999999d'` hid a 100-million-character width."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from app.auth.service import issue_token
from app.core.extensions import db
from app.core.inputs import clean_text
from app.engine import dmn
from app.engine.sandbox import SandboxError, compile_script, execute
from tests.test_script_limits_http import request, served  # noqa: F401 (fixture)
from app.org.models import User
from tests.support import RECORD

SPACES = 30_000
PADDED = "a" + " " * SPACES + "b"  # 13 s in the old blank-stripping regex on a busy machine


def _fast(call, limit: float = 0.5):
    started = time.perf_counter()
    result = call()
    assert time.perf_counter() - started < limit
    return result


def test_stripping_blanks_is_linear_and_strips_what_it_did():
    assert _fast(lambda: clean_text(PADDED)) == PADDED
    assert _fast(lambda: clean_text(" \u3000\u200b" + PADDED + "\ufeff\u00a0\n ")) == PADDED
    assert _fast(lambda: clean_text("\u2060" + " " * SPACES + "\u200d")) == ""
    assert clean_text("\r\n  甲\r\n乙 \u200b") == "甲\n乙"


@pytest.mark.parametrize("cell", ["[" + " " * 3000 + "..", "[" + " " * 3000 + ".." + " " * 3000,
                                  "[1" + " .." * 3000, "(" + "a.." * 3000])
def test_a_dmn_cell_is_read_in_linear_time(cell):
    _fast(lambda: (dmn.cell_condition(cell), dmn.cell_domain(cell)))


@pytest.mark.parametrize("cell, condition", [
    ("[1..5]", "(1) <= dmn_input <= (5)"), ("( 1 .. 5 )", "(1) < dmn_input < (5)"),
    ("]1..5[", "(1) < dmn_input < (5)"), ("[1..2..3]", "(1) <= dmn_input <= (2..3)"),
    ("[...5]", "(.) <= dmn_input <= (5)"), ("[date(2026,1,1)..date(2027,1,1))", "(date(2026,1,1)) <= dmn_input < (date(2027,1,1))"),
])
def test_dmn_ranges_read_as_before(cell, condition):
    assert dmn.cell_condition(cell) == condition


def test_a_dmn_cell_that_is_no_range_is_not_read_as_one():
    for cell in ("[..]", "[1..]", "[..1]", "[ ..]"):
        assert dmn.cell_condition(cell) == f"dmn_input == ({cell})"


def _run(source: str):
    return execute(compile_script(source), {}, time_limit=1.0)


def test_a_printf_format_full_of_open_keys_stops_at_once():
    with pytest.raises(SandboxError) as refused:
        _fast(lambda: _run("s = '%(' * 50000\nr = s % {}"), limit=1.5)  # 9.4 s under the 1 s limit
    assert "incomplete format key" in str(refused.value)


@pytest.mark.parametrize("source", ["r = '%(a(b)c)99999999d' % {'a(b)c': 1}", "r = '%(a)s%(b(c)d).99999999f' % {'a': 1, 'b(c)d': 1.0}",
                                    "r = b'%(a(b)c)99999999d' % {b'a(b)c': 1}"])
def test_a_width_behind_a_key_with_parentheses_is_checked(source):
    with pytest.raises(SandboxError) as refused:
        _fast(lambda: _run(source))
    assert "格式宽度或精度过大" in str(refused.value)


def test_printf_formats_still_work():
    assert _run("r = '%(a(b)c)5d|%(x)s' % {'a(b)c': 7, 'x': 'y'}")["r"] == "    7|y"
    assert _run("r = '%(k)5d|%%|%(s)-4s|%(f).2f' % {'k': 7, 's': 'ab', 'f': 1.5}")["r"] == "    7|%|ab  |1.50"
    assert _run("r = '%5d %s %.1f' % (3, 'x', 2.25)")["r"] == "    3 x 2.2"


def test_healthz_answers_while_a_padded_title_is_refused(served, ctx):
    token = issue_token(db.session.scalar(select(User).where(User.username == "recorder")))
    db.session.commit()
    title = "a" + " " * 200_000 + "b"  # 200 KB: minutes in the old regex
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(response=request(
        served, "POST", "/api/v1/cases", {"process": "dishonesty_record", "data": {**RECORD, "title": title}}, token)))
    worker.start()
    timings = []
    for _ in range(3):
        begin = time.monotonic()
        assert request(served, "GET", "/healthz") == (200, {"status": "ok"})
        timings.append(time.monotonic() - begin)
    worker.join(120)
    assert max(timings) < 1.0, timings
    status, body = outcome["response"]
    assert status == 422 and "title" in body["error"]["fields"], body
