/**
 * Runs a notebook step the way Orchest's runner did: cell by cell on a Jupyter kernel (nbclient,
 * which nbconvert uses), each output written to the step's log as it is produced, every line
 * prefixed by the cell's execution count (`[3] epoch 1`); errors as their traceback without colour
 * codes. Nothing of nbconvert's own chatter; the kernel process's stderr (its start-up warnings)
 * goes to `<executed notebook>.kernel.log`. The executed notebook is written to OUT even when a cell
 * fails. Exit status 0, or 1 when a cell raised.
 *
 * A kernel that dies before it answers (a port another process took between jupyter_client picking
 * it and the kernel binding it, a start-up crash) is started again, up to KERNEL_START_ATTEMPTS in
 * all, before any cell runs, so nothing of the notebook runs twice; each failed start is said in the
 * step's log and its output is kept in the kernel log. When every attempt fails, one line says so
 * (exit 1, no traceback). A SIGINT or SIGTERM while the kernel starts shuts it down, as nbclient does
 * once cells run (the kernel runs in a session of its own: a signal to the step's group misses it).
 * Usage: python3 -c NOTEBOOK_RUNNER OUT NOTEBOOK [KERNEL]
 */
export const NOTEBOOK_RUNNER = String.raw`
import asyncio, os, re, signal, sys, warnings
warnings.filterwarnings("ignore")  # nbformat/nbclient deprecation notes are not the notebook's output
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbclient.util import run_sync  # the loop runner NotebookClient.execute uses

KERNEL_START_ATTEMPTS = 3
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

class KernelDidNotStart(Exception):
    pass

class StoppedWhileStarting(Exception):
    pass

async def shut_down_quietly(client):
    """Shuts a kernel that is starting or failed to start down; forgets its manager and client."""
    try:
        await client._async_cleanup_kernel()
    except Exception:
        pass
    client.km = client.kc = None

async def start_kernel(client, kernel_log):
    """Starts the kernel and its client, again when it dies before answering (no cell has run yet).

    A SIGINT or SIGTERM meanwhile shuts the kernel down (it runs in a session of its own, so a
    signal to this process group does not reach it) and stops, as nbclient does once cells run.
    """
    loop = asyncio.get_running_loop()
    starting = asyncio.current_task()
    stopped = []

    def on_signal(signum):
        stopped.append(signum)
        if len(stopped) == 1:
            starting.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            client.km = client.create_kernel_manager()
            try:
                await client.async_start_new_kernel(stderr=kernel_log)
                await client.async_start_new_kernel_client()
            except Exception as e:
                reason = str(e) or type(e).__name__
                await shut_down_quietly(client)
                kernel_log.write("[berth] kernel start %d of %d failed: %s\n" % (attempt, KERNEL_START_ATTEMPTS, reason))
                kernel_log.flush()
                if attempt == KERNEL_START_ATTEMPTS:
                    raise KernelDidNotStart("the notebook's kernel%s did not start (%d attempts): %s; its output is in %s" % (
                        " " + repr(kernel) if kernel else "", KERNEL_START_ATTEMPTS, reason, kernel_log.name))
                sys.stderr.write("[berth] the notebook's kernel did not start (%s); starting it again (attempt %d of %d)\n" % (
                    reason, attempt + 1, KERNEL_START_ATTEMPTS))
                sys.stderr.flush()
                continue
            return
    except asyncio.CancelledError:
        if not stopped:
            raise
        if hasattr(starting, "uncancel"):
            starting.uncancel()
        await shut_down_quietly(client)
        raise StoppedWhileStarting(signal.Signals(stopped[0]).name) from None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)

async def run(client, kernel_log):
    await start_kernel(client, kernel_log)
    await client.async_execute()

status = 0
with open(out_path + ".kernel.log", "w") as kernel_log:
    try:
        run_sync(run)(client, kernel_log)
    except CellExecutionError:
        status = 1
    except KernelDidNotStart as e:
        sys.stderr.write("[berth] %s\n" % e)
        status = 1
    except StoppedWhileStarting as e:
        sys.stderr.write("[berth] stopped (%s) while the notebook's kernel started; no cell ran\n" % e)
        status = 1
    finally:
        nbformat.write(nb, out_path)
sys.exit(status)
`;
