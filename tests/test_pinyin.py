"""The shipped pinyin data (chataudit/text/pinyin.json) is exactly what pypinyin gives."""

import json
import subprocess
import sys

from pypinyin import lazy_pinyin

from chataudit.text.pinyin import DATA, bundled_phrases, generate, spell


def test_the_shipped_data_is_what_pypinyin_and_the_bundled_lexicons_give():
    shipped = json.loads(DATA.read_text(encoding="utf-8"))
    assert shipped == generate(bundled_phrases()), "regenerate it: python -m chataudit.text.pinyin"


def test_phrases_outside_the_data_ask_pypinyin():
    assert "张玮" not in json.loads(DATA.read_text(encoding="utf-8"))["phrases"]
    assert spell("张玮") == lazy_pinyin("张玮") == ["zhang", "wei"]
    assert spell("赌博") == ["du", "bo"]


def test_an_audit_with_the_bundled_lexicons_never_loads_pypinyin(tmp_path):
    """pypinyin holds about 55 MB; the default policy must not need it."""
    export = tmp_path / "群.txt"
    export.write_text("2023-10-11 10:00:00 销售部-张三\n晚上一起賭.博吗\n\n", encoding="utf-8")
    code = ("import sys\nfrom pathlib import Path\nfrom chataudit.jobs.audit import AuditRequest, run_audit\n"
            "from chataudit.policy.load import load_policy\n"
            f"r = run_audit(AuditRequest(paths=[Path({str(export)!r})], policy=load_policy(None), lang='zh'))\n"
            "print(sorted({v.rule for v in r.violations}), 'pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['C401'] False"
