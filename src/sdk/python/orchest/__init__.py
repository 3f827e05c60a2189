"""``orchest`` is Berth's SDK under Orchest's name: the same module objects, so
``orchest.error.OutputNotFoundError is berth.error.OutputNotFoundError``."""
import sys

import berth

for _sub in ("_version", "config", "error", "parameters", "pipeline", "serialization", "services", "store", "transfer", "utils"):
    sys.modules[f"orchest.{_sub}"] = sys.modules[f"berth.{_sub}"]
sys.modules["orchest"] = berth
