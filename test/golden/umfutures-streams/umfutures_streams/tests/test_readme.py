"""Every ```python block of the package README runs, offline, against the bundled mock server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def readme_blocks() -> list[str]:
    if not README.is_file():
        return []
    return BLOCK.findall(README.read_text(encoding="utf-8"))


@pytest.mark.skipif(not README.is_file(), reason="the README sits beside the package only in a source tree")
def test_the_readme_has_examples() -> None:
    assert readme_blocks(), "README.md has no python examples"


@pytest.mark.parametrize("code", readme_blocks(), ids=lambda code: code.strip().splitlines()[-1][:40])
def test_readme_example_runs(code: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=README.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip(), "the example printed nothing"
