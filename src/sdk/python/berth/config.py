"""Where the SDK finds things: every path comes from the step's environment, so a container
runtime can mount the folders anywhere and say where."""
import os

from .error import OutputsDirNotSetError, StepUUIDResolveError


def _env(*names):
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def pipeline_path():
    """The run's pipeline definition, with the run's parameters applied."""
    return _env("ORCHEST_PIPELINE_PATH", "BERTH_PIPELINE_PATH")


def step_uuid():
    uuid = _env("ORCHEST_STEP_UUID", "BERTH_STEP_UUID")
    if not uuid:
        raise StepUUIDResolveError(
            "ORCHEST_STEP_UUID is not set: this code is not running as a pipeline step "
            "(run it with `berth run PIPELINE_FILE`)"
        )
    return uuid


def run_uuid():
    return _env("BERTH_RUN_UUID") or ""


def outputs_dir():
    """The folder holding one sub-folder of outputs per step of this pipeline (or job run)."""
    path = _env("BERTH_OUTPUTS_DIR")
    if not path:
        raise OutputsDirNotSetError(
            "BERTH_OUTPUTS_DIR is not set: outputs can only be passed between steps run by Berth "
            "(run the pipeline with `berth run PIPELINE_FILE`)"
        )
    return path


def session_uuid():
    return _env("ORCHEST_SESSION_UUID", "BERTH_SESSION_UUID") or ""


def session_type():
    return _env("ORCHEST_SESSION_TYPE", "BERTH_SESSION_TYPE") or "interactive"


def services_host():
    """Set by Berth when a session's services share the host's loopback (the process runtime)."""
    return _env("BERTH_SERVICES_HOST")


def project_uuid():
    return _env("ORCHEST_PROJECT_UUID", "BERTH_PROJECT_UUID") or ""
