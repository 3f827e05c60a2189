"""Which step a notebook is when its code runs in a Jupyter kernel outside a Berth run (JupyterLab
on the project folder). Orchest asked its Jupyter server which notebook the kernel runs; Berth finds
the notebook the same ways and then the step whose ``file_path`` is that notebook, in the
project's pipeline files:

1. ``JPY_SESSION_NAME``: the notebook's path, which jupyter_server (2.x) gives each kernel it starts;
2. the IPython namespace: ``__vsc_ipynb_file__`` (VS Code) or ``__session__`` (ipykernel);
3. the kernel's Jupyter server: its ``api/sessions`` (found in Jupyter's runtime folder), matched by
   the kernel id of this kernel's connection file, as Orchest did (``BERTH_KERNEL_ID`` in a kernel
   that is not ipykernel, which a Docker session's kernel host sets).
"""
import json
import os
import sys

from .error import OrchestNetworkError, PipelineDefinitionNotFoundError, StepUUIDResolveError

_SKIP_DIRS = {".orchest", ".git", "node_modules", ".ipynb_checkpoints", "__pycache__", ".venv", "venv"}
_MAX_PIPELINE_FILES = 1000


def notebook_path():
    """The absolute path of the notebook this kernel runs, or None (not a notebook's kernel)."""
    path = os.environ.get("JPY_SESSION_NAME")
    if path and path.endswith(".ipynb") and os.path.isabs(path):
        return path
    path = _from_ipython() or _from_jupyter_server()
    return os.path.abspath(path) if path else None


def _from_ipython():
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is None:
        return None
    for key in ("__vsc_ipynb_file__", "__session__"):
        value = shell.user_ns.get(key)
        if isinstance(value, str) and value.endswith(".ipynb") and os.path.isabs(value):
            return value
    return None


def _kernel_id():
    ipykernel = sys.modules.get("ipykernel")
    if ipykernel is None:
        # Not an ipykernel (an R kernel importing the SDK through reticulate): Berth's Docker kernel
        # host names the kernel it started in BERTH_KERNEL_ID.
        return os.environ.get("BERTH_KERNEL_ID") or None
    try:
        from ipykernel import get_connection_file  # noqa: PLC0415 (only inside a kernel)

        name = os.path.basename(get_connection_file())
    except Exception:  # not a running kernel
        return None
    if name.startswith("kernel-") and name.endswith(".json"):
        return name[len("kernel-"):-len(".json")]
    return None


def _runtime_dir():
    try:
        from jupyter_core.paths import jupyter_runtime_dir  # noqa: PLC0415

        return jupyter_runtime_dir()
    except ImportError:
        return os.environ.get("JUPYTER_RUNTIME_DIR") or os.path.join(
            os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "jupyter", "runtime")


def _from_jupyter_server():
    kernel_id = _kernel_id()
    if kernel_id is None:
        return None
    runtime = _runtime_dir()
    try:
        names = sorted(n for n in os.listdir(runtime) if n.endswith(".json") and n.startswith(("jpserver-", "nbserver-")))
    except OSError:
        return None
    import urllib.error  # noqa: PLC0415 (only here: importing it costs every step ~25 ms)
    import urllib.request  # noqa: PLC0415

    failures = []
    for name in names:
        try:
            with open(os.path.join(runtime, name), encoding="utf-8") as f:
                server = json.load(f)
            url = server["url"].rstrip("/") + "/api/sessions"
        except (OSError, ValueError, KeyError, AttributeError):
            continue
        request = urllib.request.Request(url, headers={"Authorization": f"token {server.get('token', '')}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                sessions = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as e:
            failures.append(f"{url}: {e}")
            continue
        for session in sessions if isinstance(sessions, list) else []:
            if (session.get("kernel") or {}).get("id") == kernel_id:
                relative = session.get("path") or (session.get("notebook") or {}).get("path")
                root = server.get("root_dir") or server.get("notebook_dir") or ""
                if relative:
                    return os.path.join(root, relative)
    if failures:
        raise OrchestNetworkError("cannot ask the Jupyter server which notebook this kernel runs: " + "; ".join(failures))
    return None


def project_dir(start):
    """The nearest folder at or above start holding .orchest/ or .git (as Berth finds projects), else start."""
    directory = start
    while True:
        if os.path.exists(os.path.join(directory, ".orchest")) or os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent


def _pipeline_files(root):
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS)
        found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(".orchest"))
        if len(found) >= _MAX_PIPELINE_FILES:
            break
    return found


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            definition = json.load(f)
    except (OSError, ValueError):
        return None
    return definition if isinstance(definition, dict) and isinstance(definition.get("steps"), dict) else None


def steps_of(notebook, pipeline_file, definition):
    """The uuids of the steps of this pipeline whose file_path is the notebook."""
    real = os.path.realpath(notebook)
    base = os.path.dirname(os.path.realpath(pipeline_file))
    return [uuid for uuid, step in definition["steps"].items()
            if isinstance(step, dict) and isinstance(step.get("file_path"), str)
            and os.path.realpath(os.path.join(base, step["file_path"])) == real]


def find_step(notebook, pipeline_file=None):
    """(pipeline file, step uuid) of the notebook: in pipeline_file when given, else in the project's
    pipelines. Raises when no pipeline or several steps have it."""
    real = os.path.realpath(notebook)
    root = project_dir(os.path.dirname(real))
    candidates = [pipeline_file] if pipeline_file else _pipeline_files(root)
    matches = []
    for path in candidates:
        definition = _read(path)
        if definition is not None:
            matches.extend((path, uuid) for uuid in steps_of(real, path, definition))
    if not matches:
        where = pipeline_file or f"the pipeline files (*.orchest) of project {root}"
        raise PipelineDefinitionNotFoundError(
            f"notebook {real} is not a step of any pipeline in {where}: add it to a pipeline as a step, "
            "or set ORCHEST_PIPELINE_PATH and ORCHEST_STEP_UUID")
    if len(matches) > 1:
        listed = ", ".join(f"{os.path.relpath(p, root)} step {u}" for p, u in matches)
        raise StepUUIDResolveError(
            f"notebook {real} is several steps ({listed}): set ORCHEST_PIPELINE_PATH and ORCHEST_STEP_UUID to choose one")
    return matches[0]
