"""Load: reads its parameters and passes a table on as JSON, so Python and JS steps can read it."""
import random

import orchest

rows = orchest.get_step_param("rows", 10)
step_params, pipeline_params = orchest.get_params()
random.seed(step_params["seed"])
scale = orchest.get_pipeline_param("scale", 1)
table = [{"id": i, "value": round(random.random() * scale, 6)} for i in range(rows)]
print(f"{pipeline_params['greeting']}: {rows} rows, scale {scale}")
orchest.output_to_disk(table, "rows", serialization="JSON")
