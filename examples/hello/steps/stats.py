import csv
import json
import os

column = json.loads(os.environ["BERTH_STEP_PARAMETERS"]).get("column", "value")
with open(os.path.join(os.environ["BERTH_DATA_DIR"], "hello.csv")) as f:
    values = [int(row[column]) for row in csv.DictReader(f)]
stats = {"min": min(values), "max": max(values), "mean": sum(values) / len(values)}
with open(os.path.join(os.environ["BERTH_DATA_DIR"], "hello.stats.json"), "w") as f:
    json.dump(stats, f)
print("stats:", stats)
