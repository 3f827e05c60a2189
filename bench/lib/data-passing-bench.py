"""Python half of bench/data-passing.ts: times orchest.output + get_inputs against a plain
write + read of the same bytes in the same folder. Prints one JSON object. Run by data-passing.ts
with PYTHONPATH, ORCHEST_PIPELINE_PATH and BERTH_OUTPUTS_DIR set."""
import array
import json
import os
import pickle
import sys
import time
import warnings

import orchest

warnings.simplefilter("ignore")  # a step outputs once per run; the bench overwrites on purpose
reps = int(sys.argv[1])
folder = sys.argv[2]
rows = int(sys.argv[3])
mib = int(sys.argv[4])


def plain(payload):
    """Overwrites one file in place, as a plain hand-off between two scripts would."""
    path = os.path.join(folder, "plain.bin")
    t0 = time.perf_counter()
    with open(path, "wb") as f:
        f.write(payload)
    with open(path, "rb") as f:
        back = f.read()
    t = time.perf_counter() - t0
    assert len(back) == len(payload)
    return t


def sdk(data, check):
    t0 = time.perf_counter()
    os.environ["ORCHEST_STEP_UUID"] = "writer"
    orchest.output(data, "payload")
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


blob = os.urandom(mib * 1024 * 1024)
table = columns(rows)
row_table = rows_of(rows)
cases = {
    "py bytes": (blob, blob, lambda b: len(b) == len(blob) or sys.exit("bad bytes")),
    "py table (columns)": (table, pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL), lambda t: len(t["id"]) == rows or sys.exit("bad table")),
    "py table (row tuples)": (row_table, pickle.dumps(row_table, protocol=pickle.HIGHEST_PROTOCOL), lambda t: len(t) == rows or sys.exit("bad rows")),
}
out = {}
for name, (data, same_bytes, check) in cases.items():
    p, s = [], []
    sdk(data, check)  # warm-up
    plain(same_bytes)
    for i in range(reps):
        if i % 2 == 0:
            p.append(plain(same_bytes))
            s.append(sdk(data, check))
        else:
            s.append(sdk(data, check))
            p.append(plain(same_bytes))
    out[name] = {"bytes": len(same_bytes), "plain": p, "sdk": s}
print(json.dumps(out))
