"""The import rules of docs/architecture.md, checked on the real tree:

- the floors (core → engine, org, calendar, forms, audit → domains → designer, admin → web, API,
  CLI, demo) and "SpiffWorkflow only inside app.engine": the import-linter contracts in
  pyproject.toml, run with `lint-imports`; and proven to catch a break, on a copy of app/ with one
  bad import added;
- every `from app…` import sits at the top of its module: an AST sweep, with an allow-list that
  must give a written reason for each exception."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# "path:function" → why that import cannot be at the top of its module. Empty: there is none.
FUNCTION_LOCAL_IMPORTS_ALLOWED: dict[str, str] = {}


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """`lint-imports` with the contracts of pyproject.toml over the `app` package under `tree`
    (lint-imports puts its working directory first on the import path)."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")], cwd=tree,
                          capture_output=True, text=True, timeout=300)


def _copy_of_app(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns(
        "static", "templates", "translations", "__pycache__"))
    return tmp_path


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "bad_import", "broken"), [
    # infrastructure reaching up to a domain
    ("app/core/clock.py", "from app.cases.models import Case", "Floors"),
    # a domain reaching up to the site's top floor (what its views once did with app.web)
    ("app/cases/service.py", "from app.web import STATUS_STYLES", "Floors"),
    # the engine's library outside the engine
    ("app/tasks/service.py", "from SpiffWorkflow.bpmn import BpmnWorkflow", "SpiffWorkflow is imported only inside app.engine"),
])
def test_the_contracts_catch_a_bad_import(tmp_path, module, bad_import, broken):
    tree = _copy_of_app(tmp_path)
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{bad_import}  # noqa\n", encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    assert f"{broken}" in result.stdout.split("Broken contracts")[1]
    assert module.removesuffix(".py").replace("/", ".") in result.stdout  # the report names the importer


def _dynamic_import(node: ast.AST) -> bool:
    """A call `import_module("…")` / `importlib.import_module("…")` / `__import__("…")` with a literal name."""
    if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return name in ("import_module", "__import__") and isinstance(node.args[0].value, str)


def function_local_app_imports(path: str, source: str) -> dict[str, int]:
    """Every `from app… import` / `import app…` (or relative import, `source` being in app/) inside
    a function of `source`: "path:function" (nested functions dotted) → its first line number."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, functions: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, (*functions, child.name))
                continue
            if functions and isinstance(child, ast.ImportFrom):  # relative: within app too
                names = ["app" if child.level else child.module or ""]
            elif functions and isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif functions and _dynamic_import(child):  # importlib.import_module("app…"), __import__("app…")
                names = [child.args[0].value]
            else:
                names = []
            if any(name == "app" or name.startswith("app.") for name in names):
                found.setdefault(f"{path}:{'.'.join(functions)}", child.lineno)
            visit(child, functions)

    visit(ast.parse(source), ())
    return found


def test_no_function_local_imports_of_app():
    found: dict[str, int] = {}
    for file in sorted((ROOT / "app").rglob("*.py")):
        path = file.relative_to(ROOT).as_posix()
        found |= function_local_app_imports(path, file.read_text(encoding="utf-8"))
    unexplained = [f"{where} (line {line})" for where, line in found.items() if where not in FUNCTION_LOCAL_IMPORTS_ALLOWED]
    assert not unexplained, "imports of app inside a function (move them to the top of the module):\n" + "\n".join(unexplained)
    assert all(reason.strip() for reason in FUNCTION_LOCAL_IMPORTS_ALLOWED.values())
    assert set(FUNCTION_LOCAL_IMPORTS_ALLOWED) <= set(found), "allow-list entries for imports that are gone"


def test_the_sweep_finds_imports_inside_functions_only():
    source = (
        "from app.core.clock import clock\n"
        "import app.core.errors\n"
        "def outer():\n"
        "    import os\n"
        "    def inner():\n"
        "        from app.cases import service\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        if True:\n"
        "            import app.tasks.models\n"
        "def relative():\n"
        "    from . import sibling\n"
        "def dynamic():\n"
        "    importlib.import_module('app.cases.service')\n"
        "def dunder():\n"
        "    return __import__('app.web')\n"
        "def elsewhere():\n"
        "    importlib.import_module('json')\n"
    )
    assert function_local_app_imports("m.py", source) == {"m.py:outer.inner": 6, "m.py:method": 10, "m.py:relative": 12,
                                                          "m.py:dynamic": 14, "m.py:dunder": 16}
