"""The HTML report in a real browser (Debian's headless Chromium, installed by .ci/run):
charts and rows are there after the page's script ran, the filter works, the console has
no errors, and the page asks the network for nothing. The screenshot is kept under
test-artifacts/."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)")
BROWSER_OWN = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com", "googleusercontent.com")
"""Chromium's own background services: requests the browser makes, not the page."""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions"]
ARTIFACTS = ROOT / "test-artifacts"


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    from tests.conftest import CHATAUDIT

    subprocess.run([str(CHATAUDIT), "audit", str(ROOT / "samples/wechat/华东销售中心工作群.txt"), "--policy",
                    str(ROOT / "samples/wechat/policy.toml"), "--output", "html", "-o", str(folder / "report.html")],
                   check=False, capture_output=True)
    return folder / "report.html"


@pytest.fixture(scope="module")
def violations(page):
    from tests.conftest import CHATAUDIT

    out = subprocess.run([str(CHATAUDIT), "audit", str(ROOT / "samples/wechat/华东销售中心工作群.txt"), "--policy",
                          str(ROOT / "samples/wechat/policy.toml"), "--output", "json"], capture_output=True, text=True).stdout
    return json.loads(out)["violations"]


def test_charts_rows_and_no_console_errors(page, violations, tmp_path):
    result = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    dom = result.stdout
    assert dom.count('class="bars"') == 2 and 'class="heatmap"' in dom
    assert dom.count("<rect") > 24 * 7  # the heatmap's cells and the bars
    assert dom.count("<tr class=") == len(violations) > 30  # one row per violation
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console


def test_the_filter_hides_other_rows(page, violations, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", page.as_uri() + "#q=T501").stdout
    shown = dom.split('id="shown">', 1)[1].split("<", 1)[0]
    t501 = sum(v["rule"] == "T501" for v in violations)
    assert shown == str(t501) and dom.count('style="display: none;"') == len(violations) - t501


def test_no_network_requests_and_a_screenshot(page, tmp_path):
    netlog = tmp_path / "net.json"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    chromium(tmp_path, f"--log-net-log={netlog}", "--window-size=1400,2200", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 20_000
    log = json.loads(netlog.read_text(encoding="utf-8").rstrip().rstrip(",") + ("" if netlog.read_text().rstrip().endswith("}") else "]}"))
    urls = {e.get("params", {}).get("url", "") for e in log.get("events", [])}
    remote = [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:"))]
    hosts = {u.split("/")[2].split(":")[0] for u in remote}
    assert all(h.endswith(BROWSER_OWN) for h in hosts), hosts  # nothing the page asked for
    html = page.read_text(encoding="utf-8")
    assert " src=" not in html and "http-equiv=\"Content-Security-Policy\"" in html  # and it references nothing remote
