"""A Slack export as an attacker would build it (issue 15, items 5, 6 and 11): every entry that is
not read is one unparsed record with its reason, the rest of the export is read, nothing outside
the export is opened, and memory stays bounded whatever a day file unpacks to."""

import json
import os
import stat
import struct
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.errors import InputError
from chataudit.jobs.inputs import open_input
from chataudit.records import Message, Unparsed
from tests.memory import peak_mib_of
from tests.timeline import SHANGHAI

ROW = {"type": "message", "ts": "1696812910.000200", "user": "U01", "text": "正常消息"}
SECRET = {"type": "message", "ts": "1696812911.000200", "user": "U01", "text": "OUTSIDE THE EXPORT"}


def read(path: Path):
    opened = open_input(path, "auto", SHANGHAI, None)
    records = list(opened.records())
    assert opened.format.name == "slack-json"
    assert opened.stats.unparsed_lines == sum(isinstance(r, Unparsed) for r in records)
    return records


def skipped(records) -> dict[str, str]:
    return {r.loc.path.rsplit(":", 1)[-1]: r.reason for r in records if isinstance(r, Unparsed)}


def texts(records) -> list[str]:
    return [r.text for r in records if isinstance(r, Message)]


def make_zip(path: Path, entries: dict[str, bytes], **kwargs) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {"users.json": b'[{"id": "U01", "name": "wang"}]', "channels.json": b"[]", **entries}.items():
            zf.writestr(name, data)
    return path


def patch(data: bytes, name: str, offset: int, fmt: str, value) -> bytes:
    """Change one field of a zip entry in its central directory record and its local header
    (``offset`` is the central record's; the local header's is 2 less)."""
    out = bytearray(data)
    for signature, name_at, length_at, shift in ((b"PK\x01\x02", 46, 28, 0), (b"PK\x03\x04", 30, 26, 2)):
        at = out.find(signature)
        while at >= 0:
            size = struct.unpack_from("<H", out, at + length_at)[0]
            if bytes(out[at + name_at:at + name_at + size]) == name.encode():
                old = struct.unpack_from(fmt, out, at + offset - shift)[0]
                struct.pack_into(fmt, out, at + offset - shift, value(old))
            at = out.find(signature, at + 4)
    return bytes(out)


DAY = json.dumps([ROW]).encode()


@pytest.mark.parametrize(("offset", "fmt", "value", "reason"), [
    (10, "<H", lambda old: 9, "deflate64"),
    (8, "<H", lambda old: old | 1, "encrypted"),
    (16, "<I", lambda old: old ^ 0x5A5A, "CRC"),
    (10, "<H", lambda old: 99, "AES"),
])
def test_a_damaged_zip_entry_is_one_unparsed_record_and_the_run_goes_on(tmp_path, offset, fmt, value, reason):
    good = make_zip(tmp_path / "good.zip", {"general/2023-10-09.json": DAY, "general/2023-10-10.json": DAY}).read_bytes()
    path = tmp_path / "export.zip"
    path.write_bytes(patch(good, "general/2023-10-10.json", offset, fmt, value))
    records = read(path)
    assert list(skipped(records)) == ["general/2023-10-10.json"] and reason in skipped(records)["general/2023-10-10.json"]
    assert texts(records) == ["正常消息"]


def test_a_symbolic_link_stored_in_a_zip_is_not_followed(tmp_path):
    path = tmp_path / "export.zip"
    make_zip(path, {"general/2023-10-09.json": DAY})
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo("general/2023-10-10.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    records = read(path)
    assert "symbolic link" in skipped(records)["general/2023-10-10.json"] and texts(records) == ["正常消息"]


def test_entries_that_are_not_part_of_the_layout_are_each_counted(tmp_path):
    path = make_zip(tmp_path / "export.zip", {
        "general/2023-10-09.json": DAY,
        "general/2023-10-10.JSON": json.dumps([SECRET]).encode(),
        "general/archive/2023-10-11.json": json.dumps([SECRET]).encode(),
        "general/nested.zip": make_zip(tmp_path / "inner.zip", {"general/2023-10-12.json": DAY}).read_bytes(),
        "general/notes.json": b"[]",
        "README.txt": b"hello",
        "../escape/2023-10-09.json": DAY,
        "/abs/2023-10-09.json": DAY,
        "__MACOSX/general/._2023-10-09.json": b"junk",
    })
    found = skipped(read(path))
    assert "upper-case .JSON" in found["general/2023-10-10.JSON"]
    assert "deeper than a channel folder" in found["general/archive/2023-10-11.json"]
    assert "nested archive" in found["general/nested.zip"]
    assert "not a day file" in found["general/notes.json"]
    assert "not part of a Slack export" in found["README.txt"]
    assert "outside the export" in found["../escape/2023-10-09.json"] and "outside the export" in found["/abs/2023-10-09.json"]
    assert len(found) == 7  # macOS resource forks are archiver junk, not counted


def test_an_export_zipped_inside_one_folder(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Acme Slack export Oct 9 2023/users.json", '[{"id": "U01", "profile": {"display_name": "王建国"}}]')
        zf.writestr("Acme Slack export Oct 9 2023/general/2023-10-09.json", DAY)
    [msg] = read(path)
    assert (msg.group, msg.sender) == ("#general", "王建国")


def test_a_day_file_over_the_limit_is_not_unpacked_and_the_total_is_capped(tmp_path, monkeypatch):
    import chataudit.formats.slack_json as slack

    monkeypatch.setattr(slack, "MAX_MEMBER_BYTES", 1000)
    monkeypatch.setattr(slack, "MAX_TOTAL_BYTES", 1500)
    big = json.dumps([ROW] * 20).encode()
    ten = json.dumps([ROW] * 10).encode()  # 810 bytes
    path = make_zip(tmp_path / "export.zip", {"a/2023-10-09.json": DAY, "b/2023-10-09.json": big,
                                              "c/2023-10-09.json": ten, "d/2023-10-09.json": ten})
    found = skipped(read(path))
    assert "over the limit" in found["b/2023-10-09.json"]
    assert "more than 1,500 bytes in all" in found["d/2023-10-09.json"]


def test_a_lying_size_in_the_zip_directory_is_caught(tmp_path):
    good = make_zip(tmp_path / "good.zip", {"general/2023-10-09.json": DAY * 50}).read_bytes()
    path = tmp_path / "export.zip"
    path.write_bytes(patch(good, "general/2023-10-09.json", 24, "<I", lambda old: 10))  # claims 10 bytes unpacked
    found = skipped(read(path))
    assert "general/2023-10-09.json" in found


def test_a_huge_string_or_padding_stops_the_day_file_quickly(tmp_path):
    for name, body in (("text", b'[{"type": "message", "ts": "1.0", "user": "U01", "text": "' + b"a" * (6 << 20) + b'"}]'),
                       ("pad", b"[" + b" " * (6 << 20) + b"]")):
        path = make_zip(tmp_path / f"{name}.zip", {"general/2023-10-09.json": body, "general/2023-10-10.json": DAY})
        start = time.monotonic()
        records = read(path)
        assert time.monotonic() - start < 10
        assert "without JSON punctuation" in skipped(records)["general/2023-10-09.json"]
        assert texts(records) == ["正常消息"]


@pytest.fixture
def folder_export(tmp_path):
    outside = tmp_path / "outside"
    (outside / "general").mkdir(parents=True)
    (outside / "general" / "2023-10-09.json").write_text(json.dumps([SECRET]), encoding="utf-8")
    (outside / "users.json").write_text('[{"id": "U01", "profile": {"display_name": "LEAKED NAME"}}]', encoding="utf-8")
    root = tmp_path / "export"
    (root / "general" / "deeper").mkdir(parents=True)
    (root / "channels.json").write_text("[]", encoding="utf-8")
    (root / "users.json").symlink_to(outside / "users.json")
    (root / "general" / "2023-10-09.json").write_text(json.dumps([ROW]), encoding="utf-8")
    (root / "general" / "2023-10-10.json").symlink_to(outside / "general" / "2023-10-09.json")
    (root / "linked").symlink_to(outside / "general")
    (root / "general" / "2023-10-11.JSON").write_text(json.dumps([SECRET]), encoding="utf-8")
    (root / "general" / "deeper" / "2023-10-12.json").write_text(json.dumps([SECRET]), encoding="utf-8")
    make_zip(root / "general" / "old.zip", {"general/2023-10-13.json": json.dumps([SECRET]).encode()})
    os.mkfifo(root / "general" / "2023-10-14.json")
    return root


def test_a_folder_export_never_follows_a_link_or_opens_a_pipe(folder_export):
    records = read(folder_export)
    found = skipped(records)
    assert "symbolic link" in found["users.json"] and "symbolic link" in found["general/2023-10-10.json"]
    assert "symbolic link to a folder" in found["linked"]
    assert "upper-case .JSON" in found["general/2023-10-11.JSON"]
    assert "deeper than a channel folder" in found["general/deeper/2023-10-12.json"]
    assert "nested archive" in found["general/old.zip"]
    assert "not a regular file" in found["general/2023-10-14.json"]
    assert len(found) == 7
    assert texts(records) == ["正常消息"] and records[-1].sender == "U01"  # the linked users.json was not read


def test_a_folder_export_has_the_zip_limits(tmp_path, monkeypatch):
    import chataudit.formats.slack_json as slack

    monkeypatch.setattr(slack, "MAX_MEMBER_BYTES", 1000)
    root = tmp_path / "export"
    (root / "general").mkdir(parents=True)
    (root / "users.json").write_text("[]", encoding="utf-8")
    (root / "general" / "2023-10-09.json").write_text(json.dumps([ROW] * 20), encoding="utf-8")
    (root / "general" / "2023-10-10.json").write_text(json.dumps([ROW]), encoding="utf-8")
    records = read(root)
    assert "over the limit" in skipped(records)["general/2023-10-09.json"] and len(texts(records)) == 1


PEAK = textwrap.dedent("""
    import sys
    from pathlib import Path
    from zoneinfo import ZoneInfo
    from chataudit.jobs.inputs import open_input
    opened = open_input(Path(sys.argv[1]), "auto", ZoneInfo("Asia/Shanghai"), None)
    print(sum(1 for _ in opened.records()))
""")


def bomb(path: Path, mib: int, shape: str) -> Path:
    """A zip of ~100 KB whose one day file unpacks to ``mib`` MiB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("users.json", "[]")
        with zf.open("general/2023-10-09.json", "w", force_zip64=True) as fh:
            if shape == "rows":
                row = json.dumps({**ROW, "text": "正常消息 " * 8}).encode() + b","
                fh.write(b"[")
                for _ in range((mib << 20) // len(row) // 1000):
                    fh.write(row * 1000)
                fh.write(json.dumps(ROW).encode() + b"]")
            else:
                fh.write(b'[{"type": "message", "ts": "1.0", "user": "U01", "text": "')
                for _ in range(mib):
                    fh.write(b"a" * (1 << 20))
                fh.write(b'"}]')
    return path


def peak_mib(path: Path) -> tuple[int, int]:
    records, peak = peak_mib_of(PEAK, str(path))
    return int(records), peak


def test_a_100_mib_day_file_from_a_small_zip_is_not_loaded_whole(tmp_path):
    path = bomb(tmp_path / "bomb.zip", 100, "string")
    assert path.stat().st_size < 200_000
    records, peak = peak_mib(path)
    assert records == 1 and peak < 200, peak  # before: 2.7 GB


@pytest.mark.skipif(not os.environ.get("CHATAUDIT_SLOW"), reason="minutes: set CHATAUDIT_SLOW=1 (see SECURITY.md)")
@pytest.mark.parametrize("mib", [100, 250])
def test_a_day_file_of_many_rows_streams_in_bounded_memory(tmp_path, mib):
    path = bomb(tmp_path / "rows.zip", mib, "rows")
    records, peak = peak_mib(path)
    assert records > 1000 * mib and peak < 200, peak  # before: 2.7 GB (100 MiB), 6.7 GB (250 MiB)


FUZZ = settings(max_examples=int(os.environ.get("CHATAUDIT_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLACK_ZIP = Path(__file__).parent.parent / "fixtures" / "slack-json" / "workspace-2023.zip"
WHATSAPP_ZIP = Path(__file__).parent.parent / "fixtures" / "whatsapp-txt" / "WhatsApp Chat - 项目组.zip"


@pytest.mark.parametrize("export", [SLACK_ZIP, WHATSAPP_ZIP], ids=["slack", "whatsapp"])
@FUZZ
@given(flips=st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.integers(min_value=1, max_value=255)),
                      min_size=1, max_size=8))
def test_random_damage_to_an_export_zip_is_counted_never_a_crash(tmp_path, export, flips):
    data = bytearray(export.read_bytes())
    for where, xor in flips:
        data[min(int(where * len(data)), len(data) - 1)] ^= xor
    path = tmp_path / export.name
    path.write_bytes(bytes(data))
    try:
        opened = open_input(path, "auto", SHANGHAI, None)
        records = list(opened.records())
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert opened.stats.unparsed_lines == sum(isinstance(r, Unparsed) for r in records)
