"""Where reports are written: regular files atomically, with their permissions kept; symlinks
followed; devices, FIFOs and sockets written as they are, never replaced (issue #15, item 1)."""

import errno
import json
import os
import stat
import threading

import pytest

from chataudit.errors import UsageError
from chataudit.output import open_output
from tests.conftest import SAMPLE


def _read_fifo_in_background(fifo):
    got: list[bytes] = []

    def read():
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    reader, got = _read_fifo_in_background(fifo)
    with open_output(fifo) as out:
        out.write("报告\n")
    reader.join(timeout=10)
    assert got == ["报告\n".encode()]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO: a rename would have made it a file


def test_the_cli_writes_a_report_into_a_fifo(cli, tmp_path):
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    reader, got = _read_fifo_in_background(fifo)
    result = cli("audit", SAMPLE, "--output", "json", "-o", fifo)
    reader.join(timeout=30)
    assert result.code == 1, result.err
    assert json.loads(got[0])["summary"]["violations"] > 0
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    with open_output(link) as out:
        out.write("new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "new"


def test_an_existing_report_keeps_its_permissions(tmp_path):
    path = tmp_path / "report.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    with open_output(path) as out:
        out.write("new")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # mkstemp's 0600 would hide it from the team


def test_a_new_report_gets_the_umask_default(tmp_path):
    old = os.umask(0o022)
    try:
        with open_output(tmp_path / "new.json") as out:
            out.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o644


def test_a_folder_as_output_is_one_usage_line(cli, tmp_path):
    result = cli("audit", SAMPLE, "-o", tmp_path)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.strip().count("\n") == 0 and "is a folder" in result.err


def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(UsageError, match="disk is full"):
        with open_output(tmp_path / "r.json") as out:
            out.write("x")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_place_is_one_line(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(UsageError, match="permission denied or read-only"):
        with open_output(tmp_path / "r.json") as out:
            out.write("x")


def test_option_parser_errors_are_one_line(cli):
    result = cli("audit", "--no-such-option")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0, result.err
    assert result.err.startswith("usage error: No such option: --no-such-option")
