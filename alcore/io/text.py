"""Text tables as spreadsheet programs write them: which encoding, which line ends, which delimiter.

Excel, LibreOffice and Numbers write UTF-8 with or without a byte-order mark, UTF-16 ("Unicode
text", sometimes without a mark), UTF-32, the Windows and Mac code pages of their locale, and
old-Mac CR-only line ends. `decode` turns any of these into text with "\\n" line ends, or raises
`DataError` for bytes that are no text at all.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata

import pandas as pd
from charset_normalizer import from_bytes

from alcore.io.errors import DataError

SAMPLE_CHARS = 65_536
DELIMITERS = ",;\t|"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

ENCODING_MESSAGE = (
    "This file does not look like a text table: it contains binary data or uses a text encoding alcore cannot "
    "recognize. Open it in your spreadsheet program and save it as 'CSV UTF-8' (or .xlsx), then load that file."
)


def decode(data: bytes) -> str:
    """Bytes of a text table to text with "\\n" line ends; DataError for binary data."""
    encoding = guess_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(ENCODING_MESSAGE) from exc
    sample = text[:SAMPLE_CHARS]
    # A single-byte code page decodes any bytes at all, so garbage shows up as control characters instead.
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch in "\x7f\ufffd")
    if control > max(8, 0.1 * len(sample)):  # random bytes give 13%; stray ones in cells are mended later
        raise DataError(ENCODING_MESSAGE)
    return text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old-Mac line ends


def guess_encoding(data: bytes) -> str:
    """The encoding of a text table's bytes: a byte-order mark, UTF-16/32 by its zero bytes, UTF-8, or a code page."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    wide = _unmarked_wide_encoding(data[:4096])
    if wide:
        return wide
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return _guess_code_page(data[:SAMPLE_CHARS])


def _unmarked_wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32 written without a byte-order mark, told by where the zero bytes of ASCII characters fall."""
    if len(head) < 8:
        return None
    for width, name in ((4, "utf-32"), (2, "utf-16")):
        usable = head[: len(head) - len(head) % width]
        units = [usable[i : i + width] for i in range(0, len(usable), width)]
        low_zero = sum(unit[0] == 0 for unit in units) / len(units)  # big-endian ASCII: zeros first
        high_zero = sum(unit[-1] == 0 for unit in units) / len(units)  # little-endian ASCII: zeros last
        if width == 4:
            inner = sum(unit[1:3] == b"\0\0" for unit in units) / len(units)
            if inner < 0.9:
                continue
        if high_zero > 0.6 and low_zero < 0.1:
            return f"{name}-le"
        if low_zero > 0.6 and high_zero < 0.1:
            return f"{name}-be"
    return None


def _guess_code_page(sample: bytes) -> str:
    """A single-byte or East-Asian code page for bytes that are not UTF-8.

    charset_normalizer recognises other scripts well (Cyrillic, Greek, Japanese, Chinese…), but for
    a few Western accents it often names a Baltic or DOS page; there the Western code pages win when
    they decode to as many letters.
    """
    best = from_bytes(sample).best()
    if best is not None and _share_of_other_scripts(str(best)) > 0.5:
        return best.encoding
    candidates = [*_WESTERN_CODE_PAGES, *([best.encoding] if best is not None else [])]
    return max(candidates, key=lambda encoding: _letter_score(sample, encoding))  # max keeps the first of equals


_WESTERN_CODE_PAGES = ("cp1252", "mac_roman", "cp1250")
_OTHER_SCRIPTS = ("CYRILLIC", "GREEK", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "HEBREW", "THAI")


def _share_of_other_scripts(text: str) -> float:
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return 0.0
    return sum(unicodedata.name(ch, "").startswith(_OTHER_SCRIPTS) for ch in wide) / len(wide)


def _letter_score(sample: bytes, encoding: str) -> int:
    """Letters minus other characters among the non-ASCII ones: mis-decoded accents turn into symbols."""
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:
        return -len(sample)
    wide = [ch for ch in text if ord(ch) > 127]
    letters = sum(unicodedata.category(ch).startswith("L") for ch in wide)
    return 2 * letters - len(wide)


def cell_counts(text: str, delimiter: str) -> pd.Series:
    """Cells per non-empty row among the first 50 lines, header included."""
    lines = text[:SAMPLE_CHARS].splitlines()[:50]
    return pd.Series([len(row) for row in csv.reader(lines, delimiter=delimiter) if row], dtype=int)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of cells most consistently."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = cell_counts(text, delimiter)
        mode = int(counts.mode().iloc[0]) if len(counts) else 0
        score = (float((counts == mode).mean()), mode)
        if mode >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best
