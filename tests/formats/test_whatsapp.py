"""whatsapp-txt: what real exports hold (issue 14), line by line, and the .zip iOS shares.

The whole-file layouts are in tests/fixtures/whatsapp-txt/ (checked by tests/test_real_exports.py);
these are the single rules, each on the smallest input that shows it."""

import struct
import zipfile
from pathlib import Path

import pytest

from chataudit.errors import InputError
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, EventKind, Kind, Message, Unparsed
from tests.timeline import SHANGHAI

LRM, NNBSP = "\u200e", "\u202f"
IOS_HEAD = f"[10/13/23, 9:00:00{NNBSP}AM] 华东销售群: {LRM}Messages and calls are end-to-end encrypted.\n"


def read(path: Path, fmt: str = "auto"):
    opened = open_input(path, fmt, SHANGHAI, None)
    records = list(opened.records())
    assert opened.stats.unparsed_lines == sum(isinstance(r, Unparsed) for r in records)
    return opened.format.name, records, opened.stats


def write(tmp_path: Path, text: str, name: str = "WhatsApp Chat - 华东销售群.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("line", "kind"), [
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}image omitted", Kind.IMAGE),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}<attached: 00000012-PHOTO-2023-10-13-09-20-00.jpg>", Kind.IMAGE),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}<attached: 00000013-AUDIO-2023-10-13-09-20-00.opus>", Kind.VOICE),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}GIF omitted", Kind.STICKER),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: 报表.pdf • {LRM}2 pages {LRM}document omitted", Kind.FILE),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}Bild weggelassen", Kind.IMAGE),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}画像は含まれていません", Kind.IMAGE),
    (f"{LRM}[10/13/23, 9:20:00{NNBSP}AM] 张伟: {LRM}이미지 생략됨", Kind.OTHER),  # a wording not known here: still 张伟's
])
def test_ios_media_lines_keep_their_sender(tmp_path, line, kind):
    """iOS marks media lines with U+200E; they were sender-less system events before."""
    _, records, _ = read(write(tmp_path, IOS_HEAD + line + "\n"))
    msg = records[-1]
    assert isinstance(msg, Message) and (msg.sender, msg.kind) == ("张伟", kind)
    assert LRM not in msg.text


@pytest.mark.parametrize("text", [f"{LRM}This message was deleted.", f"{LRM}You deleted this message.",
                                  "This message was deleted", "Diese Nachricht wurde gelöscht", "此消息已删除"])
def test_a_deleted_message_is_a_recall_by_its_sender(tmp_path, text):
    _, records, _ = read(write(tmp_path, IOS_HEAD + f"[10/13/23, 9:30:00{NNBSP}AM] 王建国: {text}\n"))
    assert isinstance(records[-1], Event)
    assert (records[-1].kind, records[-1].actor) == (EventKind.RECALL, "王建国")


@pytest.mark.parametrize(("content", "kind"), [
    ("< attached: 00000012-PHOTO-2023-10-09-09-21-00.jpg >", Kind.IMAGE),
    (f"<{LRM}attached: 00000014-VIDEO-2023-10-09-09-23-00.mp4>", Kind.VIDEO),
    ("<Anhang: 00000015-STICKER-2023-10-09-09-23-00.webp>", Kind.STICKER),
    ("<attached: 00000016-陈静.vcf>", Kind.CARD),
    ("<angehängt: PTT-20180129-WA0025.opus>", Kind.VOICE),  # an Android media name in iOS's tag
    ("Q3.xlsx <attached: 00000017-Q3.xlsx>", Kind.FILE),
    ("IMG-20231009-WA0001.jpg (file attached)", Kind.IMAGE),
    (f"{LRM}PTT-20231009-WA0002.opus (file attached)", Kind.VOICE),
    ("VID-20231009-WA0003.mp4 (Datei angehängt)", Kind.VIDEO),
    ("STK-20231009-WA0004.webp (bestand bijgevoegd)", Kind.STICKER),
    ("IMG-20231009-WA0005.jpg (archivo adjunto)", Kind.IMAGE),
    ("Q3销售报表.xlsx (file attached)", Kind.FILE),
    ("<media omitted>", Kind.OTHER),
    ("<Media omitted>", Kind.OTHER),
    ("<Medien ausgeschlossen>", Kind.OTHER),
    ("location: https://maps.google.com/?q=31.2,121.4", Kind.LOCATION),
    ("今天 (file attached) 了吗", Kind.TEXT),
    ("why was the image omitted?", Kind.TEXT),
    ("image omitted", Kind.IMAGE),
])
def test_attachment_forms_get_their_kind(tmp_path, content, kind):
    _, [msg], _ = read(write(tmp_path, f"09/10/2023, 09:20 - 张伟: {content}\n", "WhatsApp Chat with 群.txt"))
    assert (msg.sender, msg.kind) == ("张伟", kind)


def test_a_caption_on_the_next_line_stays_with_its_attachment(tmp_path):
    text = ("09/10/2023, 09:20 - 张伟: IMG-20231009-WA0001.jpg (file attached)\nQ3 初稿截图\n"
            "09/10/2023, 09:21 - 张伟: 好\n")
    _, [image, ok], _ = read(write(tmp_path, text, "WhatsApp Chat with 群.txt"))
    assert (image.kind, image.text) == (Kind.IMAGE, "IMG-20231009-WA0001.jpg (file attached)\nQ3 初稿截图")
    assert ok.text == "好"


@pytest.mark.parametrize("marks", [LRM, ""])
def test_the_encryption_notice_with_the_group_as_sender_is_a_system_line(tmp_path, marks):
    text = (f"[15/04/2016, 15:04:00] Group: {marks}Messages and calls are end-to-end encrypted. No one outside of "
            "this chat, not even WhatsApp, can read or listen to them.\n"
            f"[15/04/2016, 15:05:00] Group: {marks}Ash added Brock\n"
            "[15/04/2016, 15:06:00] Ash: Hey Brock left early\n")
    _, [notice, added, chat], _ = read(write(tmp_path, text, "WhatsApp Chat - Group.txt"))
    assert isinstance(notice, Event) and notice.kind == EventKind.UNKNOWN
    assert isinstance(added, Event) and (added.kind, added.actor, added.targets) == (EventKind.JOIN, "Ash", ("Brock",))
    assert isinstance(chat, Message) and chat.sender == "Ash"


def test_a_call_is_an_event_that_names_the_caller(tmp_path):
    _, records, _ = read(write(tmp_path, IOS_HEAD + f"[10/13/23, 11:40:00{NNBSP}PM] 王建国: {LRM}Missed voice call\n"))
    assert isinstance(records[-1], Event) and (records[-1].kind, records[-1].actor) == (EventKind.UNKNOWN, "王建国")


def test_a_person_whose_text_starts_with_the_mark_keeps_it_as_a_message(tmp_path):
    """WhatsApp puts U+200E before the invitation text it writes for a person; Android has no
    system lines with a sender at all."""
    text = f"31/01/2022, 17:07 - 张伟: {LRM}Open this link to join my WhatsApp Group: https://chat.whatsapp.com/AbC\n"
    _, [msg], _ = read(write(tmp_path, text, "WhatsApp Chat with 群.txt"))
    assert isinstance(msg, Message) and msg.sender == "张伟" and msg.text.startswith("Open this link")


def test_in_a_one_to_one_chat_the_contact_writes_messages_and_system_lines(tmp_path):
    text = (f"[3/18/22, 14:56:01] Elon: {LRM}Messages and calls are end-to-end encrypted.\n"
            "[3/27/22, 21:41:35] Elon: Hello\n"
            f"[3/27/22, 21:42:00] Elon: {LRM}How about Locations?\n"
            f"[4/28/22, 20:17:30] Elon: {LRM}{LRM}Your security code with Elon changed. {LRM}Tap to learn more.\n"
            f"[4/28/22, 20:18:00] Elon: {LRM}このメッセージは削除されました。\n")
    _, [notice, hello, question, code, deleted], _ = read(write(tmp_path, text, "WhatsApp Chat - Elon.txt"))
    assert isinstance(notice, Event) and isinstance(code, Event) and code.kind == EventKind.UNKNOWN
    assert isinstance(hello, Message) and isinstance(question, Message) and question.text == "How about Locations?"
    assert isinstance(deleted, Event) and (deleted.kind, deleted.actor) == (EventKind.RECALL, "Elon")


def test_without_the_encryption_notice_the_group_is_learned_from_a_marked_system_line(tmp_path):
    text = (f"[09/10/2023, 08:31:00] 华东销售群: {LRM}王建国 added 张伟\n"
            "[09/10/2023, 08:55:10] 王建国: 欢迎\n"
            f"[13/10/2023, 23:05:00] 华东销售群: {LRM}张伟 changed this group's icon\n")
    _, [added, hello, icon], _ = read(write(tmp_path, text, "export.txt"))
    assert isinstance(added, Event) and added.kind == EventKind.JOIN and added.group == "export"
    assert isinstance(hello, Message) and isinstance(icon, Event)


def test_a_pasted_line_in_another_layout_stays_text(tmp_path):
    text = ("09/10/2023, 09:20 - 张伟: 转发一下\n[09/10/2023, 09:00:00] 王建国: 原话\n"
            "09/10/2023, 09:21 - 张伟: 好\n")
    _, [forward, ok], _ = read(write(tmp_path, text, "WhatsApp Chat with 群.txt"))
    assert forward.text == "转发一下\n[09/10/2023, 09:00:00] 王建国: 原话" and ok.text == "好"


def test_old_ios_headers_without_brackets(tmp_path):
    text = "7/13/16, 4:56:55 PM: Sophie created this group\n7/13/16, 5:13:36 PM: Sophie: Hallo: alle\n"
    _, [created, hello], _ = read(write(tmp_path, text, "WhatsApp Chat - X.txt"))
    assert isinstance(created, Event) and (hello.sender, hello.text) == ("Sophie", "Hallo: alle")
    assert hello.ts.isoformat() == "2016-07-13T17:13:36+08:00"


def test_the_edited_marker_is_not_message_text(tmp_path):
    _, [msg], _ = read(write(tmp_path, f"[09/10/2023, 09:20:00] 张伟: 改过了 {LRM}<This message was edited>\n"))
    assert msg.text == "改过了"


def _zip(path: Path, chat: bytes, extra: dict[str, bytes] | None = None, chat_name: str = "_chat.txt") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(chat_name, chat)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


CHAT = (f"[09/10/2023, 08:55:10] 王建国: 今天下班前把Q3销售报表发我\n"
        f"{LRM}[13/10/2023, 09:21:00] 张伟: {LRM}<attached: 00000012-PHOTO-2023-10-13-09-21-00.jpg>\n").encode()


def test_an_ios_zip_is_read_with_its_group_from_the_file_name(tmp_path):
    path = _zip(tmp_path / "WhatsApp Chat - 项目组.zip", CHAT, {"00000012-PHOTO-2023-10-13-09-21-00.jpg": b"\xff\xd8"})
    name, [task, photo], stats = read(path)
    assert name == "whatsapp-txt" and (task.group, task.sender) == ("项目组", "王建国")
    assert (photo.sender, photo.kind) == ("张伟", Kind.IMAGE)
    assert task.loc.path == f"{path}:_chat.txt" and photo.loc.line == 2
    assert stats.lines == 2 and any("1 media file" in note for note in stats.notes)


def test_an_unpacked_ios_export_folder_is_read(tmp_path):
    folder = tmp_path / "WhatsApp Chat - 项目组"
    folder.mkdir()
    (folder / "_chat.txt").write_bytes(CHAT)
    (folder / "00000012-PHOTO-2023-10-13-09-21-00.jpg").write_bytes(b"\xff\xd8")
    name, records, _ = read(folder)
    assert name == "whatsapp-txt" and [r.group for r in records] == ["项目组", "项目组"]


def test_a_zip_in_a_folder_and_a_bom(tmp_path):
    path = _zip(tmp_path / "export.zip", b"\xef\xbb\xbf" + CHAT, chat_name="WhatsApp Chat - 项目组/_chat.txt")
    _, records, _ = read(path)
    assert [r.sender for r in records] == ["王建国", "张伟"]


def test_a_zip_without_a_chat_is_refused_in_one_line(tmp_path):
    path = _zip(tmp_path / "photos.zip", b"\xff\xd8", chat_name="IMG-1.jpg")
    with pytest.raises(InputError) as info:
        read(path, "whatsapp-txt")
    assert "no _chat.txt" in str(info.value) and "\n" not in str(info.value)


def _patch_central(data: bytes, name: str, offset: int, fmt: str, value) -> bytes:
    """Change one field of a zip entry, in its central directory record and its local header."""
    out = bytearray(data)
    for signature, name_at, local in ((b"PK\x01\x02", 46, False), (b"PK\x03\x04", 30, True)):
        at = out.find(signature)
        while at >= 0:
            size = struct.unpack_from("<H", out, at + (28 if not local else 26))[0]
            if bytes(out[at + name_at:at + name_at + size]) == name.encode():
                field = offset - 2 if local else offset  # local headers lack "version made by"
                old = struct.unpack_from(fmt, out, at + field)[0]
                struct.pack_into(fmt, out, at + field, value(old))
            at = out.find(signature, at + 4)
    return bytes(out)


@pytest.mark.parametrize(("field", "fmt", "value", "reason"), [
    (16, "<I", lambda old: old ^ 0xFFFF, "CRC"),  # bad CRC
    (8, "<H", lambda old: old | 1, "encrypted"),  # the encrypted flag
    (10, "<H", lambda old: 9, "deflate64"),  # compression method 9
])
def test_a_damaged_chat_entry_is_one_unparsed_record(tmp_path, field, fmt, value, reason):
    good = _zip(tmp_path / "good.zip", CHAT, {"00000012-PHOTO.jpg": b"x"}).read_bytes()
    path = tmp_path / "WhatsApp Chat - 项目组.zip"
    path.write_bytes(_patch_central(good, "_chat.txt", field, fmt, value))
    _, records, stats = read(path)
    [bad] = records
    assert isinstance(bad, Unparsed) and reason in bad.reason and stats.unparsed_lines == 1


def test_entries_outside_the_export_and_nested_archives_are_counted(tmp_path):
    path = _zip(tmp_path / "WhatsApp Chat - 项目组.zip", CHAT, {"../../evil.txt": b"x", "more.zip": b"PK"})
    _, records, _ = read(path)
    reasons = [r.reason for r in records if isinstance(r, Unparsed)]
    assert len(reasons) == 2 and any("outside the export" in r for r in reasons)
    assert len([r for r in records if isinstance(r, Message)]) == 2


def test_a_chat_that_unpacks_past_the_limit_is_not_read(tmp_path, monkeypatch):
    import chataudit.formats.whatsapp_txt as whatsapp

    monkeypatch.setattr(whatsapp, "MAX_CHAT_BYTES", 100)
    _, [bad], _ = read(_zip(tmp_path / "WhatsApp Chat - 项目组.zip", CHAT * 10))
    assert isinstance(bad, Unparsed) and "over the limit" in bad.reason


def test_an_over_long_line_in_a_zipped_chat_stops_reading_there(tmp_path, monkeypatch):
    import chataudit.formats.whatsapp_txt as whatsapp

    monkeypatch.setattr(whatsapp, "MAX_LINE_BYTES", 100_000)  # more than one read of the stream
    chat = CHAT * 2000 + b"[13/10/2023, 09:30:00] \xe5\xbc\xa0\xe4\xbc\x9f: " + b"a" * 300_000 + b"\n" + CHAT
    _, records, _ = read(_zip(tmp_path / "WhatsApp Chat - 项目组.zip", chat))
    messages = [r for r in records if isinstance(r, Message)]
    assert len(messages) == 4000, "every message before the over-long line, the last one too"
    assert messages[-1].loc.line == 4000 and messages[-1].kind == Kind.IMAGE
    assert isinstance(records[-1], Unparsed) and "a line longer than 100,000 bytes" in records[-1].reason
