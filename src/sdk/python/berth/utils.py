"""Orchest's ``orchest.utils``: the running step's uuid and the pipeline as a Pipeline object."""
import os

from . import config
from .error import StepUUIDResolveError
from .pipeline import Pipeline, load_pipeline

__all__ = ["get_pipeline", "get_step_uuid"]


def get_pipeline():
    """The run's pipeline (outside a run: the pipeline the notebook is a step of) as a Pipeline."""
    return Pipeline.from_json(load_pipeline())


def _print_env_var_suggestion(pipeline):
    print("Please specify a pipeline step UUID by setting the ORCHEST_STEP_UUID environment variable. "
          "Choose one of the following pipeline steps:")
    for step in pipeline.steps:
        print(f"ORCHEST_STEP_UUID={step.properties.get('uuid')} (Step with title "
              f"'{step.properties.get('title')}' and path '{step.properties.get('file_path')}')")
    print("\nFor example by executing: ORCHEST_STEP_UUID=<uuid> python myfile.py\n")


def get_step_uuid(pipeline):
    """The uuid of the step running this code: ORCHEST_STEP_UUID in a run; in a notebook's kernel,
    the step of the pipeline whose file is the notebook. Raises StepUUIDResolveError otherwise."""
    uuid = os.environ.get("ORCHEST_STEP_UUID")
    if uuid:
        return uuid
    from . import notebook_session  # noqa: PLC0415 (outside a run only)

    notebook = notebook_session.notebook_path()
    if notebook is None:
        _print_env_var_suggestion(pipeline)
        raise StepUUIDResolveError(
            'Environment variable "ORCHEST_STEP_UUID" has to be set when this code does not run as a '
            "pipeline step or in a notebook's kernel.")
    definition = pipeline.to_dict()
    path = config.pipeline_path()
    if path:
        found = notebook_session.steps_of(notebook, path, definition)
    else:  # a Pipeline built by hand: compare file names, as Orchest did
        name = os.path.basename(notebook)
        found = [s.properties["uuid"] for s in pipeline.steps if os.path.basename(s.properties.get("file_path", "")) == name]
    if len(found) == 1:
        return found[0]
    if not found:
        raise StepUUIDResolveError(f'No step with "notebook_path": {notebook}.')
    raise StepUUIDResolveError(f"notebook {notebook} is several steps of this pipeline ({', '.join(found)}): set ORCHEST_STEP_UUID")
