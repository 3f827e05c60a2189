"""Output names: Orchest's rules (str or None, else DataInvalidNameError as Orchest raised, "unnamed" reserved, no "; ") plus Berth's (not
empty, no line breaks or control characters, at most MAX_NAME_BYTES bytes of UTF-8)."""
from .error import DataInvalidNameError

RESERVED_NAME = "unnamed"
MAX_NAME_BYTES = 255


def check_name(name):
    """Returns the name as stored in HEAD ("unnamed" for None); raises on a bad name."""
    if name is None:
        return RESERVED_NAME
    if not isinstance(name, str):
        raise DataInvalidNameError(f"an output name must be a str or None, not {type(name).__name__}")
    if name == RESERVED_NAME:
        raise DataInvalidNameError(f'"{RESERVED_NAME}" is reserved for outputs without a name: pass name=None instead')
    if name == "":
        raise DataInvalidNameError("an output name must not be empty: pass name=None for an unnamed output")
    if "; " in name:
        raise DataInvalidNameError(f'output name {name!r} contains "; ", which separates the fields of the HEAD record: remove it')
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise DataInvalidNameError(f"output name {name!r} contains a line break or control character: remove it")
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise DataInvalidNameError(
            f"output name {name[:40]!r}… is {size} bytes of UTF-8; the limit is {MAX_NAME_BYTES}: use a shorter name"
        )
    return name
