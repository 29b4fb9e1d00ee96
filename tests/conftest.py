import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "samples" / "wechat" / "华东销售中心工作群.txt"
SAMPLE_POLICY = ROOT / "samples" / "wechat" / "policy.toml"
CHATAUDIT = Path(sys.executable).parent / "chataudit"  # the installed console script


class Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def cli(tmp_path):
    """Run the installed `chataudit` entry point in a clean folder (no policy to discover)."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> Result:
        proc = subprocess.run([str(CHATAUDIT), *map(str, args)], capture_output=True, text=True,
                              cwd=cwd or tmp_path, env={**os.environ, "COLUMNS": "200", **(env or {})},
                              timeout=120)
        return Result(proc)

    return run
