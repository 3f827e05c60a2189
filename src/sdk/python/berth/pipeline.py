"""The run's pipeline definition (the file at ORCHEST_PIPELINE_PATH)."""
import json

from . import config
from .error import PipelineDefinitionNotFoundError, StepUUIDResolveError


def load_pipeline():
    path = config.pipeline_path()
    if not path:
        raise PipelineDefinitionNotFoundError(
            "ORCHEST_PIPELINE_PATH is not set: this code is not running as a pipeline step "
            "(run it with `berth run PIPELINE_FILE`)"
        )
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as e:
        raise PipelineDefinitionNotFoundError(f"the pipeline definition {path} does not exist") from e
    except ValueError as e:
        raise PipelineDefinitionNotFoundError(f"the pipeline definition {path} is not valid JSON: {e}") from e


def this_step(pipeline=None):
    pipeline = pipeline if pipeline is not None else load_pipeline()
    uuid = config.step_uuid()
    step = pipeline.get("steps", {}).get(uuid)
    if step is None:
        raise StepUUIDResolveError(f"step {uuid} (ORCHEST_STEP_UUID) is not in pipeline {pipeline.get('name')!r}")
    return step
