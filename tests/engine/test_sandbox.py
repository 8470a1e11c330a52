"""The BPMN sandbox, exercised with real RestrictedPython (no mocks)."""
import pickle
import sys
import threading
import time
import types

import pytest
from flask_babel import force_locale

from app.engine import sandbox
from app.engine.sandbox import SandboxError, compile_expression, compile_script, evaluate, execute


def run_expr(source, namespace=None, functions=(), **kw):
    return evaluate(compile_expression(source, functions=functions), namespace or {}, **kw)


def run_script(source, namespace=None, functions=(), **kw):
    return execute(compile_script(source, functions=functions), dict(namespace or {}), **kw)


def refused(kind, call, *args, **kwargs):
    with pytest.raises(SandboxError) as info:
        call(*args, **kwargs)
    assert info.value.kind == kind, str(info.value)
    return info.value


# ------------------------------------------------------------------ what works

def test_expression_with_namespace():
    assert run_expr("amount > 100", {"amount": 150}) is True
    assert run_expr("amount > 100", {"amount": 50}) is False
    assert run_expr("\n   status == 'ok' and len(items) == 2\n", {"status": "ok", "items": [1, 2]}) is True


def test_script_returns_assigned_and_changed_variables():
    ns = {"amount": 10, "items": [1], "untouched": {"a": 1}, "d": {}}
    changed = run_script(
        "total = amount * 2\nitems.append(2)\nd['k'] = 2\nlabel = f'{total:>5}'\n"
        "for i in range(3):\n    total += i\nfirst, *rest = [1, 2, 3]\n",
        ns,
    )
    assert changed == {"total": 23, "items": [1, 2], "d": {"k": 2}, "label": "   20", "first": 1, "rest": [2, 3],
                       "i": 2}
    assert ns["items"] == [1] and ns["d"] == {}  # the caller's data is copied, never mutated


def test_indented_script_from_bpmn_xml():
    assert run_script("\n        x = 1\n        y = x + 1\n") == {"x": 1, "y": 2}


def test_script_result_excludes_callables_private_and_non_plain():
    changed = run_script("f = lambda v: v\ng = len\nok = [1, (2, 3), {'a': None}]\nkeys = {'a': 1}.keys()\n")
    assert changed == {"ok": [1, (2, 3), {"a": None}]}


def test_helpers_and_unknown_functions():
    def add_working_days(day, n):
        return f"{day}+{n}"

    code = compile_expression("add_working_days(start, 3)", functions={"add_working_days"})
    assert code.called_names == {"add_working_days"}
    assert code.names == {"add_working_days", "start"}
    assert evaluate(code, {"start": "2024-01-02", "add_working_days": add_working_days}) == "2024-01-02+3"
    err = refused("compile", compile_expression, "add_workng_days(start, 3)", functions={"add_working_days"})
    assert "未知函数 add_workng_days" in str(err)
    # names the script itself binds may be called
    assert run_script("def double(v):\n    return v * 2\nx = double(4)\n") == {"x": 8}


def test_allowed_methods_lambdas_and_builtins():
    assert run_expr("'abc'.upper()") == "ABC"
    assert run_expr("{'a': 1}.get('a')") == 1
    assert run_expr("[1, 2].count(1)") == 1
    assert run_expr("'a,b'.split(',')") == ["a", "b"]
    assert run_expr("', '.join(['a', 'b'])") == "a, b"
    assert run_expr("'a-b'.replace('-', '+')") == "a+b"
    assert run_expr("'7'.zfill(3)") == "007"
    assert run_expr("sorted(rows, key=lambda r: r['n'])[0]['n']", {"rows": [{"n": 2}, {"n": 1}]}) == 1
    assert run_expr("sum(range(5)) + max(3, 4) + round(2.5)") == 16
    assert run_expr("2 ** 10 + (1 << 3) + len('ab' * 3)") == 1038
    assert run_expr("'%05d' % 42") == "00042"
    assert run_expr("print('ignored') or 1") == 1


def test_cached_and_deterministic():
    assert compile_expression("a + 1") is compile_expression("a + 1")
    assert compile_script("x = 1", functions=["f"]) is compile_script("x = 1", functions=("f",))


def test_runs_inside_a_thread():
    results = []

    def work():
        results.append(run_expr("x * 2", {"x": 21}))
        try:
            run_script("while True:\n    pass", time_limit=0.2)
        except SandboxError as exc:
            results.append(exc.kind)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(5)
    assert results == [42, "timeout"]


# ------------------------------------------------------------------ refused at compile time

@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "().__class__.__base__.__subclasses__()",
    "getattr(x, '__class__')",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x=1')",
    "'{0.__class__}'.format(1)",
    "10**10**10",
    "'a' * 10**9",
    "1 << 10**6",
    "'%*d' % (10**9, 1)",
    "s.format_map({})",
])
def test_refused_at_compile_expression(source):
    err = refused("compile", compile_expression, source)
    assert err.source == source
    assert err.chinese and err.english and "\n" not in str(err)


@pytest.mark.parametrize("source", [
    "import os",
    "from os import path",
    "class A:\n    pass",
    "x = [1]\nx[:0] = x",
    "def f():\n    return f.__globals__",
    "x = 1\nx.__class__ = int",
])
def test_refused_at_compile_script(source):
    refused("compile", compile_script, source)


def test_compile_messages(app):
    """One language at a time (issue 20): Chinese by default, English for an English reader."""
    err = refused("compile", compile_expression, "__import__('os')")
    assert str(err) == '表达式不允许使用以下划线开头的名称 "__import__"'
    with app.test_request_context(), force_locale("en"):
        assert str(err) == '"__import__" is an invalid variable name because it starts with "_"'
    with app.test_request_context(), force_locale("zh_CN"):
        assert str(err) == '表达式不允许使用以下划线开头的名称 "__import__"'
    err = refused("compile", compile_expression, "x.format(1)")
    assert str(err) == "不允许使用 format 方法，请使用 f-string"
    with app.test_request_context(), force_locale("en"):
        assert str(err) == "str.format is not allowed"
    assert pickle.loads(pickle.dumps(err)).english == "str.format is not allowed"
    assert "数值超出允许范围" in str(refused("compile", compile_expression, "10**10**10"))
    err = refused("compile", compile_script, "x = 1\ny = (\n")
    assert isinstance(err, ValueError) and not isinstance(err, SyntaxError)
    assert "语法错误" in str(err)
    refused("compile", compile_expression, "amount >")
    refused("compile", compile_expression, "   ")
    refused("compile", compile_expression, None)
    refused("compile", compile_script, "return 1")
    assert run_script("") == {}


# ------------------------------------------------------------------ refused at run time

def test_runtime_limits():
    refused("limit", run_expr, "x ** y", {"x": 10, "y": 10**6})
    refused("limit", run_expr, "'a' * n", {"n": 10**9})
    refused("limit", run_expr, "s.ljust(10**9)", {"s": "a"})
    refused("limit", run_expr, "s.replace('a', s)", {"s": "a" * 1000})
    refused("limit", run_expr, "range(10**9)")
    refused("limit", run_expr, "x * x", {"x": 2**3000})
    refused("limit", run_expr, "x ** 2.0", {"x": 10.0**300})
    refused("limit", run_expr, "[[0] * 100000] * n", {"n": 100000})
    refused("limit", run_expr, "''.join([s] * 1000)", {"s": "a" * 1000})
    refused("limit", run_expr, "f'{1:>{n}}'", {"n": 10**9})
    refused("limit", run_expr, "('%' + w + 'd') % 1", {"w": "999999999"})
    refused("limit", run_expr, "round(5, -n)", {"n": 10**9})
    refused("limit", run_expr, "n.to_bytes(10**9, 'big')", {"n": 1})
    refused("limit", run_expr, "str.ljust('a', 10**9)")
    refused("limit", run_script, "x = ['a'] * 99999\nx.extend(x)\n")
    refused("limit", run_script, "x = 'ab' * 40000\nx *= 2\n")
    refused("limit", run_script, "x = 3\nx **= 10**6\n")
    refused("limit", run_script, "a = [1]\nfor i in range(40):\n    a = [a, a]\ns = str(a)\n")
    refused("limit", run_script, "a = [1]\nfor i in range(40):\n    a = [a, a]\n")  # can't be returned


def test_memory_growth_is_bounded(monkeypatch):
    # each list is within the per-operation bounds; together they would be 8 GB within the time limit
    monkeypatch.setattr(sandbox, "MAX_MEMORY_GROWTH", 64 * 2**20)  # keep the test process small
    err = refused("limit", run_script, "x = [[0] * 100000 for i in range(10000)]", time_limit=30)
    assert "内存" in str(err)
    refused("limit", run_script, "x = []\nwhile True:\n    try:\n        x.append([0] * 100000)\n    except:\n        pass\n",
            time_limit=30)


def test_unstorable_results_are_refused():
    assert "循环引用" in str(refused("limit", run_script, "a = []\na.append(a)\n"))
    refused("limit", run_expr, "x", {"x": "a" * (sandbox.MAX_DATA_SIZE + 1)})
    assert run_script("y = 1", {"x": "a" * (sandbox.MAX_DATA_SIZE + 1)}) == {"y": 1}  # unchanged data is fine


def test_augmented_item_assignment_message():
    err = refused("compile", compile_script, "d = {'a': 1}\nd['a'] += 1")
    assert "d[k] = d[k] + 1" in str(err) and err.lineno == 2


def test_timeout_stops_infinite_loop():
    start = time.monotonic()
    err = refused("timeout", run_script, "while True:\n    pass", time_limit=1.0)
    assert time.monotonic() - start < 5.0  # bounded (generous: CI machines are shared)
    assert "运行超时" in str(err) and "1 秒" in str(err)


@pytest.mark.parametrize("source", [
    "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass\n",
    "try:\n    while True:\n        pass\nfinally:\n    while True:\n        pass\n",
    "x = [0 for a in range(10000) for b in range(10000)]",
    "def f(n):\n    try:\n        f(n + 1)\n    except Exception:\n        f(n + 1)\nf(0)\n",
])
def test_timeout_cannot_be_swallowed(source):
    start = time.monotonic()
    refused("timeout", run_script, source, time_limit=0.3)
    assert time.monotonic() - start < 5.0  # bounded (generous: CI machines are shared)


def test_previous_tracer_restored():
    calls = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    sys.settrace(tracer)
    try:
        run_expr("1 + 1")
        with pytest.raises(SandboxError):
            run_script("while True:\n    pass", time_limit=0.1)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_runtime_errors_are_wrapped(app):
    err = refused("runtime", run_script, "x = 1\ny = missing_variable + 1\n")
    assert str(err) == '脚本第 2 行运行出错：未定义的变量或函数 "missing_variable"' and err.lineno == 2
    with app.test_request_context(), force_locale("en"):
        assert str(err) == "script line 2 failed: NameError: name 'missing_variable' is not defined"
    assert str(refused("runtime", run_expr, "d['键']", {"d": {}})) == "表达式运行出错：键不存在：'键'"
    assert refused("runtime", run_expr, "1 / 0").lineno is None
    refused("runtime", run_expr, "d['nope']", {"d": {}})
    refused("runtime", run_expr, "[].nope")
    refused("runtime", run_script, "obj.name = 'x'", {"obj": types.SimpleNamespace(name="a")})
    refused("runtime", run_script, "def f():\n    return f()\nf()\n")


def test_helper_errors():
    class DomainError(Exception):
        sandbox_passthrough = True

    def refuse():
        raise DomainError("记录状态不允许变更")

    def own():
        raise SandboxError("工作日数无效", kind="runtime")

    def broken():
        raise RuntimeError("boom")

    ns = {"refuse": refuse, "own": own, "broken": broken}
    with pytest.raises(DomainError):
        run_script("refuse()", ns, functions=ns)
    err = refused("runtime", run_script, "own()", ns, functions=ns)
    assert str(err) == "工作日数无效"
    err = refused("runtime", run_script, "broken()", ns, functions=ns)
    assert "RuntimeError" in str(err) and "boom" in str(err)


def test_namespace_is_not_mutated():
    ns = {"items": [1, 2], "d": {"a": 1}}
    assert run_expr("items.append(3) or d.update(b=2) or len(items)", ns) == 3
    assert ns == {"items": [1, 2], "d": {"a": 1}}
    ns = {"x": 1, "helper": len}
    execute(compile_script("y = x + 1", functions={"helper"}), ns)
    assert ns == {"x": 1, "helper": len}
    assert "__builtins__" not in ns and not any(k.startswith("_") for k in ns)


def test_expression_cannot_return_code():
    refused("runtime", run_expr, "lambda: 1")
    refused("runtime", run_expr, "(x for x in range(3))")


def test_public_api():
    assert {"len", "range", "sorted", "print"} <= sandbox.SAFE_BUILTIN_NAMES
    assert not {"type", "getattr", "setattr", "open", "eval", "exec", "__import__", "format",
                "globals", "locals", "vars", "dir", "compile"} & sandbox.SAFE_BUILTIN_NAMES
    assert issubclass(SandboxError, ValueError)
