"""Process-test files: `workflows/tests/<process key>.json`, read, checked and stored."""
from __future__ import annotations

import json
from pathlib import Path

from flask import current_app

from app.core.errors import DomainError
from app.designer.process_tests.validation import KEY, check_tests


class TestFileError(DomainError):
    """A test file that cannot be read or does not follow the format."""

    __test__ = False  # not a pytest class
    status, code = 422, "process_test_invalid"


def tests_dir() -> Path:
    """Where the stored process tests live: `workflows/tests/` (WORKFLOWS_DIR)."""
    return Path(current_app.config["WORKFLOWS_DIR"]) / "tests"


def tests_path(key: str, directory: str | Path | None = None) -> Path:
    """`<directory>/<key>.json`. Raises TestFileError for a key that is not a process key."""
    if not KEY.match(key or ""):
        raise TestFileError(f"流程代码无效：{key!r}")
    return Path(directory or tests_dir()) / f"{key}.json"


def read_tests(path: Path) -> dict:
    """A test file, read and checked. Raises TestFileError (unreadable, not JSON, not the format)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TestFileError(f"无法读取测试文件 {path.name}：{exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise TestFileError(f"测试文件 {path.name} 不是有效的 JSON：{exc}") from None
    problems = check_tests(doc)
    if problems:
        raise TestFileError(f"测试文件 {path.name} 格式有误：" + "；".join(problems))
    return doc


def load_tests(key: str) -> dict | None:
    """The stored tests of a process (None when it has none). Raises TestFileError for a file
    that is not valid."""
    try:
        path = tests_path(key)
    except TestFileError:
        return None
    return read_tests(path) if path.is_file() else None


def save_tests(key: str, doc: dict) -> Path:
    """Check and store the tests of a process (for the designer)."""
    problems = check_tests(doc)
    if not problems and doc.get("process") != key:
        problems = [f"process 应为 {key}，实际为 {doc.get('process')!r}"]
    if problems:
        raise TestFileError("测试格式有误：" + "；".join(problems))
    path = tests_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def file_key(path: Path) -> str:
    """The process a test file is for: its "process", else (unreadable or not an object) its file name."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc["process"] if isinstance(doc, dict) and isinstance(doc.get("process"), str) else path.stem
    except (OSError, ValueError, UnicodeDecodeError):
        return path.stem

