"""``orchest`` is Berth's SDK under Orchest's name: the same module objects, so
``orchest.error.OutputNotFoundError is berth.error.OutputNotFoundError``."""
import sys

import berth

for _sub in ("config", "error", "parameters", "pipeline", "serialization", "services", "store", "transfer"):
    sys.modules[f"orchest.{_sub}"] = getattr(berth, _sub)
sys.modules["orchest"] = berth
