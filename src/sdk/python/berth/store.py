"""The on-disk layout of step outputs, shared with the JavaScript SDK (see src/sdk/README.md).

    $BERTH_OUTPUTS_DIR/<step_uuid>/current -> v-<id>   symlink, swapped atomically (rename)
    $BERTH_OUTPUTS_DIR/<step_uuid>/v-<id>/HEAD         one line per output: "<UTC time>; <SERIALIZATION>; <name>"
                                         /<step_uuid>.<SER>      data of the first output
                                         /<step_uuid>.<i>.<SER>  data of output i (i >= 1)
                                         /RUN                    the run that wrote this version

A version folder is complete before `current` points at it, so a reader never sees half an output,
and a step that crashes while writing leaves the previous output in place.
"""
import datetime
import os
import secrets
import shutil
import time

from .error import InvalidMetaDataError
from .serialization import NAMES

CURRENT = "current"
READ_ATTEMPTS = 20


def data_file_name(step_uuid, index, serialization_name):
    if index == 0:
        return f"{step_uuid}.{serialization_name}"
    return f"{step_uuid}.{index}.{serialization_name}"


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _parse_head(text, where):
    entries = []
    for line in text.splitlines():
        parts = line.split("; ", 2)
        if len(parts) != 3:
            raise InvalidMetaDataError(f"{where}: its HEAD record {line!r} is not \"<time>; <serialization>; <name>\".")
        try:
            datetime.datetime.fromisoformat(parts[0])
        except ValueError:
            raise InvalidMetaDataError(f"{where}: its HEAD record {line!r} has an invalid time.") from None
        if parts[1] not in NAMES:
            raise InvalidMetaDataError(f"{where}: its HEAD record {line!r} has an unknown serialization.")
        entries.append({"timestamp": parts[0], "serialization": parts[1], "name": parts[2]})
    if not entries:
        raise InvalidMetaDataError(f"{where}: its HEAD record is empty.")
    return entries


def _read_text(path):
    """A small file's text with open/read/close only (no buffered-file set-up)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks).decode("utf-8")
            chunks.append(chunk)
    finally:
        os.close(fd)


def _write_text(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def _current_target(step_path):
    try:
        return os.path.join(step_path, os.readlink(os.path.join(step_path, CURRENT)))
    except FileNotFoundError:
        return None


def _run_of(version):
    try:
        return _read_text(os.path.join(version, "RUN")).strip()
    except FileNotFoundError:
        return ""


def _current_version(step_path):
    """(version folder, entries) or None when the step has no output."""
    version = _current_target(step_path)
    if version is None:
        return None
    return version, _parse_head(_read_text(os.path.join(version, "HEAD")), version)


def read_outputs(root, step_uuid):
    """The step's current outputs as [(entry, open binary file)], or None when it has none.

    Every data file is opened before anything is read, so a writer replacing the outputs meanwhile
    cannot mix versions; if the version disappears between the lookup and the opens, it retries.
    """
    step_path = os.path.join(root, step_uuid)
    last_error = None
    for _ in range(READ_ATTEMPTS):
        opened = []
        try:
            found = _current_version(step_path)
            if found is None:
                return None
            version, entries = found
            for i, entry in enumerate(entries):
                path = os.path.join(version, data_file_name(step_uuid, i, entry["serialization"]))
                opened.append((entry, open(path, "rb")))
            return opened
        except FileNotFoundError as e:
            for _, f in opened:
                f.close()
            last_error = e
            time.sleep(0.01)
    raise last_error


def last_run(root, step_uuid):
    """The run that wrote the step's current outputs ("" when unknown), or None without outputs."""
    version = _current_target(os.path.join(root, step_uuid))
    return None if version is None else _run_of(version)


def write_output(root, step_uuid, run_uuid, name, serialization_name, dump, keep_others):
    """Publishes a new version of the step's outputs holding one new output, written by dump(f).

    With keep_others, the outputs this same run already wrote are kept (hard links), except one
    with the same name, which is replaced; otherwise the new version holds only the new output.
    """
    step_path = os.path.join(root, step_uuid)
    os.makedirs(step_path, exist_ok=True)
    vid = f"v-{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp = os.path.join(step_path, ".tmp-" + vid)
    os.mkdir(tmp)
    try:
        kept = []
        found = _current_version(step_path) if keep_others else None
        if found is not None and _run_of(found[0]) == run_uuid:
            version, entries = found
            for i, entry in enumerate(entries):
                source = os.path.join(version, data_file_name(step_uuid, i, entry["serialization"]))
                kept.append((entry, source))
        new_entry = {"timestamp": _now(), "serialization": serialization_name, "name": name}
        slot = next((i for i, (e, _) in enumerate(kept) if name != "unnamed" and e["name"] == name), None)
        if slot is None:
            kept.append((new_entry, None))
        else:
            kept[slot] = (new_entry, None)
        for i, (entry, source) in enumerate(kept):
            target = os.path.join(tmp, data_file_name(step_uuid, i, entry["serialization"]))
            if source is None:
                with open(target, "wb") as f:
                    dump(f)
            else:
                os.link(source, target)
        _write_text(os.path.join(tmp, "HEAD"), "".join(f"{e['timestamp']}; {e['serialization']}; {e['name']}\n" for e, _ in kept))
        _write_text(os.path.join(tmp, "RUN"), run_uuid)
        os.rename(tmp, os.path.join(step_path, vid))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link = os.path.join(step_path, ".tmp-current-" + vid)
    os.symlink(vid, link)
    os.replace(link, os.path.join(step_path, CURRENT))
    _remove_stale(step_path, vid)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(step_path, keep):
    """Removes versions older than `keep` and temporary files of writers that died."""
    for entry in os.listdir(step_path):
        path = os.path.join(step_path, entry)
        if entry.startswith("v-") and entry < keep:
            shutil.rmtree(path, ignore_errors=True)
        elif entry.startswith(".tmp-"):
            parts = entry.split("-")
            pid = int(parts[-2]) if len(parts) >= 2 and parts[-2].isdigit() else None
            if pid is not None and not _pid_alive(pid):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        pass
