"""PICKLE data files, with large buffers written out of band (pickle protocol 5).

A PICKLE file is one of two things, told apart by its first byte:

- a plain pickle (what Orchest wrote and what Berth writes for data without large buffers); every
  pickle of protocol 2 or later starts with the PROTO opcode, byte 0x80;
- an out-of-band pickle, for data holding buffers (``array.array``, ``bytearray``, numpy arrays and
  what is built on them, such as pandas frames)::

      \\x00BERTH-PICKLE5-OOB\\n                                 magic line (0x00 is no pickle opcode)
      {"pickle": <n>, "buffers": [{"bytes": <n>, "format": "q"}, ...]}\\n     JSON, one line
      <n bytes: a protocol-5 pickle whose out-of-band buffers are the following>
      <buffer 0><buffer 1>...                                  raw bytes, in the order the pickle uses them

  ``format`` is the buffer's struct format when it is a single ``array.array`` type code, else
  absent. Buffers are written straight from the objects' memory and copied once from the mapped
  file into fresh objects (an ``array.array`` of that type code when there is one), so the columns
  of a table are not copied into and out of an intermediate ``bytes`` object as an in-band pickle does.
"""
import array
import io
import json
import pickle
import sys

from . import mapped_read

MAGIC = b"\x00BERTH-PICKLE5-OOB\n"
_ARRAY_CODES = "bBhHiIlLqQfd"
_MAX_META_LINE = 1 << 24


def rebuild_array(typecode, itemsize, byteorder, buffer):
    """Unpickles an array.array written by _Pickler: the buffer read for it is used as is."""
    if array.array(typecode).itemsize != itemsize:
        raise ValueError(f"array type code {typecode!r} has {itemsize}-byte items where it was written, "
                         f"{array.array(typecode).itemsize} here")
    if type(buffer) is array.array and buffer.typecode == typecode:
        result = buffer
    else:
        result = array.array(typecode)
        result.frombytes(buffer)
    if byteorder != sys.byteorder:
        result.byteswap()
    return result


class _Pickler(pickle.Pickler):
    """Protocol 5 pickler that hands array.array memory out of band (array's own reduction
    copies it into a bytes object)."""

    def reducer_override(self, obj):
        if type(obj) is array.array:
            return rebuild_array, (obj.typecode, obj.itemsize, sys.byteorder, pickle.PickleBuffer(obj))
        # pickle's protocol for "no override here": everything else pickles the usual way.
        return NotImplemented


def dump(data, f):
    """Writes data to the binary file f: a plain pickle, or an out-of-band one when it has buffers."""
    buffers = []
    in_band = io.BytesIO()
    _Pickler(in_band, protocol=5, buffer_callback=buffers.append).dump(data)
    if not buffers:
        f.write(in_band.getbuffer())
        return
    raws = [b.raw() for b in buffers]
    meta = {"pickle": in_band.tell(), "buffers": [_describe(b, raw) for b, raw in zip(buffers, raws)]}
    f.write(MAGIC)
    f.write(json.dumps(meta, separators=(",", ":")).encode("ascii") + b"\n")
    f.write(in_band.getbuffer())
    for raw in raws:
        f.write(raw)


def _describe(buffer, raw):
    entry = {"bytes": raw.nbytes}
    view = memoryview(buffer)
    if view.format in _ARRAY_CODES and view.itemsize == array.array(view.format).itemsize:
        entry["format"] = view.format
    return entry


def load(f):
    """Reads what dump wrote (or any plain pickle) from the binary file f."""
    if f.peek(len(MAGIC))[: len(MAGIC)] != MAGIC:
        return pickle.load(f)
    f.read(len(MAGIC))
    line = f.readline(_MAX_META_LINE)
    if not line.endswith(b"\n"):
        raise ValueError("out-of-band pickle: its header line is cut off")
    meta = json.loads(line)
    in_band = f.read(meta["pickle"])
    if len(in_band) != meta["pickle"]:
        raise ValueError("out-of-band pickle: the file is shorter than its header says")
    ranges, offset = [], f.tell()
    for entry in meta["buffers"]:
        code = entry.get("format")
        usable = code in _ARRAY_CODES and entry["bytes"] % array.array(code).itemsize == 0
        ranges.append((offset, entry["bytes"], code if usable else None))
        offset += entry["bytes"]
    try:
        buffers = mapped_read.copy_ranges(f, ranges)
    except ValueError as e:
        raise ValueError(f"out-of-band pickle: {e}") from None
    return pickle.loads(in_band, buffers=buffers)
