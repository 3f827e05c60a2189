"""Serializations of outputs. PICKLE (Python objects, Orchest's default), ARROW_TABLE and
ARROW_BATCH (Arrow IPC stream; only when pyarrow is installed), JSON, BYTES and COLUMNS (tables of
numeric columns) shared with JavaScript steps."""
import enum
import json
import pickle
import sys

from . import columns, pickle_oob
from .error import DeserializationError, SerializationError


class Serialization(enum.Enum):
    ARROW_TABLE = 0
    ARROW_BATCH = 1
    PICKLE = 2
    JSON = 3
    BYTES = 4
    COLUMNS = 5


NAMES = [s.name for s in Serialization]


def parse(serialization):
    """A Serialization from an enum member or its name; None stays None (= pick from the data)."""
    if serialization is None or isinstance(serialization, Serialization):
        return serialization
    if isinstance(serialization, str) and serialization.upper() in NAMES:
        return Serialization[serialization.upper()]
    raise SerializationError(f"unknown serialization {serialization!r}: use one of {', '.join(NAMES)}")


def _pyarrow(required_for):
    try:
        import pyarrow  # noqa: F401  (optional dependency)
        import pyarrow.ipc  # noqa: F401
    except ImportError as e:
        raise SerializationError(
            f"{required_for} needs pyarrow, which is not installed in this step's environment: "
            "install it (pip install pyarrow) or use PICKLE, JSON or BYTES"
        ) from e
    return sys.modules["pyarrow"]


def infer(data):
    """Orchest's choice (Arrow types as Arrow, the rest pickled) plus bytes and memoryviews as
    BYTES. A bytearray is pickled, as in Orchest, so that it comes back as a bytearray."""
    pa = sys.modules.get("pyarrow")  # only when the step itself imported pyarrow
    if pa is not None:
        if isinstance(data, pa.Table):
            return Serialization.ARROW_TABLE
        if isinstance(data, pa.RecordBatch):
            return Serialization.ARROW_BATCH
    if isinstance(data, (bytes, memoryview)):
        return Serialization.BYTES
    return Serialization.PICKLE


def is_serialized(data):
    """Whether data is bytes-like as Orchest's already-serialized outputs were (bytes, bytearray,
    memoryview, pyarrow.Buffer)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return True
    pa = sys.modules.get("pyarrow")
    return pa is not None and isinstance(data, pa.Buffer)


def dump_serialized(data, serialization, f):
    """Writes data that is already serialized as `serialization` (Orchest's
    output_to_disk(data, name, serialization=S)) as it is. JSON and COLUMNS are checked, as a
    reader could not tell what is wrong later; PICKLE and Arrow data are not (reading a pickle
    runs its code)."""
    view = memoryview(data).cast("B")
    if serialization is Serialization.JSON:
        try:
            json.loads(bytes(view).decode("utf-8"))
        except ValueError as e:
            raise SerializationError(f"the data given as already serialized JSON is not valid JSON: {e}") from None
    elif serialization is Serialization.COLUMNS:
        import tempfile  # noqa: PLC0415 (rarely needed)

        with tempfile.TemporaryFile() as tmp:
            tmp.write(view)
            tmp.seek(0)
            try:
                columns.load(tmp)
            except ValueError as e:
                raise SerializationError(f"the data given as already serialized COLUMNS is not a COLUMNS table: {e}") from None
    f.write(view)


def dump(data, serialization, f):
    """Writes data to the binary file f."""
    if serialization is Serialization.BYTES:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise SerializationError(f"BYTES needs bytes, bytearray or memoryview, not {type(data).__name__}")
        f.write(data)
    elif serialization is Serialization.PICKLE:
        try:
            pickle_oob.dump(data, f)
        except (pickle.PicklingError, TypeError, AttributeError, BufferError) as e:
            raise SerializationError(f"cannot pickle {type(data).__name__}: {e}") from e
    elif serialization is Serialization.JSON:
        try:
            text = json.dumps(data, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as e:
            raise SerializationError(f"cannot write {type(data).__name__} as JSON: {e} (use PICKLE for Python objects)") from e
        f.write(text.encode("utf-8"))
    elif serialization is Serialization.COLUMNS:
        columns.dump(data, f)
    else:
        pa = _pyarrow(serialization.name)
        expected = pa.Table if serialization is Serialization.ARROW_TABLE else pa.RecordBatch
        if not isinstance(data, expected):
            raise SerializationError(f"{serialization.name} needs a pyarrow.{expected.__name__}, not {type(data).__name__}")
        with pa.ipc.new_stream(f, data.schema) as writer:
            writer.write(data)


def load(serialization_name, f, where):
    """Reads one output written with the named serialization from the binary file f."""
    if serialization_name not in NAMES:
        raise DeserializationError(f"{where}: unknown serialization {serialization_name!r} in its HEAD record")
    serialization = Serialization[serialization_name]
    try:
        if serialization is Serialization.BYTES:
            return f.read()
        if serialization is Serialization.PICKLE:
            return pickle_oob.load(f)
        if serialization is Serialization.JSON:
            return json.loads(f.read().decode("utf-8"))
        if serialization is Serialization.COLUMNS:
            return columns.load(f)
        pa = _pyarrow(f"reading {where} ({serialization.name})")
        reader = pa.ipc.open_stream(f)
        if serialization is Serialization.ARROW_TABLE:
            return reader.read_all()
        return reader.read_next_batch()
    except SerializationError:
        raise
    except Exception as e:  # a step may have pickled a class this environment lacks, etc.
        raise DeserializationError(f"{where}: cannot read its {serialization.name} data: {e}") from e
