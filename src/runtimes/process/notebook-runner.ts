/**
 * Runs a notebook step the way Orchest's runner did: cell by cell on a Jupyter kernel (nbclient,
 * which nbconvert uses), each output written to the step's log as it is produced, every line
 * prefixed by the cell's execution count (`[3] epoch 1`); errors as their traceback without colour
 * codes. Nothing of nbconvert's own chatter; the kernel process's stderr (its start-up warnings)
 * goes to `<executed notebook>.kernel.log`. The executed notebook is written to OUT even when a cell
 * fails. Exit status 0, or 1 when a cell raised.
 * Usage: python3 -c NOTEBOOK_RUNNER OUT NOTEBOOK [KERNEL]
 */
export const NOTEBOOK_RUNNER = String.raw`
import os, re, sys, warnings
warnings.filterwarnings("ignore")  # nbformat/nbclient deprecation notes are not the notebook's output
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

out_path, nb_path = sys.argv[1], sys.argv[2]
kernel = sys.argv[3] if len(sys.argv) > 3 else ""
ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

class LiveClient(NotebookClient):
    def output(self, outs, msg, display_id, cell_index):
        cell = self.nb.cells[cell_index]
        n = cell.get("execution_count") or cell_index + 1
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            emit(n, content.get("text", ""), sys.stderr if content.get("name") == "stderr" else sys.stdout)
        elif kind in ("execute_result", "display_data"):
            data = content.get("data", {})
            emit(n, data.get("text/plain", "<%s>" % ", ".join(sorted(data))), sys.stdout)
        elif kind == "error":
            emit(n, "\n".join(content.get("traceback") or [content.get("ename", "") + ": " + content.get("evalue", "")]), sys.stderr)
        return super().output(outs, msg, display_id, cell_index)

def emit(n, text, stream):
    for line in ansi.sub("", text).splitlines():
        stream.write("[%s] %s\n" % (n, line))
    stream.flush()

nb = nbformat.read(nb_path, as_version=4)
os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
options = {"timeout": None, "resources": {"metadata": {"path": os.path.dirname(os.path.abspath(nb_path))}}}
if kernel:
    options["kernel_name"] = kernel
client = LiveClient(nb, **options)
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
status = 0
with open(out_path + ".kernel.log", "w") as kernel_log:
    try:
        client.execute(stderr=kernel_log)
    except CellExecutionError:
        status = 1
    finally:
        nbformat.write(nb, out_path)
sys.exit(status)
`;
