"""The engine is plain Python: importing it loads no Django, and it never reads the clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MODULES = ("netmon.engine", "netmon.counters")


@pytest.mark.parametrize("module", MODULES)
def test_it_imports_no_django(module):
    code = f"import {module}, sys; assert not any(m.startswith('django') for m in sys.modules), 'django imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", MODULES)
def test_it_never_reads_the_clock_or_does_io(module):
    source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
    imported = set()
    called = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called.add(node.func.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
    assert imported <= {"__future__", "collections", "dataclasses", "datetime", "enum", "typing", "netmon"}
    assert not called & {"now", "utcnow", "today", "time", "monotonic", "open", "print", "sleep"}
