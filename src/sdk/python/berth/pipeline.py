"""The pipeline definition: Orchest's ``orchest.pipeline`` (Pipeline, PipelineStep) and the plain
dict the rest of the SDK reads."""
import json

from . import config
from .error import PipelineDefinitionNotFoundError, StepUUIDResolveError

__all__ = ["Pipeline", "PipelineStep", "load_pipeline", "this_step"]


def read_definition(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            definition = json.load(f)
    except FileNotFoundError as e:
        raise PipelineDefinitionNotFoundError(f"the pipeline definition {path} does not exist") from e
    except ValueError as e:
        raise PipelineDefinitionNotFoundError(f"the pipeline definition {path} is not valid JSON: {e}") from e
    if not isinstance(definition, dict):
        raise PipelineDefinitionNotFoundError(f"the pipeline definition {path} is not a JSON object")
    return definition


def load_pipeline():
    """The run's pipeline definition as a dict (outside a run: the notebook's pipeline file)."""
    path = config.pipeline_path()
    if not path:
        raise PipelineDefinitionNotFoundError(
            "ORCHEST_PIPELINE_PATH is not set: this code is not running as a pipeline step "
            "(run it with `berth run PIPELINE_FILE`, or open the notebook in JupyterLab)"
        )
    return read_definition(path)


def this_step(pipeline=None):
    pipeline = pipeline if pipeline is not None else load_pipeline()
    uuid = config.step_uuid()
    step = pipeline.get("steps", {}).get(uuid)
    if step is None:
        raise StepUUIDResolveError(f"step {uuid} (ORCHEST_STEP_UUID) is not in pipeline {pipeline.get('name')!r}")
    return step


class PipelineStep:
    """One step: ``properties`` (its definition), ``parents`` and ``children`` (PipelineSteps)."""

    def __init__(self, properties, parents=None):
        self.properties = properties
        self.parents = parents if parents is not None else []
        self.children = []

    def get_params(self):
        return self.properties.get("parameters", {})

    def __str__(self):
        return f"<PipelineStep: {self.properties.get('title')}>" if self.properties else "<PipelineStep: None>"

    def __repr__(self):
        return f"PipelineStep({self.properties.get('title')!r})" if self.properties else "PipelineStep(None)"


class Pipeline:
    """A pipeline: ``steps`` (PipelineSteps, linked to their parents and children) and
    ``properties`` (name, uuid, settings, parameters, services)."""

    def __init__(self, steps, properties):
        self.steps = steps
        self.properties = properties

    @classmethod
    def from_json(cls, description):
        """A Pipeline from a pipeline definition (the dict of an .orchest file)."""
        steps = {uuid: PipelineStep(properties) for uuid, properties in description["steps"].items()}
        for step in steps.values():
            for parent_uuid in step.properties.get("incoming_connections", []):
                parent = steps.get(parent_uuid)
                if parent is None:
                    raise StepUUIDResolveError(
                        f"step {step.properties.get('uuid')!r} has incoming connection {parent_uuid!r}, which is no step of the pipeline")
                step.parents.append(parent)
                parent.children.append(step)
        properties = {
            "name": description.get("name"),
            "uuid": description.get("uuid"),
            "settings": description.get("settings"),
            "parameters": description.get("parameters", {}),
            "services": description.get("services", {}),
        }
        return cls(list(steps.values()), properties)

    def to_dict(self):
        description = {"steps": {step.properties["uuid"]: step.properties for step in self.steps}}
        description.update(self.properties)
        return description

    def get_step_by_uuid(self, uuid):
        """The step with this uuid. Raises StepUUIDResolveError when the pipeline has none."""
        for step in self.steps:
            if step.properties.get("uuid") == uuid:
                return step
        raise StepUUIDResolveError(f"Step does not exist in the pipeline with UUID: {uuid}.")

    def get_params(self):
        return self.properties.get("parameters", {})

    def __repr__(self):
        return f"Pipeline({self.steps!r})"
