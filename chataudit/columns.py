"""Records as columns: a batch of consecutive records of one audit, for rules that first pick
their candidates with array operations over the whole batch (``Rule.select``) and then look
at the few records they picked one by one (``Rule.confirm``).

A batch is built from the parsers' records, or straight from their columns where a parser
keeps a run of plain messages as columns (``records.MessageRun``): times as epoch seconds,
group and sender as integer codes shared by every batch of the audit, kinds as small
integers. Each column is worked out at most once per batch, on first use; work that several
rules share (the content scan, text/batchscan.py) is kept in ``share``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from functools import cached_property
from itertools import repeat
from typing import Any

import numpy as np

from chataudit.records import Event, Kind, Message, MessageRun

KIND_CODE = {kind: code for code, kind in enumerate(Kind)}
"""Each message kind as a small integer (``Batch.kind``); events have -1."""
NONE = np.zeros(0, dtype=np.int64)
"""No rows."""
_BUCKET = 900
"""Seconds: time zones change their offset on quarter hours (checked at both ends anyway)."""


class Codes:
    """Strings as dense integers, the same for every batch of one audit (groups, senders)."""

    def __init__(self) -> None:
        self.of: dict[str, int] = {}
        self.names: list[str] = []

    def encode(self, values: Sequence[str]) -> np.ndarray:
        codes = list(map(self.of.get, values))
        if None in codes:  # names not seen before, numbered as they first appear
            codes = list(map(self._code, values))
        return np.array(codes, dtype=np.int64)

    def _code(self, value: str) -> int:
        code = self.of.get(value)
        if code is None:
            code = self.of[value] = len(self.names)
            self.names.append(value)
        return code


class Rows(Sequence):
    """A batch's records by row. A run's messages are built on first access and kept, so that
    a row is always the same object."""

    def __init__(self, items: Iterable[Message | Event | MessageRun]):
        self.pieces: list[list[Message | Event] | MessageRun] = []
        self.starts: list[int] = []  # the row each piece starts at
        self._built: dict[int, Message] = {}
        rows, records = 0, None
        for item in items:
            if type(item) is MessageRun:
                self.pieces.append(item)
                self.starts.append(rows)
                rows, records = rows + len(item), None
                continue
            if records is None:
                records = []
                self.pieces.append(records)
                self.starts.append(rows)
            records.append(item)
            rows += 1
        self._rows = rows

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, row: int) -> Message | Event:  # type: ignore[override]
        if row < 0:
            row += self._rows
        if not 0 <= row < self._rows:
            raise IndexError(row)
        at = bisect_right(self.starts, row) - 1
        piece = self.pieces[at]
        if type(piece) is list:
            return piece[row - self.starts[at]]
        built = self._built.get(row)
        if built is None:
            built = self._built[row] = piece.message(row - self.starts[at])
        return built

    def __iter__(self) -> Iterator[Message | Event]:
        return map(self.__getitem__, range(self._rows))

    def column(self, of_record: Callable[[Message | Event], Any], of_run: Callable[[MessageRun], Iterable]) -> list:
        """One value per row: ``of_record`` of each record, ``of_run`` of each run (a value per message)."""
        values: list = []
        for piece in self.pieces:
            values.extend(map(of_record, piece) if type(piece) is list else of_run(piece))
        return values


class Batch:
    """Records (consecutive, in input order) as columns; rows are positions in the batch. The
    records may come as ``MessageRun``\\ s, whose columns are taken as they are: a ``Message``
    is built only for a row someone reads from ``records``."""

    def __init__(self, items: Iterable[Message | Event | MessageRun], groups: Codes, senders: Codes):
        self.records = Rows(items)
        self.groups, self.senders = groups, senders
        self.share: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.records)

    def _array(self, of_record: Callable[[Message | Event], Any], of_run: Callable[[MessageRun], Iterable],
               dtype: Any) -> np.ndarray:
        return np.array(self.records.column(of_record, of_run), dtype=dtype)

    @cached_property
    def is_message(self) -> np.ndarray:
        return self._array(lambda r: type(r) is Message, lambda run: repeat(True, len(run)), bool)

    @cached_property
    def ts(self) -> np.ndarray:
        """Epoch seconds, exactly as ``datetime.timestamp()`` gives them."""
        return self._array(lambda r: r.ts.timestamp(), lambda run: run.epochs, np.float64)

    @cached_property
    def moments(self) -> list[datetime]:
        """Each record's ``ts``."""
        return self.records.column(lambda r: r.ts, MessageRun.moments)

    @cached_property
    def group(self) -> np.ndarray:
        return self.groups.encode(self.records.column(lambda r: r.group, lambda run: run.groups))

    @cached_property
    def sender(self) -> np.ndarray:
        """A message's sender as a code; an event's is the code of "" (see ``is_message``)."""
        return self.senders.encode(self.records.column(lambda r: r.sender if type(r) is Message else "",
                                                       lambda run: run.senders))

    @cached_property
    def sender_ids(self) -> list[str | None]:
        """A message's account id, where its format has one; None for an event."""
        return self.records.column(lambda r: r.sender_id if type(r) is Message else None, MessageRun.account_ids)

    @cached_property
    def urls(self) -> list[str | None]:
        """A message's own URL (a link card's), where its format has one."""
        return self.records.column(lambda r: r.url if type(r) is Message else None, lambda run: repeat(None, len(run)))

    @cached_property
    def mentioning(self) -> np.ndarray:
        """A mask of the messages that mention someone."""
        return self._array(lambda r: type(r) is Message and bool(r.mentions), lambda run: repeat(False, len(run)), bool)

    @cached_property
    def member(self) -> np.ndarray:
        """(group, sender) as one integer, for this batch: ``member_name`` turns it back."""
        senders = self.sender  # first: it may add codes
        return self.group * len(self.senders.names) + senders

    def member_name(self, member: int) -> tuple[str, str]:
        group, sender = divmod(member, len(self.senders.names))
        return self.groups.names[group], self.senders.names[sender]

    @cached_property
    def kind(self) -> np.ndarray:
        return self._array(lambda r: KIND_CODE[r.kind] if type(r) is Message else -1,
                           lambda run: map(KIND_CODE.__getitem__, run.kinds), np.int16)

    @cached_property
    def texts(self) -> list[str]:
        return self.records.column(lambda r: r.text, lambda run: run.texts)

    @cached_property
    def length(self) -> np.ndarray:
        return np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.records))

    def of_kinds(self, kinds: Sequence[Kind]) -> np.ndarray:
        """A mask of the messages of these kinds."""
        return np.isin(self.kind, [KIND_CODE[k] for k in kinds])

    def senders_where(self, test: Callable[[str], bool]) -> np.ndarray:
        """A mask of the messages whose sender passes ``test``, asked once per distinct sender."""
        codes = np.unique(self.sender[self.is_message])
        passing = [code for code in codes.tolist() if test(self.senders.names[code])]
        return self.is_message & np.isin(self.sender, passing)

    @cached_property
    def first_of_sender(self) -> np.ndarray:
        """A mask of the messages that are the first in this batch from their (group, sender):
        the only ones where a "once per member" rule (naming, roster, the directory of names)
        can learn anything new."""
        mask = np.zeros(len(self.records), dtype=bool)
        rows = np.flatnonzero(self.is_message)
        if rows.size:
            mask[rows[np.unique(self.member[rows], return_index=True)[1]]] = True
        return mask

    def seconds_of_day(self, tz: tzinfo) -> np.ndarray:
        """Local time of day in seconds. The offset is looked up once per quarter hour, at its
        first and last second; a quarter hour whose ends differ is worked out record by record."""
        ts = self.ts
        bucket = np.floor(ts / _BUCKET)
        starts, which = np.unique(bucket, return_inverse=True)
        offsets = np.empty(len(starts))
        mixed = []
        for i, start in enumerate(starts.tolist()):
            first = _offset(start * _BUCKET, tz)
            offsets[i] = first
            if _offset(start * _BUCKET + _BUCKET - 1e-6, tz) != first:
                mixed.append(i)
        local = ts + offsets[which]
        for row in np.flatnonzero(np.isin(which, mixed)).tolist():
            local[row] = ts[row] + _offset(ts[row], tz)
        return np.mod(local, 86400.0)


def _offset(epoch: float, tz: tzinfo) -> float:
    return datetime.fromtimestamp(epoch, tz).utcoffset().total_seconds()
