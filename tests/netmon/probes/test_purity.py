"""The probes are plain asyncio: importing them loads no Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("module", ["netmon.probes", "netmon.probes.icmp", "netmon.probes.snmp"])
def test_it_imports_no_django(module):
    code = f"import {module}, sys; assert not any(m.startswith('django') for m in sys.modules), 'django imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_no_module_in_the_package_imports_django():
    for path in (ROOT / "netmon" / "probes").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), f"{path.name} imports {names}"
