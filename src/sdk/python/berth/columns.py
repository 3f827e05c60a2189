"""COLUMNS data files: a table of equal-length numeric columns, shared with JavaScript steps
(typed arrays there, ``array.array`` here). Layout (see src/sdk/README.md)::

    {"columns": [{"name": "id", "type": "int64", "length": 3, "offset": 0}, ...]}   JSON, padded
                                         with spaces so that the line with its "\\n" is a multiple of 8 bytes
    <column data>   little-endian, column i at <header bytes + offset_i>; offsets are multiples of 8,
                    the gaps zero bytes

Writing takes a dict of column name -> 1-D buffer (array.array, memoryview, numpy array ...) of
one of TYPES; reading returns a dict of column name -> array.array, copied once from the mapped file.
"""
import array
import json
import os
import sys

from . import mapped_read
from .error import SerializationError

ALIGN = 8
_MAX_HEADER_LINE = 1 << 24
# type name -> (struct kind, item size); the JavaScript SDK maps the same names to typed arrays
TYPES = {
    "int8": ("i", 1), "uint8": ("u", 1), "int16": ("i", 2), "uint16": ("u", 2),
    "int32": ("i", 4), "uint32": ("u", 4), "int64": ("i", 8), "uint64": ("u", 8),
    "float32": ("f", 4), "float64": ("f", 8),
}
_KIND = {"b": "i", "h": "i", "i": "i", "l": "i", "q": "i", "B": "u", "H": "u", "I": "u", "L": "u", "Q": "u", "f": "f", "d": "f"}


def _typecode(kind, size):
    for code in ("bhiql" if kind == "i" else "BHIQL" if kind == "u" else "fd"):
        if array.array(code).itemsize == size:
            return code
    raise SerializationError(f"this Python has no array type code for {size}-byte items of kind {kind}")


def _padding(n):
    return -n % ALIGN


def _column_type(name, column):
    try:
        view = memoryview(column)
    except TypeError:
        raise SerializationError(f"COLUMNS: column {name!r} is a {type(column).__name__}, not an array.array or other 1-D buffer") from None
    code = view.format.lstrip("@=<")
    if view.format.startswith(">") or sys.byteorder != "little":
        raise SerializationError(f"COLUMNS: column {name!r} is not little-endian (COLUMNS data is)")
    if view.ndim != 1 or code not in _KIND or not view.c_contiguous:
        raise SerializationError(f"COLUMNS: column {name!r} has format {view.format!r} and {view.ndim} dimensions: use 1-D numeric columns ({', '.join(TYPES)})")
    kind = _KIND[code]
    return next(t for t, spec in TYPES.items() if spec == (kind, view.itemsize)), view


def dump(table, f):
    """Writes a dict of equal-length numeric columns to the binary file f."""
    if not isinstance(table, dict) or not table:
        raise SerializationError(f"COLUMNS needs a non-empty dict of column name -> array, not {type(table).__name__}")
    described, views, offset = [], [], 0
    for name, column in table.items():
        if not isinstance(name, str):
            raise SerializationError(f"COLUMNS: column names are strings, not {type(name).__name__} ({name!r})")
        type_name, view = _column_type(name, column)
        if described and len(view) != described[0]["length"]:
            raise SerializationError(f"COLUMNS: column {name!r} has {len(view)} rows, {described[0]['name']!r} has {described[0]['length']}: columns need equal lengths")
        described.append({"name": name, "type": type_name, "length": len(view), "offset": offset})
        views.append(view.cast("B"))
        offset += view.nbytes + _padding(view.nbytes)
    header = json.dumps({"columns": described}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    f.write(header + b" " * _padding(len(header) + 1) + b"\n")
    for view in views:
        f.write(view)
        f.write(bytes(_padding(view.nbytes)))


def load(f):
    """Reads a COLUMNS file into a dict of column name -> array.array."""
    line = f.readline(_MAX_HEADER_LINE)
    if not line.endswith(b"\n") or len(line) % ALIGN:
        raise ValueError("COLUMNS: its header line is cut off or not padded to 8 bytes")
    header = json.loads(line)
    columns = header.get("columns") if isinstance(header, dict) else None
    if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in columns):
        raise ValueError("COLUMNS: its header has no list of named columns")
    start, ranges, file_size = len(line), [], os.fstat(f.fileno()).st_size
    for column in columns:
        if column.get("type") not in TYPES:
            raise ValueError(f"COLUMNS: column {column['name']!r} has type {column.get('type')!r}, not one of {', '.join(TYPES)}")
        kind, size = TYPES[column["type"]]
        length, offset = column.get("length"), column.get("offset")
        if not isinstance(length, int) or not isinstance(offset, int) or length < 0 or offset < 0:
            raise ValueError(f"COLUMNS: column {column['name']!r} has no valid length and offset")
        if start + offset + size * length > file_size:
            raise ValueError(f"COLUMNS: column {column['name']!r} is cut off")
        ranges.append((start + offset, size * length, _typecode(kind, size)))
    try:
        values = mapped_read.copy_ranges(f, ranges)
    except ValueError as e:
        raise ValueError(f"COLUMNS: {e}") from None
    if sys.byteorder != "little":
        for column in values:
            column.byteswap()
    return {column["name"]: column_values for column, column_values in zip(columns, values)}
