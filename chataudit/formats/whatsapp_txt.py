"""whatsapp-txt: WhatsApp's "Export chat" text file, Android and iOS layouts, as the .txt or as
the .zip iOS shares (``_chat.txt`` with the media beside it).

Android: ``09/10/2023, 08:55 - 王建国: text`` (no seconds; system lines have no ``name:``).
iOS: ``[09/10/2023, 08:55:10] 王建国: text``. Older iOS versions wrote ``9/10/23, 8:55:10 AM:
王建国: text`` (no brackets, a colon after the time). Both use 12- or 24-hour clocks (``8:55 am``,
``8:55 PM`` with a narrow no-break space, ``p. m.``) and the locale's date order and separator
(``/``, ``.``, ``-``). Lines without a timestamp continue the message above (a caption under an
attachment, the lines of a long message). One file uses one header style; the first header
decides it, so a pasted line in another style stays text.

What U+200E (LEFT-TO-RIGHT MARK) means on iOS, as the exports show it:

- before the ``[`` of a line: a message that carries media (``‎[…] Anna: ‎image omitted``,
  ``‎[…] Anna: ‎<attached: 00000012-PHOTO-….jpg>``): always the sender's message;
- at the start of the text only: a system line whose "sender" is the group (or, in a one-to-one
  chat, the contact): ``[…] 华东销售群: ‎Anna added Bob``; but also a deleted message
  (``[…] Anna: ‎This message was deleted.``, a recall by Anna) and a shared location or poll,
  which stay with their sender.

The end-to-end-encryption notice, the security-code notice and the like are system lines in any
layout, also without the mark (``Group: Messages and calls are end-to-end encrypted…``). The
day/month order is read from the whole file (a first number above 12 means day-first, a second
above 12 month-first); when the file never tells, the policy's ``[input] date_order`` decides,
else day-first, and the input says it was ambiguous.

Attachments: iOS ``<attached: 00000012-PHOTO-2023-10-09-09-21-00.jpg>`` (also localised,
``<Anhang: …>``, and with spaces inside the brackets), Android ``IMG-20231009-WA0001.jpg (file
attached)`` (``(Datei angehängt)``…), ``<Media omitted>`` in any case and language, iOS ``image
omitted``/``Bild weggelassen``…; each gets its kind from the wording or the file's name.
Learned from whatsapp-chat-parser (Pustur), whatstk (lucasrodes) and the exports in whats_json's
test data (starkdmi); see tests/fixtures/whatsapp-txt/README.md.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path, PurePosixPath

import regex

from chataudit.errors import InputError
from chataudit.formats.archive import OPEN_ERRORS, ArchiveError, Export, Member
from chataudit.formats.base import (
    Format, InputStats, RunBuilder, Source, TextBlock, find_mentions, placeholder_kind, system_event, unparsed_lines,
)
from chataudit.formats.encoding import detect_encoding, iter_lines, line_blocks
from chataudit.formats.system_events import match_system_text
from chataudit.formats.tabular import EARLIEST, LATEST, aware
from chataudit.i18n import Text
from chataudit.records import Event, EventKind, Kind, Location, Message, MessageRun, Unparsed

LRM, RLM, BOM = "\u200e", "\u200f", "\ufeff"
MARKS = regex.compile(f"[{LRM}{RLM}{BOM}]")  # U+FEFF: some old iOS exports have it inside their lines
MAX_CHAT_BYTES = 2 * 1024 * 1024 * 1024  # _chat.txt inside a zip, unpacked: it is streamed line by line
MAX_LINE_BYTES = 16 * 1024 * 1024  # one line of _chat.txt in a zip (WhatsApp caps a message at 65,536 characters)
SURVEY_LINES = 20_000  # how far the first pass looks for the header style, the date order and the marks
HEADER = regex.compile(
    r"^(?P<lrm>[\u200e\u200f\ufeff]*)(?P<bracket>\[)?\ufeff?"
    r"(?P<a>\d{1,4})(?P<sep>[./-]) ?(?P<b>\d{1,2})(?P=sep) ?(?P<c>\d{2,4})\.?,?\s"
    r"(?P<h>\d{1,2})[:.](?P<min>\d{2})(?:[:.](?P<s>\d{2}))?"
    r"(?:[\s\u202f\u00a0]?(?P<ampm>[AaPp]\.?[\s\u202f\u00a0]?[Mm]\.?))?"
    r"(?(bracket)\]\s|(?:(?P<dash>\s[-–]\s)|:\s))(?P<rest>.*)$"
)
# The common headers of Android (``09/10/2023, 08:55 - ``, ``10/9/23, 8:55 PM - ``) and iOS (``[09/10/2023,
# 08:55:10] ``) without marks, found in a block of lines at once: each is a header that HEADER reads with the
# same groups (and lrm empty) in a file of that style. Written for ``re``: [0-9] and " " are the ASCII parts
# of HEADER's \d and \s, and [^\n] is what its ``.`` matches on a line.
_STAMP = (r"(?P<a>[0-9]{1,2})(?P<sep>[./-])(?P<b>[0-9]{1,2})(?P=sep)(?P<c>[0-9]{2,4}), "
          r"(?P<h>[0-9]{1,2}):(?P<min>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?:[ \u202f](?P<ampm>[AaPp][Mm]))?")
FAST_HEADERS = {"dash": re.compile(rf"^(?P<lrm>){_STAMP} - (?P<rest>[^\n]*)$", re.MULTILINE),
                "bracket": re.compile(rf"^(?P<lrm>)\[{_STAMP}\] (?P<rest>[^\n]*)$", re.MULTILINE)}

# iOS: <attached: 00000012-PHOTO-2023-10-09-09-21-00.jpg>, localised (<Anhang: …>, <附件：…>),
# with or without spaces inside the brackets; a document's name and page count may come before.
IOS_ATTACHED = regex.compile(r"<\s?[^<>:：\d][^<>:：]{0,40}[:：]\s?"
                             r"(?P<file>(?:\d{8}-|(?:IMG|VID|PTT|AUD|STK|DOC)-\d{8}-WA)[^<>]+?)\s?>")
# Android: IMG-20231009-WA0001.jpg (file attached), localised; WhatsApp's own media names in any language.
ANDROID_ATTACHED = regex.compile(
    r"^(?P<file>\S[^\n]*?\.[A-Za-z0-9]{1,5}) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|"
    r"arquivo anexado|ficheiro anexado|file allegato|bestand bijgevoegd|fil vedhæftet|vedlagt fil|bifogad fil|"
    r"liitetiedosto|załączony plik|soubor byl přiložen|súbor pripojený|fájl csatolva|dosya ekli|файл добавлен|"
    r"файл додано|file terlampir|fail dilampirkan|tệp đính kèm|ไฟล์ที่แนบ|文件附件|附件檔案|添付ファイル有り|"
    r"파일 첨부됨|קובץ מצורף|الملف مرفق|फाइल संलग्न)\)$"
    r"|^(?P<file>(?:IMG|VID|PTT|AUD|STK|DOC)-\d{8}-WA\d{3,5}\.[A-Za-z0-9]{1,5}) \([^()\n]{2,40}\)$"
)
# Android "<Media omitted>" in any case and the languages seen in exports.
MEDIA_OMITTED = regex.compile(
    r"^<(?:media omitted|media weggelaten|medien ausgeschlossen|multimedia omitido|archivo omitido|médias omis|"
    r"fichier omis|mídia oculta|multimédia omitido|media omessi|媒体已忽略|媒體已略去|медиафайлы отсутствуют|"
    r"без медиафайлов|medya dahil edilmedi|media tidak disertakan)>$", regex.IGNORECASE)
# iOS "image omitted" (older iOS: "<image omitted>") in the languages of the exports we learned
# from; a document's may follow its name and page count.
_OMITTED = {
    Kind.IMAGE: "image omitted|photo omitted|Bild weggelassen|imagen omitida|image absente|imagem não revelada|"
                "immagine omessa|obrázek vynechán|gambar tidak disertakan|đã bỏ qua hình ảnh|изображение отсутствует|"
                "зображення відсутнє|画像は含まれていません|ไม่มีรูปภาพ|फ़ोटो हटाई गई|图片已忽略",
    Kind.VIDEO: "video omitted|Video weggelassen|video omitido|vidéo absente|vídeo não revelado|video omesso|"
                "video vynecháno|video tidak disertakan|đã bỏ video|видео отсутствует|відео відсутнє|"
                "ビデオは含まれていません|วิดีโอถูกลบ|वीडियो छोड़ा गया|视频已忽略",
    Kind.VOICE: "audio omitted|Audio weggelassen|audio omitido|audio omis|ficheiro de áudio não revelado|audio omesso|"
                "zvukový soubor vynechán|audio tidak disertakan|bỏ qua tệp âm thanh|аудиофайл отсутствует|"
                "аудіо відсутнє|音声は含まれていません|ไม่มีไฟล์เสียง|ऑडियो हटाई गयी|音频已忽略",
    Kind.STICKER: "sticker omitted|GIF omitted|Sticker weggelassen|GIF weggelassen|sticker omitido|GIF omitido|"
                  "sticker omis|GIF retiré|sticker não revelado|GIF não revelada|sticker non incluso|GIF esclusa|"
                  "nálepka vynechána|GIF vynechán|stiker tidak disertakan|GIF tidak disertakan|đã bỏ sticker|"
                  "Đã bỏ qua ảnh GIF|стикер не добавлен|GIF отсутствует|Наклейку не додано|GIF-анімацію пропущено|"
                  "スタンプは含まれていません|GIFは含まれていません|ไม่มีสติกเกอร์|ละเว้น GIF|स्टिकर छोड़ा गया|"
                  "GIF छोड़ा गया|贴图已忽略",
    Kind.FILE: "document omitted|Dokument weggelassen|documento omitido|document manquant|documento não revelado|"
               "documento omesso|dokument vynechán|dokumen tidak disertakan|đã bỏ qua tài liệu|документ отсутствует|"
               "документ пропущено|ドキュメントは含まれていません|ละเว้นเอกสาร|डॉक्यूमेंट छोड़ा गया|文档已忽略",
    Kind.CARD: "Contact card omitted|Kontaktkarte ausgelassen|Tarjeta de contacto omitida|Fiche contact manquante|"
               "Contacto não revelado|Scheda contatto omessa|Vizitka vynechána|Kartu kontak tidak disertakan|"
               "Bỏ qua thẻ liên lạc|Карточка контакта отсутствует|Картка контакту відсутня|連絡先カードを省略|"
               "บัตรรายชื่อที่ละเว้น|कॉन्टैक्ट कार्ड छोड़ा गया",
}
_AFTER_NAME = r"(?:.*\s)?"
OMITTED = [(regex.compile(f"^{_AFTER_NAME if kind == Kind.FILE else ''}<?(?:{words})>?$", regex.IGNORECASE), kind)
           for kind, words in _OMITTED.items()]
LOCATION = regex.compile(r"^(?:[^\s:]{1,20} ?){1,2}: https://maps\.google\.[a-z.]{2,6}/\?q=|^live location shared",
                         regex.IGNORECASE)
# What any LOCATION match holds: a search for it is fast, LOCATION's backtracking over the first words is not.
LOCATION_HINT = regex.compile(r"maps\.google\.|^live location shared", regex.IGNORECASE)
POLL = regex.compile(r"^(?:POLL|UMFRAGE|ENCUESTA|SONDAGE|ENQUETE|SONDAGGIO|投票):", regex.IGNORECASE)
EDITED = regex.compile(r"\s*<(?:This message was edited|Diese Nachricht wurde bearbeitet|Se editó este mensaje\.?|"
                       r"Ce message a été modifié|Esta mensagem foi editada|Questo messaggio è stato modificato|"
                       r"此消息已编辑|已编辑)>$")
# A deleted message: a recall by its sender. "… by admin X" when an admin removed it.
DELETED = regex.compile(
    r"^(?:This message was deleted(?: by (?:an )?admin.*)?|You deleted this message|Dit bericht is verwijderd|"
    r"U hebt dit bericht verwijderd|Diese Nachricht wurde gelöscht|Du hast diese Nachricht gelöscht|"
    r"Se eliminó este mensaje|Eliminaste este mensaje|Este mensaje fue eliminado|Ce message a été supprimé|"
    r"Vous avez supprimé ce message|Essa mensagem foi apagada|Esta mensagem foi apagada|Você apagou esta mensagem|"
    r"Apagou esta mensagem|Questo messaggio è stato eliminato|Hai eliminato questo messaggio|此消息已删除|"
    r"你删除了此消息|此訊息已被刪除|你已刪除此訊息|Это сообщение удалено|Вы удалили это сообщение|"
    r"Pesan ini telah dihapus|Anda menghapus pesan ini|Tato zpráva byla smazána|Tuto zprávu jste smazal/a|"
    r"Вы удалили данное сообщение|Це повідомлення було видалено|Ви видалили це повідомлення|"
    r"このメッセージは削除されました|このメッセージを削除しました|ข้อความนี้ถูกลบแล้ว|คุณได้ลบข้อความนี้|"
    r"यह मैसेज डिलीट कर दिया गया है|आपने यह मैसेज डिलीट किया)[.。]?$")
# WhatsApp's own notices: a system line whoever the export names as its sender.
NOTICE = regex.compile(
    r"^(?:Messages and calls are end-to-end encrypted|Messages to this (?:group|chat) are now secured with "
    r"end-to-end encryption|Messages you send to this (?:group|chat) and calls are now secured|"
    r"Your security code with .{1,80} changed|Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt|"
    r"Deine Sicherheitsnummer für .{1,80} hat sich geändert|Los mensajes y las llamadas están cifrados|"
    r"Cambió tu código de seguridad con|Les messages et les appels sont chiffrés de bout en bout|"
    r"As mensagens e (?:as )?(?:chamadas|ligações) são|I messaggi e le chiamate sono crittografati|"
    r"Berichten en (?:gesprekken|oproepen) worden end-to-end versleuteld|消息和通话都进行端到端加密|"
    r"訊息和通話經端對端加密|訊息已受端對端加密保護|Сообщения и звонки защищены сквозным шифрованием|"
    r"Pesan dan panggilan terenkripsi secara end-to-end|This (?:group|chat) is with an official business account|"
    r"Disappearing messages were turned (?:on|off)|Zprávy a hovory jsou opatřeny koncovým šifrováním|"
    r"Повідомлення й дзвінки захищено наскрізним шифруванням|メッセージと通話はエンドツーエンド暗号化されています|"
    r"ข้อความและการโทรได้รับการเข้ารหัสจากต้นทางถึงปลายทาง|मैसेजेस और कॉल्स एंड-टू-एंड एन्क्रिप्टेड हैं|"
    r".{1,80}とのセキュリティコードが変更されました|รหัสความปลอดภัยของคุณกับ|Код безпеки з контактом|"
    r"Bezpečnostní kód mezi vámi a uživatelem|.{1,80} के लिए आपका सुरक्षा कोड बदल गया है|"
    r".{1,80}'s security code changed)")
# What a WhatsApp system line says (English), for iOS files whose marks are gone and for chats
# where the name system lines come from also writes messages (a one-to-one chat).
SYSTEM_WORDING = regex.compile(
    r"^(?:.{1,80} (?:created group .{1,120}|created this group|added .{1,200}|removed .{1,200}|left|"
    r"joined using this group's invite link|joined from the community|changed the subject .{1,300}|"
    r"changed this group's icon|deleted this group's icon|changed the group description|changed their phone number"
    r".{0,200}|changed this group's settings .{1,200}|updated the message timer.{0,200}|turned (?:on|off) "
    r"disappearing messages.{0,100}|(?:is|are) now an admin|pinned a message|was added)|You're now an admin|"
    r"You were added|You joined using this group's invite link)\.?$")
# Calls: events about the caller, not chat (they would be off-hours "messages" otherwise).
CALL = regex.compile(
    r"^(?:Missed (?:group )?(?:voice|video) call|(?:Voice|Video) call(?:, .{1,40})?|.{1,80} started a (?:voice |video )?call|"
    r"Verpasster (?:Sprach|Video)anruf|Llamada perdida|Appel (?:vocal|vidéo) manqué|Chamada de (?:voz|vídeo) perdida|"
    r"未接(?:语音|视频)通话|(?:语音|视频)通话)\.?$")


@dataclass(slots=True)
class _Survey:
    order: str = "dmy"
    ambiguous: bool = True
    style: str | None = None  # "bracket", "dash" or "colon": the file's header layout
    marks: bool = False  # the file has U+200E/U+200F marks (iOS keeps them; whatstk-style files drop them)
    system_name: str | None = None  # who the export names as the sender of system lines (iOS)
    system_speaks: bool = False  # that name also writes plain messages: a one-to-one chat, not the group


class WhatsAppTxt(Format):
    name = "whatsapp-txt"
    title = Text("WhatsApp 导出聊天", "WhatsApp chat export")
    producer = "WhatsApp → Export chat (Android and iOS), with or without media"
    versions = ("Android 2.x and iOS 2.x (2016–): 12/24 h, any date order; `- ` and `[…]` headers and old iOS "
                "`…: ` headers; iOS's U+200E marks; attachment words in English, German and some 25 more languages; "
                "the .txt, or iOS's .zip (or folder) with _chat.txt")

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        lines = [line for line in head.splitlines() if line.strip()][:30]
        hits = sum(1 for line in lines if HEADER.match(line))
        if not lines or not HEADER.match(lines[0]):
            return 0.0
        return 0.9 if hits >= max(2, len(lines) // 3) else 0.55

    @staticmethod
    def sniff_path(path: Path) -> float:
        """An iOS export as shared (a .zip holding ``_chat.txt``) or unpacked into a folder."""
        try:
            if path.is_dir():
                chat = path / "_chat.txt"
                return 0.9 if chat.is_file() and not chat.is_symlink() else 0.0
            with zipfile.ZipFile(path) as zf:
                names = [name for name in zf.namelist() if not name.startswith("__MACOSX/")]
        except OPEN_ERRORS:
            return 0.0
        return 0.9 if _chat_name(names) is not None else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed | MessageRun]:
        if source.path.is_dir() or (not source.head and zipfile.is_zipfile(source.path)):
            yield from self._parse_export(source, stats)
            return
        yield from self._parse_text(source.path, source.encoding, source, stats, _group_name(source.path))

    def _parse_export(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed | MessageRun]:
        try:
            export = Export(source.path, max_member=MAX_CHAT_BYTES)
        except ArchiveError as exc:
            raise InputError(f"cannot open the WhatsApp export ({exc})", where=str(source.path)) from None
        with export:
            name = _chat_name([entry.name for entry in export.entries])
            if name is None:
                raise InputError("no _chat.txt in this archive or folder", where=str(source.path),
                                 fix="pass the .zip WhatsApp made (Export chat → Attach media), or the .txt inside it")
            chat = export.by_name[name]
            media = 0
            for entry in export.entries:
                if entry is chat:
                    continue
                if entry.problem:
                    yield Unparsed(Location(f"{source.path}:{entry.name}"), entry.name, entry.problem)
                elif entry.name.lower().endswith(".zip"):
                    yield Unparsed(Location(f"{source.path}:{entry.name}"), entry.name,
                                   "nested archive in the export; not read")
                else:
                    media += 1
            if media:
                stats.notes.append(f"{media} media file(s) in the export are not read (the chat names them)")
            try:
                member = export.member(chat)
                member.verify()
                encoding = detect_encoding(member.head(), member)  # type: ignore[arg-type]
            except ArchiveError as exc:
                yield Unparsed(Location(f"{source.path}:{chat.name}"), chat.name, str(exc))
                return
            group = source.group or _group_name(source.path)
            share = chat.info.compress_size if chat.info is not None else chat.size
            member.max_run = MAX_LINE_BYTES  # after the check: the lines before an over-long one are read
            try:
                with member.progress(0, share):
                    yield from self._parse_text(member, encoding, source, stats, group)
            except ArchiveError as exc:  # the entry changed after it was checked
                yield Unparsed(Location(str(member), stats.lines or None), "", f"reading stopped: {exc}")

    def _parse_text(self, path: Path | Member, encoding: str, source: Source, stats: InputStats,
                    default_group: str) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """A header line opens a record, every other line continues it. A file on disk is read in
        blocks of whole lines, its common headers (``FAST_HEADERS``) found a block at a time. A
        zipped chat is read a line at a time, as it always was: a damaged entry fails the read
        that meets the damage, so reads of another size would stop at another line. When the
        source asks for runs, plain messages come as runs (``_Reader.finish``), the last one at
        the end. An error that stops the reading comes after every record read before it,
        the one still open too (it used to be lost)."""
        survey = _survey(path, encoding, source)
        if survey.ambiguous:
            stats.notes.append(f"day/month order could not be told from the file; read as {survey.order} "
                               "(set [input] date_order in the policy)")
        group = source.group or (survey.system_name if default_group == "_chat" and survey.system_name
                                 else default_group)
        where = str(path)
        reader = _Reader(group, where, survey, _Moments(survey.order, source.tz),
                         RunBuilder(where) if source.runs else None)
        lines = _Lines(reader)
        fast = FAST_HEADERS.get(survey.style) if isinstance(path, Path) else None
        try:
            if fast is None:
                for lineno, line in iter_lines(path, encoding):  # type: ignore[arg-type]
                    stats.lines = lineno
                    yield from lines.feed(lineno, line)
            else:
                for first, text in line_blocks(path, encoding):
                    stats.lines = first + text.count("\n") - 1
                    yield from _read_block(lines, fast, first, text)
            yield from lines.end()
        except Exception:  # the reading stopped (a damaged zipped chat, bytes that do not decode)
            yield from lines.end()  # the record open when it stopped, as far as it was read
            yield from reader.rest()
            raise
        yield from reader.rest()


def _read_block(lines: _Lines, fast: re.Pattern[str], first: int,
                text: str) -> Iterator[Message | Event | Unparsed | MessageRun]:
    """The records that a block of whole lines completes: the lines ``fast`` finds open records
    directly, the lines between them go through ``lines.feed``."""
    lineno, pos = first, 0  # the number of the line at pos
    for header in fast.finditer(text):
        start = header.start()
        if start != pos:
            lineno = yield from lines.feed_text(lineno, text[pos:start])
        yield from lines.begin(lineno, header)
        lineno += 1
        pos = header.end() + 1
    if pos < len(text):
        yield from lines.feed_text(lineno, text[pos:])


@dataclass(slots=True)
class _Lines:
    """The reading, a line at a time: the record being collected, and what each line does to it."""

    reader: _Reader
    block: TextBlock | None = None

    def feed(self, lineno: int, line: str) -> tuple[Message | Event | Unparsed | MessageRun, ...]:
        """One line: a header in the file's style opens a record; any other line continues the
        open one, or is text before the first message."""
        header = HEADER.match(line)
        if header and _style(header) == self.reader.survey.style:
            return self.begin(lineno, header)
        if self.block is not None:
            self.block.content.append(line)
        elif line.strip():
            return (Unparsed(Location(self.reader.where, lineno), line, "text before the first message"),)
        return ()

    def feed_text(self, first: int, text: str) -> Generator[Message | Event | Unparsed | MessageRun, None, int]:
        """Whole lines (each ending in a newline) numbered from ``first``; the number of the line after them."""
        lineno = first
        for lineno, line in enumerate(text.split("\n")[:-1], first):
            yield from self.feed(lineno, line)
        return lineno + 1

    def begin(self, lineno: int, header: regex.Match | re.Match) -> tuple[Message | Event | Unparsed | MessageRun, ...]:
        """A header: the open record is complete."""
        done, self.block = self.block, TextBlock(lineno, header)  # type: ignore[arg-type]
        return () if done is None else self.reader.finish(done)

    def end(self) -> tuple[Message | Event | Unparsed | MessageRun, ...]:
        return () if self.block is None else self.reader.finish(self.block)


@dataclass(slots=True)
class _Reader:
    """What a record's lines say: a message, a system line or a call (events), or a recall.
    With a ``run`` (``Source.runs``), plain messages are collected in it as columns."""

    group: str
    where: str
    survey: _Survey
    moments: _Moments
    run: RunBuilder | None = None

    def finish(self, block: TextBlock) -> tuple[Message | Event | Unparsed | MessageRun, ...]:
        """The record of a block. A plain message that went into the run gives nothing, or the
        run once it is full; any other record comes after the run collected before it."""
        h = block.header
        try:
            ts = self.moments.at(h)
        except ValueError:
            done = tuple(unparsed_lines(self.where, block.lineno, [h[0], *block.content], "impossible timestamp"))
        else:
            record = self._record(h, block.content, ts, block.lineno)
            if record is None:
                return tuple(self.run.take()) if self.run.full else ()
            done = (record,)
        return done if self.run is None else (*self.run.take(), *done)

    def rest(self) -> Iterator[MessageRun]:
        """The run collected so far, if any, when the reading ends."""
        if self.run is not None:
            yield from self.run.take()

    def _record(self, h: regex.Match | re.Match, content: list[str], ts: datetime,
                lineno: int) -> Message | Event | None:
        """The record of a block whose time was read; None when it was a plain message that went
        into the run (no ``Location`` or ``Message`` made for it)."""
        survey, group = self.survey, self.group
        rest = h["rest"]
        name, sep, first = rest.partition(": ")
        if not sep:  # Android (and old iOS) system lines carry no sender
            return system_event(group, ts, _clean("\n".join([rest, *content])), self._at(lineno))
        name = _no_marks(name).strip()
        text = _unmarked("\n".join([first, *content]))
        body = text.strip()
        head = body.split("\n", 1)[0]
        marked = first.startswith(LRM)  # iOS marks the text of system lines, recalls and locations
        notice, deleted, kind, location, poll, call = _head_facts(head) if len(head) <= 64 else _facts(head)
        if notice:
            return system_event(group, ts, body, self._at(lineno))
        if deleted:
            return Event(group, ts, EventKind.RECALL, body, self._at(lineno), actor=name)
        media_line = LRM in h["lrm"]  # iOS marks a line that carries media
        if kind is None and not media_line and not location and not poll:
            if call:
                return Event(group, ts, EventKind.UNKNOWN, body, self._at(lineno),
                             actor=None if name in (survey.system_name, group) else name)
            if survey.style != "dash" and name in (survey.system_name, group) and (marked or not survey.marks) \
                    and (not survey.system_speaks or _system_wording(body)):
                return system_event(group, ts, body, self._at(lineno))
        if kind is None:
            kind = (Kind.LOCATION if location else Kind.OTHER if media_line and marked
                    else placeholder_kind(body))
        mentions = find_mentions(text)
        if self.run is not None and not mentions:  # a run holds all of it: nothing but the loc's path and line
            self.run.add(group, ts, name, kind, text, lineno)
            return None
        return Message(group, ts, name, kind, text, self._at(lineno), mentions=mentions)

    def _at(self, lineno: int) -> Location:
        return Location(self.where, lineno)


def _no_marks(text: str) -> str:
    """``MARKS.sub("", text)``, without the call for the many texts that have none."""
    return MARKS.sub("", text) if LRM in text or RLM in text or BOM in text else text


def _unmarked(text: str) -> str:
    """The text without marks or the edited marker (``EDITED`` ends in ``>``: no ``>``, no marker)."""
    text = _no_marks(text)
    return EDITED.sub("", text) if ">" in text else text


def _clean(text: str) -> str:
    return _unmarked(text).strip()


def _any_of(*patterns: regex.Pattern[str]) -> regex.Pattern[str]:
    """One pattern that matches at the start of a text where one of ``patterns`` (anchored there,
    all with the same flags) does."""
    return regex.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)


# The patterns _facts runs, as few tests: most first lines match none of them, and one pattern per
# flag set costs about what one of its members does. LOCATION's hint and IOS_ATTACHED are searches.
_SPECIAL = (_any_of(NOTICE, DELETED, ANDROID_ATTACHED, CALL).match,
            _any_of(MEDIA_OMITTED, POLL, *(pattern for pattern, _ in OMITTED)).match, LOCATION_HINT.search,
            IOS_ATTACHED.search)
_PLAIN = (False, False, None, False, False, False)


def _facts(head: str) -> tuple[bool, bool, Kind | None, bool, bool, bool]:
    """What the first line of a message is: a WhatsApp notice, a deleted message, media (its
    kind), a location, a poll, a call."""
    cased, uncased, location, ios = _SPECIAL
    if not (cased(head) or uncased(head) or location(head) or ios(head)):
        return _PLAIN
    return (bool(NOTICE.match(head)), bool(DELETED.match(head)), _kind(head), bool(LOCATION.match(head)),
            bool(POLL.match(head)), bool(CALL.match(head)))


_head_facts = lru_cache(maxsize=1 << 12)(_facts)
"""``_facts`` of short first lines, remembered: a chat repeats its "ok"s, "<Media omitted>"s and
stickers, and the patterns cost more than the rest of a record."""


def _style(h: regex.Match) -> str:
    return "bracket" if h["bracket"] else "dash" if h["dash"] else "colon"


def _kind(head: str) -> Kind | None:
    """The kind of media the first line of a message stands for, or None for text."""
    attached = IOS_ATTACHED.search(head)
    if attached:
        return _file_kind(attached["file"])
    attached = ANDROID_ATTACHED.match(head)
    if attached:
        return _file_kind(attached["file"])
    if MEDIA_OMITTED.match(head):
        return Kind.OTHER
    for pattern, kind in OMITTED:
        if len(head) < 300 and pattern.match(head):
            return kind
    return None


_TYPED = {"PHOTO": Kind.IMAGE, "VIDEO": Kind.VIDEO, "AUDIO": Kind.VOICE, "STICKER": Kind.STICKER, "GIF": Kind.STICKER,
          "CONTACT": Kind.CARD, "IMG": Kind.IMAGE, "VID": Kind.VIDEO, "PTT": Kind.VOICE, "AUD": Kind.VOICE,
          "STK": Kind.STICKER, "DOC": Kind.FILE}
_EXTENSIONS = {Kind.IMAGE: {"jpg", "jpeg", "png", "heic", "gif", "bmp"}, Kind.VIDEO: {"mp4", "mov", "3gp", "m4v", "webm"},
               Kind.VOICE: {"opus", "ogg", "m4a", "mp3", "aac", "amr", "wav"}, Kind.STICKER: {"webp", "was"},
               Kind.CARD: {"vcf"}}


def _file_kind(name: str) -> Kind:
    """From WhatsApp's media names (00000012-PHOTO-…, IMG-…-WA0001) or the file's extension."""
    typed = regex.match(r"^(?:\d{8}-)?(?P<what>[A-Z]+)-", name)
    if typed and typed["what"] in _TYPED:
        return _TYPED[typed["what"]]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for kind, extensions in _EXTENSIONS.items():
        if ext in extensions:
            return kind
    return Kind.FILE


def _survey(path: Path | Member, encoding: str, source: Source) -> _Survey:
    """A first pass over the file: its header style, the day/month order (from the whole file
    when needed), whether it keeps iOS's marks, who system lines come from (the sender of the
    encryption notice, else of the first marked system wording) and whether that name also writes
    messages. An Android file is read until the order is known; an iOS file to its end."""
    survey = _Survey()
    day_first = month_first = False
    decided = False
    for lineno, line in _lines_until_damage(path, encoding):
        if not survey.marks and (LRM in line or RLM in line):
            survey.marks = True
        if decided and survey.style == "dash" and (survey.marks or lineno > SURVEY_LINES):
            break
        if decided and survey.system_speaks:
            break
        m = HEADER.match(line)
        if m is None:
            continue
        if survey.style is None:
            survey.style = _style(m)
        elif _style(m) != survey.style:
            continue
        if survey.style != "dash":
            _survey_sender(survey, m)
        if decided:
            continue
        if len(m["a"]) == 4:
            survey.order, survey.ambiguous, decided = "ymd", False, True
            continue
        day_first |= int(m["a"]) > 12
        month_first |= int(m["b"]) > 12
        if day_first or month_first:
            decided = True
    if survey.order != "ymd":
        if day_first != month_first:
            survey.order, survey.ambiguous = ("dmy" if day_first else "mdy"), False
        else:
            survey.order, survey.ambiguous = source.options.date_order or "dmy", True
    return survey


def _lines_until_damage(path: Path | Member, encoding: str) -> Iterator[tuple[int, str]]:
    """The file's lines up to where a zipped chat turns out damaged (an over-long line): the
    survey uses what it saw, and the parse stops at the same place and says so."""
    try:
        yield from iter_lines(path, encoding)  # type: ignore[arg-type]
    except ArchiveError:
        return


def _survey_sender(survey: _Survey, m: regex.Match) -> None:
    name, sep, text = m["rest"].partition(": ")
    if not sep:
        return
    name = _no_marks(name).strip()
    if survey.system_name is not None and name != survey.system_name:  # most lines, once it is known
        return
    body = _no_marks(text).strip()
    marked = text.startswith(LRM) and LRM not in m["lrm"]
    if survey.system_name is None:
        if NOTICE.match(body) or marked and _system_wording(body):
            survey.system_name = name
        return
    if not marked and not NOTICE.match(body) and not _system_wording(body):
        survey.system_speaks = True


def _system_wording(body: str) -> bool:
    return bool(SYSTEM_WORDING.match(body)) or match_system_text(body) is not None


class _Days(dict[tuple[str, str, str], datetime | None]):
    """The midnight, in the export's zone, of each header date (``a``, ``b``, ``c``), made on first
    use; None for a year so near the ends of the calendar that ``aware`` must check each moment."""

    def __init__(self, order: str, tz: tzinfo) -> None:
        super().__init__()
        self.order, self.tz = order, tz

    def __missing__(self, abc: tuple[str, str, str]) -> datetime | None:
        year, month, day = _ymd(*abc, self.order)
        made = date(year, month, day)  # ValueError: no such date (not kept)
        midnight = self[abc] = (aware(datetime.combine(made, time()), self.tz)
                                if EARLIEST.year < year < LATEST.year else None)
        return midnight


class _Clocks(dict[tuple[str, str, str | None, str | None], timedelta]):
    """The time since midnight of each header clock (``h``, ``min``, ``s``, ``ampm``), made on first use."""

    def __missing__(self, clock: tuple[str, str, str | None, str | None]) -> timedelta:
        hour, minute, second = _hms(*clock)
        checked = time(hour, minute, second)  # ValueError: no such time (not kept)
        since = self[clock] = timedelta(hours=checked.hour, minutes=checked.minute, seconds=checked.second)
        return since


@dataclass(slots=True)
class _Moments:
    """Each header's moment: its day's midnight plus its time of day, both cached (most headers share
    a day, and a file has few distinct clocks), instead of ints and a datetime made per record."""

    order: str
    tz: tzinfo
    days: _Days = field(init=False)
    clocks: _Clocks = field(init=False, default_factory=_Clocks)

    def __post_init__(self) -> None:
        self.days = _Days(self.order, self.tz)

    def at(self, h: regex.Match | re.Match) -> datetime:
        """``aware(_timestamp(h))``; ValueError when there is no such date, time or instant."""
        midnight = self.days[h.group("a", "b", "c")]
        if midnight is None:
            return aware(_timestamp(h, self.order), self.tz)
        return midnight + self.clocks[h.group("h", "min", "s", "ampm")]


def _timestamp(h: regex.Match | re.Match, order: str) -> datetime:
    return datetime(*_ymd(h["a"], h["b"], h["c"], order), *_hms(h["h"], h["min"], h["s"], h["ampm"]))


def _ymd(a: str, b: str, c: str, order: str) -> tuple[int, int, int]:
    """A header's three date numbers in the file's order, as (year, month, day); a two-digit year is 20xx."""
    first, second, third = int(a), int(b), int(c)
    year, month, day = ((first, second, third) if order == "ymd" else (third, second, first) if order == "dmy"
                        else (third, first, second))
    return (year + 2000 if year < 100 else year), month, day


def _hms(h: str, minute: str, s: str | None, ampm: str | None) -> tuple[int, int, int]:
    """A header's clock as (hour, minute, second) on a 24-hour clock."""
    hour = int(h)
    if ampm:
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return hour, int(minute), int(s or 0)


def _chat_name(names: list[str]) -> str | None:
    """The chat's text file in an export: ``_chat.txt`` (iOS), else the one ``WhatsApp Chat….txt``
    (Android's "with media" shared as one archive), at the top or in one folder."""
    for name in names:
        if PurePosixPath(name).name == "_chat.txt" and name.count("/") <= 1:
            return name
    texts = [n for n in names if n.lower().endswith(".txt") and n.count("/") <= 1
             and PurePosixPath(n).name.lower().startswith(("whatsapp chat", "whatsapp-chat", "whatsapp 聊天"))]
    return texts[0] if len(texts) == 1 else None


def _group_name(path: Path) -> str:
    stem = path.stem if path.suffix.lower() in (".txt", ".zip") else path.name
    if stem == "_chat" and path.parent.name:
        parent = _group_name(path.parent)
        return parent if parent != path.parent.name else stem
    for prefix in ("WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp Chat mit ", "Chat de WhatsApp con ",
                   "Discussion WhatsApp avec ", "Conversa do WhatsApp com ", "与", "WhatsApp 聊天 - "):
        if stem.startswith(prefix):
            return stem[len(prefix):] or stem
    return stem
