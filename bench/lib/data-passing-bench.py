"""Python half of bench/data-passing.ts: times orchest.output + get_inputs against a plain
write + read of the same bytes (those of the file the SDK wrote) in the same folder. Prints one JSON object. Run by data-passing.ts
with PYTHONPATH, ORCHEST_PIPELINE_PATH and BERTH_OUTPUTS_DIR set."""
import array
import json
import os
import sys
import time
import warnings

import orchest
from berth import store

warnings.simplefilter("ignore")  # a step outputs once per run; the bench overwrites on purpose
reps = int(sys.argv[1])
folder = sys.argv[2]
rows = int(sys.argv[3])
mib = int(sys.argv[4])


_fresh = [0]


def plain(payload, in_place):
    """Writes the bytes and reads them back. In place: one file overwritten (O_TRUNC); otherwise a
    new file each time, the previous one unlinked (what the SDK does with its versions), which is
    the cheaper of the two on some file systems (overlayfs truncation is slow)."""
    if in_place:
        path = os.path.join(folder, "plain.bin")
    else:
        _fresh[0] += 1
        path = os.path.join(folder, f"plain-{_fresh[0]}.bin")
    t0 = time.perf_counter()
    with open(path, "wb") as f:
        f.write(payload)
    if not in_place and _fresh[0] > 1:
        os.unlink(os.path.join(folder, f"plain-{_fresh[0] - 1}.bin"))
    with open(path, "rb") as f:
        back = f.read()
    t = time.perf_counter() - t0
    assert len(back) == len(payload)
    return t


def sdk(data, serialization, check):
    t0 = time.perf_counter()
    os.environ["ORCHEST_STEP_UUID"] = "writer"
    orchest.output_to_disk(data, "payload", serialization=serialization)
    os.environ["ORCHEST_STEP_UUID"] = "reader"
    back = orchest.get_inputs()["payload"]
    t = time.perf_counter() - t0
    check(back)
    return t


def columns(n):
    return {
        "id": array.array("q", range(n)),
        "value": array.array("d", (i * 0.5 for i in range(n))),
        "category": array.array("i", (i % 7 for i in range(n))),
    }


def rows_of(n):
    return [(i, i * 0.5, f"c{i % 7}") for i in range(n)]


def sdk_file_bytes():
    """The bytes of the file the SDK wrote for the writer's output: what the plain side copies."""
    found = store.read_outputs(os.environ["BERTH_OUTPUTS_DIR"], "writer")
    try:
        return b"".join(f.read() for _, f in found)
    finally:
        for _, f in found:
            f.close()


blob = os.urandom(mib * 1024 * 1024)
table = columns(rows)
row_table = rows_of(rows)
cases = {
    "py bytes": (blob, None, lambda b: len(b) == len(blob) or sys.exit("bad bytes")),
    "py table (columns, PICKLE)": (table, None, lambda t: t["id"][-1] == rows - 1 or sys.exit("bad table")),
    "py table (columns, COLUMNS)": (table, "COLUMNS", lambda t: t["id"][-1] == rows - 1 or sys.exit("bad table")),
    "py table (row tuples)": (row_table, None, lambda t: len(t) == rows or sys.exit("bad rows")),
}
out = {}
for name, (data, serialization, check) in cases.items():
    p, f, s = [], [], []
    sdk(data, serialization, check)  # warm-up; it also leaves the file whose bytes the plain side copies
    same_bytes = sdk_file_bytes()
    plain(same_bytes, True)
    plain(same_bytes, False)
    for i in range(reps):
        if i % 2 == 0:
            p.append(plain(same_bytes, True))
            f.append(plain(same_bytes, False))
            s.append(sdk(data, serialization, check))
        else:
            s.append(sdk(data, serialization, check))
            f.append(plain(same_bytes, False))
            p.append(plain(same_bytes, True))
    out[name] = {"bytes": len(same_bytes), "plain": p, "plainFresh": f, "sdk": s}
print(json.dumps(out))
