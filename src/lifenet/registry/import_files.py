"""Reading an import file: CSV in UTF-8 (with or without BOM) or GB18030 (which reads the
GBK of Chinese Excel "CSV"), tab-separated text, and Excel .xlsx; every cell as text.

A file that cannot be read as a whole is refused with :class:`FileRefused`, naming the rule
(empty, encoding, format) and, for a broken encoding, the line of the first bad byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import polars as pl


class FileRefused(Exception):
    """The file as a whole cannot be read (rule: empty, size, encoding, format, …)."""

    def __init__(self, field_name: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.rule = rule
        self.message = message


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in: UTF-8 (with or without BOM),
    else GB18030 (which reads GBK). Refuses binary and UTF-16 files and bytes that are
    neither."""
    if b"\x00" in raw:
        raise FileRefused(
            "file", "encoding", "The file contains NUL bytes: it is not a CSV text file (UTF-16 or binary?)."
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise _bad_encoding(raw, error, "UTF-8") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        raise _bad_encoding(raw, error, "UTF-8 nor GBK/GB18030") from None


def _bad_encoding(raw: bytes, error: UnicodeDecodeError, tried: str) -> FileRefused:
    line = raw[: error.start].count(b"\n") + 1
    return FileRefused(
        "file",
        "encoding",
        f"The file is neither {tried}: undecodable bytes at line {line} (byte {error.start}). "
        "Save it as CSV UTF-8.",
    )


def _cell(value: Any) -> str | None:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_excel(raw: bytes, sheet: str | None) -> tuple[list[str], list[list[str | None]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileRefused("file", "format", f"This is not a readable Excel (.xlsx) file: {error}") from None
    try:
        worksheet = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return [], []
        names = ["" if h is None else str(h) for h in header]
        width = len(names)
        body = [[_cell(v) for v in list(r)[:width]] + [None] * (width - len(r)) for r in rows]
    finally:
        book.close()
    return names, body


def _read_csv(data: bytes, columns: int, separator: str) -> pl.DataFrame:
    try:
        return pl.read_csv(
            data,
            has_header=True,
            new_columns=[f"__col{i}" for i in range(columns)],
            infer_schema=False,
            separator=separator,
        )
    except pl.exceptions.PolarsError as error:
        raise FileRefused("file", "format", f"The CSV cannot be read: {str(error).splitlines()[0]}") from None


def read_table(raw: bytes, *, sheet: str | None = None) -> tuple[list[str], pl.DataFrame, str]:
    """(header as written, a frame of text columns named ``__col0…``, encoding or "xlsx").

    A file of up to a few hundred MB is read without copying it whole more than once: the
    header comes from the first line, and UTF-8 bytes go to the CSV reader as they are."""
    if not raw or raw.isspace():
        raise FileRefused("file", "empty", "The file is empty.")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("file", "format", "Old Excel (.xls) files are not read; save it as .xlsx or CSV.")
    if raw.startswith(b"PK\x03\x04"):
        header, body = _read_excel(raw, sheet)
        columns = {f"__col{i}": [r[i] for r in body] for i in range(len(header))}
        frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
        return header, frame, "xlsx"
    text, encoding = decode(raw)  # refuses a broken encoding, naming the line
    end = text.find("\n")
    first = text if end < 0 else text[: end + 1]
    separator = "\t" if "\t" in first and "," not in first else ","
    header = next(csv.reader([first], delimiter=separator), [])
    if encoding == "utf-8":
        data = raw
    elif encoding == "utf-8-sig":
        data = raw[3:]
    else:
        data = text.encode("utf-8")  # GB18030: the CSV reader wants UTF-8
    del text
    return header, _read_csv(data, len(header), separator), encoding
