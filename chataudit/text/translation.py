"""One-character-for-one translation tables (folding, sounds) applied fast to long texts."""

from __future__ import annotations

import numpy as np

LONG = 4096
"""Characters from which a lookup array beats ``str.translate`` (a batch's joined texts, not one message)."""


class Translation:
    """``str.translate`` with a table that maps single characters to single characters. A long
    text is instead looked up as an array of code points: ``str.translate`` with a dict looks
    every character up in the dict, about ten times slower than the array over a batch of
    messages. The array covers the Basic Multilingual Plane (256 KB, built on first use) when
    every character the table changes is in it; characters beyond it are then left as they are."""

    def __init__(self, table: dict[int, str]):
        self.table = table
        self._codes: np.ndarray | None = None

    def __call__(self, text: str) -> str:
        if len(text) < LONG:
            return text.translate(self.table)
        if self._codes is None:
            self._codes = np.arange(0x10000 if max(self.table, default=0) < 0x10000 else 0x110000, dtype=np.uint32)
            self._codes[list(self.table)] = [ord(value) for value in self.table.values()]
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if len(self._codes) == 0x10000:
            points = np.where(points < 0x10000, self._codes[points & 0xFFFF], points)
        else:
            points = self._codes[points]
        return points.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
