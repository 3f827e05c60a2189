"""Writes a small CSV into the shared data folder (/data in containers, BERTH_DATA_DIR locally)."""
import json
import os
import random

params = json.load(open(os.environ["ORCHEST_PIPELINE_PATH"]))["parameters"]
rows = int(params.get("rows", 5))
random.seed(42)
path = os.path.join(os.environ["BERTH_DATA_DIR"], "hello.csv")
with open(path, "w") as f:
    f.write("id,value\n")
    for i in range(rows):
        f.write(f"{i},{random.randint(1, 100)}\n")
print(f"wrote {rows} rows to {path}")
