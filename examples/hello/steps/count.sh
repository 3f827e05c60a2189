#!/usr/bin/env bash
set -euo pipefail
lines=$(($(wc -l < "$BERTH_DATA_DIR/hello.csv") - 1))
echo "$lines" > "$BERTH_DATA_DIR/hello.count"
echo "counted $lines rows (step $ORCHEST_STEP_UUID in $(pwd))"
