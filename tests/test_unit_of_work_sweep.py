"""Every write goes through the unit of work (issue 12, finding 13): a commit anywhere else is a
write that skips SQLite's up-front write lock (``BEGIN IMMEDIATE``) and the mapping of lock and
version conflicts to HTTP 409 (and a lock held past the busy timeout to 503), which under several
processes gave 500 "database is locked"."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# The unit of work itself, and the SQLite set-up that ends a read-only transaction before it.
ALLOWED = {APP / "core" / "transaction.py", APP / "core" / "sqlite.py"}


def _commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]


def test_no_module_commits_outside_the_unit_of_work():
    found = {str(path.relative_to(APP.parent)): lines for path in sorted(APP.rglob("*.py"))
             if path not in ALLOWED and (lines := _commits(path))}
    assert found == {}, f"commits outside unit_of_work (app/core/transaction.py): {found}"


def test_the_sweep_sees_a_commit():
    assert _commits(APP / "core" / "transaction.py"), "the sweep must recognise session.commit() calls"
