"""Passing data between steps: Orchest's ``orchest.transfer``.

A step has one output slot by default, as in Orchest: a second ``output`` call in the same run
replaces the first (with a warning). ``output(data, name, multiple=True)`` keeps every named
output the step writes in this run instead (one per name), and children receive all of them.
"""
import warnings

from . import config, names, serialization as ser, store
from .config import Config
from .error import DiskOutputNotFoundError, InputNameCollisionError, InvalidMetaDataError
from .pipeline import load_pipeline, this_step
from .serialization import Serialization

__all__ = ["Serialization", "get_inputs", "output", "output_to_disk", "output_to_memory"]

_called = {"get_inputs": False}


def output_to_disk(data, name, serialization=None, *, multiple=False):
    """Writes data as this step's output, for its children's get_inputs().

    Args:
        data: the object to pass on.
        name: the name children see it under, or None for an unnamed output.
        serialization: a Serialization (or its name) when data is ALREADY serialized that way
            (bytes, bytearray, memoryview or pyarrow.Buffer), as in Orchest: it is written as is.
            Given with other data, data is serialized that way (JSON of a dict, COLUMNS of a dict of
            arrays, ...). None: pyarrow tables and record batches use Arrow, bytes and memoryviews
            BYTES, everything else (a bytearray too) PICKLE. JSON and BYTES can be read by
            JavaScript steps.
        multiple: keep this step's other named outputs of this run instead of replacing them.

    Raises:
        DataInvalidNameError: the name is not allowed (not a str or None, reserved, ...).
        SerializationError: the data cannot be written with this serialization.
    """
    stored_name = names.check_name(name)
    given = ser.parse(serialization)
    chosen = given or ser.infer(data)
    if given is not None and ser.is_serialized(data):
        def dump(f):
            ser.dump_serialized(data, chosen, f)
    else:
        def dump(f):
            ser.dump(data, chosen, f)
    root = config.outputs_dir()
    step_uuid = config.step_uuid()
    run_uuid = config.run_uuid()
    quiet = Config.silence_multiple_data_transfer_calls_warning
    if not multiple and not quiet and run_uuid and store.last_run(root, step_uuid) == run_uuid:
        warnings.warn(
            "this step already wrote an output in this run; the new output replaces it (a step has one "
            "output unless it passes multiple=True)",
            UserWarning,
            stacklevel=3,
        )
    store.write_output(root, step_uuid, run_uuid, stored_name, chosen.name, dump, multiple)


def output(data, name, *, multiple=False):
    """Orchest's output(data, name): output_to_disk with the default serialization."""
    output_to_disk(data, name, multiple=multiple)


def output_to_memory(data, name, disk_fallback=True):
    """Deprecated (Orchest's memory store is gone): warns and writes to disk."""
    warnings.warn(
        "output_to_memory is deprecated: the output is written to disk; use output(data, name) instead",
        FutureWarning,
        stacklevel=2,
    )
    output_to_disk(data, name)


def get_inputs(ignore_failure=False, verbose=False):
    """The outputs of this step's parents, in the order of its incoming_connections.

    Returns:
        {"unnamed": [values of unnamed outputs, in order], "<name>": value, ...}

    Raises:
        OutputNotFoundError: a parent has no output (unless ignore_failure: its value is None,
            appended to "unnamed").
        InputNameCollisionError: two parents' outputs have the same name.
        DeserializationError: an output cannot be read back.
    """
    if _called["get_inputs"] and not Config.silence_multiple_data_transfer_calls_warning:
        warnings.warn("get_inputs() was already called in this step; reading the inputs again", UserWarning, stacklevel=2)
    _called["get_inputs"] = True
    pipeline = load_pipeline()
    step = this_step(pipeline)
    root = config.outputs_dir()
    result = {"unnamed": []}
    owner = {}
    for parent in step.get("incoming_connections", []):
        title = pipeline.get("steps", {}).get(parent, {}).get("title", parent)
        try:
            found = store.read_outputs(root, parent)
        except InvalidMetaDataError as e:
            if ignore_failure:
                if verbose:
                    print(f'Failed to retrieve input from step: "{title}"')
                result["unnamed"].append(None)
                continue
            raise DiskOutputNotFoundError(f'incoming step "{title}" ({parent}) has no readable output: {e}') from e
        if found is None:
            if ignore_failure:
                if verbose:
                    print(f'Failed to retrieve input from step: "{title}"')
                result["unnamed"].append(None)
                continue
            raise DiskOutputNotFoundError(
                f'incoming step "{title}" ({parent}) has no output: it did not call output(), or it has not run '
                "yet (run it, or call get_inputs(ignore_failure=True) to get None instead)"
            )
        try:
            values = [(entry, ser.load(entry["serialization"], f, f'output of step "{title}"')) for entry, f in found]
        finally:
            for _, f in found:
                f.close()
        if verbose:  # Orchest's lines, on stdout
            print(f'Retrieved input from step: "{title}"')
        for entry, value in values:
            name = entry["name"]
            if name == names.RESERVED_NAME:
                result["unnamed"].append(value)
            elif name in result:
                raise InputNameCollisionError(
                    f'the outputs of incoming steps "{owner[name]}" and "{title}" are both named "{name}": '
                    "give them different names"
                )
            else:
                result[name] = value
                owner[name] = title
    return result


