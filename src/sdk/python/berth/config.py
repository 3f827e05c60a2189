"""Where the SDK finds things. In a run every path comes from the step's environment, so a container
runtime can mount the folders anywhere and say where. Outside a run — a notebook's kernel in
JupyterLab — the notebook's path says which pipeline and step it is (notebook_session.py) and the
outputs are the pipeline's interactive ones under BERTH_HOME."""
import os

from .error import OutputsDirNotSetError, StepUUIDResolveError, UnrecognizedSessionType

SESSION_TYPES = ("interactive", "noninteractive")


def _env(*names):
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class Config:
    """Orchest's ``orchest.Config``: read from the environment when the SDK is imported, as Orchest
    did. Assigning PIPELINE_DEFINITION_PATH or silence_multiple_data_transfer_calls_warning changes
    what the SDK does; the memory-store and orchest-api settings are kept for code that reads them
    (Berth has neither)."""

    SESSION_UUID = os.getenv("ORCHEST_SESSION_UUID")
    SESSION_TYPE = os.getenv("ORCHEST_SESSION_TYPE")
    PROJECT_UUID = os.getenv("ORCHEST_PROJECT_UUID")
    PIPELINE_UUID = os.getenv("ORCHEST_PIPELINE_UUID", "")
    PIPELINE_DEFINITION_PATH = _env("ORCHEST_PIPELINE_PATH", "BERTH_PIPELINE_PATH")
    ORCHEST_API_ADDRESS = "orchest-api"
    # {step_uuid} is replaced by get_step_data_dir: the folder of that step's outputs.
    STEP_DATA_DIR = os.path.join(os.getenv("BERTH_OUTPUTS_DIR", ""), "{step_uuid}")
    MAX_RELATIVE_STORE_CAPACITY = 0.95
    STORE_SOCKET_NAME = "/project-dir/.orchest/plasma.sock"
    IDENTIFIER_SERIALIZATION = 1
    IDENTIFIER_EVICTION = 2
    CONN_NUM_RETRIES = 20
    __METADATA_SEPARATOR__ = "; "
    _RESERVED_UNNAMED_OUTPUTS_STR = "unnamed"
    # True silences the warnings about calling get_inputs() or output() more than once.
    silence_multiple_data_transfer_calls_warning = False

    @classmethod
    def get_step_data_dir(cls, step_uuid):
        if not os.getenv("BERTH_OUTPUTS_DIR"):
            return os.path.join(outputs_dir(), step_uuid)
        return cls.STEP_DATA_DIR.format(step_uuid=step_uuid)


def _notebook_step():
    """(pipeline file, step uuid) of the notebook whose kernel this is, or None outside a notebook."""
    from . import notebook_session  # noqa: PLC0415 (outside a run only: steps do not import it)

    notebook = notebook_session.notebook_path()
    if notebook is None:
        return None
    return notebook_session.find_step(notebook, Config.PIPELINE_DEFINITION_PATH)


def pipeline_path():
    """The run's pipeline definition (parameters applied); outside a run, the notebook's pipeline file."""
    if Config.PIPELINE_DEFINITION_PATH:
        return Config.PIPELINE_DEFINITION_PATH
    found = _notebook_step()
    return found[0] if found else None


def step_uuid():
    uuid = _env("ORCHEST_STEP_UUID", "BERTH_STEP_UUID")
    if uuid:
        return uuid
    found = _notebook_step()
    if found:
        return found[1]
    raise StepUUIDResolveError(
        "ORCHEST_STEP_UUID is not set: this code is not running as a pipeline step "
        "(run it with `berth run PIPELINE_FILE`, or open the notebook in JupyterLab)"
    )


def run_uuid():
    return _env("BERTH_RUN_UUID") or ""


def berth_home():
    return _env("BERTH_HOME") or os.path.join(os.path.expanduser("~"), ".berth")


def _project_uuid_of(project_dir, pipeline_uuid):
    """The uuid Berth gave the project folder (its store), else the one outputs folder of this pipeline."""
    if Config.PROJECT_UUID:
        return Config.PROJECT_UUID
    import glob  # noqa: PLC0415 (outside a run only: steps do not pay for these imports)
    import sqlite3  # noqa: PLC0415

    db = os.path.join(berth_home(), "berth.db")
    if os.path.exists(db):
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                row = conn.execute("SELECT uuid FROM projects WHERE path = ?", (project_dir,)).fetchone()
            finally:
                conn.close()
            if row:
                return row[0]
        except sqlite3.Error:
            pass
    found = glob.glob(os.path.join(glob.escape(berth_home()), "outputs", "*", glob.escape(pipeline_uuid)))
    return os.path.basename(os.path.dirname(found[0])) if len(found) == 1 else None


def outputs_dir():
    """The folder holding one sub-folder of outputs per step of this pipeline (or job run)."""
    path = _env("BERTH_OUTPUTS_DIR")
    if path:
        return path
    found = _notebook_step()
    if found:
        from . import notebook_session  # noqa: PLC0415
        from .pipeline import read_definition  # noqa: PLC0415 (pipeline imports config)

        pipeline_file = found[0]
        pipeline_uuid = read_definition(pipeline_file).get("uuid", "")
        project = notebook_session.project_dir(os.path.dirname(os.path.realpath(pipeline_file)))
        project_uuid = _project_uuid_of(project, pipeline_uuid)
        if project_uuid and pipeline_uuid:
            return os.path.join(berth_home(), "outputs", project_uuid, pipeline_uuid)
        raise OutputsDirNotSetError(
            f"Berth has not run pipeline {os.path.relpath(pipeline_file, project)} of {project} yet (BERTH_HOME {berth_home()}): "
            f"run it once with `berth run {pipeline_file}` so that its outputs have a folder"
        )
    raise OutputsDirNotSetError(
        "BERTH_OUTPUTS_DIR is not set: outputs can only be passed between steps run by Berth "
        "(run the pipeline with `berth run PIPELINE_FILE`)"
    )


def session_uuid():
    return _env("ORCHEST_SESSION_UUID", "BERTH_SESSION_UUID") or ""


def session_type():
    value = _env("ORCHEST_SESSION_TYPE", "BERTH_SESSION_TYPE") or "interactive"
    if value not in SESSION_TYPES:
        raise UnrecognizedSessionType(f"ORCHEST_SESSION_TYPE is {value!r}: it is \"interactive\" or \"noninteractive\"")
    return value


def services_host():
    """Set by Berth when a session's services share the host's loopback (the process runtime)."""
    return _env("BERTH_SERVICES_HOST")


def project_uuid():
    return _env("ORCHEST_PROJECT_UUID", "BERTH_PROJECT_UUID") or ""
