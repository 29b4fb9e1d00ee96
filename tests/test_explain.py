"""Findings that explain themselves (issue #17): `chataudit explain` and `chataudit stats terms`."""

from hypothesis import given, strategies as st

from chataudit.engine import audit
from chataudit.jobs.inputs import open_input, within
from chataudit.jobs.stats import SAMPLES, term_stats
from chataudit.policy.load import bundled_policies_dir, load_policy
from chataudit.rules.registry import build_rules
from chataudit.text.normalize import normalize, normalize_steps
from tests.conftest import ROOT, SAMPLE

EVASIONS = ("2023-10-09 10:00:00 销售部-张三\n今晚一起赌\u200b博吗\n\n"
            "2023-10-09 10:01:00 销售部-李四\n有人玩ｄｕ ｂｏ吗\n\n"
            "2023-10-09 10:02:00 销售部-王五\n賭博网站注册就送\n\n"
            "2023-10-09 10:03:00 人资中心-李敏\n群内严禁赌博，违者清退\n\n")


def _explain(cli, tmp_path, line: int, *extra: str):
    (tmp_path / "群.txt").write_text(EVASIONS, encoding="utf-8")
    result = cli("explain", f"群.txt:{line}", *extra)
    assert result.code == 0, result.err
    return result.out


def test_zero_width_step_and_the_entry_that_matched(cli, tmp_path):
    out = _explain(cli, tmp_path, 2)
    assert "删除零宽/格式字符: \u200b→∅" in out
    assert "“赌博” gambling" in out and "gambling.txt" in out and "→ 计入" in out
    assert "C401 error" in out


def test_full_width_step_and_a_pinyin_hit(cli, tmp_path):
    out = _explain(cli, tmp_path, 4, "--lang", "en")
    assert "full width to half width: ｄ→d ｕ→u ｂ→b ｏ→o" in out
    assert "“赌博” gambling" in out and "pinyin" in out and "counts" in out
    assert "C401 error" in out


def test_traditional_step(cli, tmp_path):
    out = _explain(cli, tmp_path, 7)
    assert "繁体转简体: 賭→赌" in out and "C401 error" in out


def test_an_allow_listed_phrase_is_shown_as_why_nothing_fired(cli, tmp_path):
    out = _explain(cli, tmp_path, 11)  # any line of the record finds it
    assert "不计：在允许词“严禁赌博”之内" in out and "严禁赌博 (" in out
    assert out.rstrip().endswith("（无）")


def test_a_json_export_by_message_number(cli):
    fixture = ROOT / "tests" / "formats" / "fixtures" / "telegram-json" / "result.json"
    result = cli("explain", f"{fixture}:#2", "--lang", "en")
    assert result.code == 0, result.err
    assert "result.json#2" in result.out and "raw: @zhangwei 今天下班前把Q3销售报表发我" in result.out


def test_bad_locators_are_one_line(cli, tmp_path):
    (tmp_path / "群.txt").write_text(EVASIONS, encoding="utf-8")
    for where, says in (("群.txt", "names no record"), ("群.txt:abc", "names no record"),
                        ("群.txt:#9", "no record at message #9")):
        result = cli("explain", where)
        assert result.code == 2 and says in result.err and result.err.count("\n") == 1, result.err


@given(st.text(alphabet="赌博賭ｄｕＡBｂｏ \u200b.·_-，。严禁禁止abc123", max_size=30))
def test_the_steps_end_where_normalize_ends(text):
    assert normalize_steps(text)[-1].text == normalize(text).text


def test_stats_terms_names_the_entries_behind_each_content_finding():
    loaded = load_policy(bundled_policies_dir() / "default.toml")
    opened = open_input(SAMPLE, "auto", loaded.policy.tz, None)
    findings = [f for f in audit(within(opened.records(), None, None), build_rules(loaded)) if "term" in f.data]
    assert len({f.rule for f in findings}) >= 4  # C401, C402, C405, S305, S306 on the sample
    counts = {(c.source, c.term): c for c in term_stats([SAMPLE], loaded)}
    for f in findings:
        entry = counts[(f.data["category"], f.data["term"])]
        assert entry.counted >= 1
        assert any(loc == f.loc for loc, _ in entry.samples) or entry.counted > SAMPLES  # samples keep the first few


def test_stats_terms_counts_cancelled_hits_apart(tmp_path):
    (tmp_path / "群.txt").write_text(EVASIONS, encoding="utf-8")
    counts = {(c.source, c.term): c for c in term_stats([tmp_path / "群.txt"], load_policy(bundled_policies_dir() / "default.toml"))}
    gambling = counts[("gambling", "赌博")]
    assert (gambling.counted, gambling.cancelled) == (3, 1)


def test_audit_explain_attaches_the_explanation_to_content_findings_only(cli, tmp_path):
    import json

    import jsonschema

    (tmp_path / "群.txt").write_text(EVASIONS + "2023-10-09 23:00:00 销售部-张三\n<script>赌博</script>\n\n",
                                     encoding="utf-8")
    report = json.loads(cli("audit", "群.txt", "--explain", "--output", "json").out)
    jsonschema.validate(report, json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8")))
    content = [v for v in report["violations"] if v["rule"] == "C401"]
    assert len(content) == 4 and all("explanation" in v for v in content)
    assert [h["how"] for h in content[1]["explanation"]["hits"]] == ["pinyin"]
    assert content[2]["explanation"]["steps"] == [{"step": "traditional to simplified", "changes": [["賭", "赌"]]}]
    assert not [v for v in report["violations"] if v["rule"] == "T501" and "explanation" in v]
    plain = json.loads(cli("audit", "群.txt", "--output", "json").out)
    assert not [v for v in plain["violations"] if "explanation" in v]  # only when asked
    html = cli("audit", "群.txt", "--explain", "--output", "html").out
    assert "<details><summary>为什么</summary>" in html and "<script>赌博" not in html
