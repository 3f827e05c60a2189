#!/usr/bin/env bash
# Shell: a bash step sees its parameters in BERTH_STEP_PARAMETERS and uses the Python SDK for data.
set -euo pipefail
echo "step parameters: $BERTH_STEP_PARAMETERS"
mkdir -p "$BERTH_DATA_DIR/sdk-tour"
echo "$BERTH_PIPELINE_PARAMETERS" > "$BERTH_DATA_DIR/sdk-tour/pipeline-parameters.json"
python3 - <<'PY'
import orchest
rows = orchest.get_inputs()["rows"]
label = orchest.get_step_param("label")
# output_to_memory is Orchest's deprecated name: it warns and writes to disk. No name = "unnamed".
orchest.output_to_memory(f"{label}: {len(rows)} rows", None)
PY
