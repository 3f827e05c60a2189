"""Step and pipeline parameters: Orchest's ``orchest.parameters``. They are read from the run's
pipeline definition, where the run's overrides (--param, --step-param, job parameters) are applied."""
from .pipeline import load_pipeline, this_step

__all__ = ["get_params", "get_step_param", "get_pipeline_param"]


def get_params():
    """(step parameters, pipeline parameters) of this step's run."""
    pipeline = load_pipeline()
    return dict(this_step(pipeline).get("parameters", {})), dict(pipeline.get("parameters", {}))


def get_step_param(name, default=None):
    return get_params()[0].get(name, default)


def get_pipeline_param(name, default=None):
    return get_params()[1].get(name, default)
