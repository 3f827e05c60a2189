"""Berth's kernel host: the command of an environment's kernel container in a Docker session
(decision 0018). It runs in the environment's image on the session network with /data,
/project-dir and the SDK mounted and a step's variables, and starts one kernel process per
request the Jupyter container's relay writes into REQUESTS_DIR (Jupyter's connection file, bound on
0.0.0.0 here, and the notebook's folder): KERNEL_ARGV with ``{connection_file}`` replaced (the
environment language's kernel, e.g. IRkernel's ``R --slave -e IRkernel::main() --args
{connection_file}``), by default ipykernel on this Python. A kernel whose request is withdrawn is
ended; ``<request>.interrupt`` (the relay's SIGINT, for kernels interrupted by signal) sends it
SIGINT; a kernel that ends is marked ``<request>.exited`` so the relay, and through it Jupyter, sees
it end. With no kernel and no request for LINGER seconds (default: never) it exits 0: Berth starts a
kernel host when a request comes and removes the container of one that ended (a culled last kernel
takes its container).

    kernel_host.py REQUESTS_DIR [LINGER [KERNEL_ARGV...]]
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def _stop(kernels):
    for proc in kernels.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in kernels.values():
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def _start(requests, name, connections, argv):
    with open(os.path.join(requests, name), encoding="utf-8") as f:
        request = json.load(f)
    cwd = request.pop("cwd", "/project-dir")
    connection = os.path.join(connections, name)  # kernel-<id>.json: the SDK reads the kernel id from it
    fd = os.open(connection, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(request, f)
    print(f"[berth kernel host] starting {name} in {cwd}", flush=True)
    command = [connection if arg == "{connection_file}" else arg for arg in argv]
    # BERTH_KERNEL_ID: which kernel this is, for code that is not ipykernel (the SDK through reticulate).
    env = dict(os.environ, BERTH_KERNEL_ID=name[len("kernel-"):-len(".json")])
    return subprocess.Popen(command, cwd=cwd if os.path.isdir(cwd) else "/project-dir", env=env)


def main():
    requests = sys.argv[1]
    linger = float(sys.argv[2]) if len(sys.argv) > 2 else None
    argv = sys.argv[3:] or [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    connections = tempfile.mkdtemp(prefix="berth-kernels-")
    kernels = {}
    signal.signal(signal.SIGTERM, lambda *_: (_stop(kernels), sys.exit(0)))
    print(f"[berth kernel host] waiting for kernels in {requests}", flush=True)
    idle_since = time.monotonic()
    while True:
        try:
            present = set(os.listdir(requests))
        except OSError:
            present = set()
        wanted = {n for n in present if n.startswith("kernel-") and n.endswith(".json")}
        running = set(kernels)  # an interrupt asked before a kernel started is not passed on to it
        if kernels or wanted:
            idle_since = time.monotonic()
        elif linger is not None and time.monotonic() - idle_since >= linger:
            print(f"[berth kernel host] no kernel for {linger:g} s: exiting", flush=True)
            return
        for name in sorted(wanted - kernels.keys()):
            if name + ".exited" in present:
                continue
            try:
                kernels[name] = _start(requests, name, connections, argv)
            except (OSError, ValueError) as e:
                print(f"[berth kernel host] cannot start {name}: {e}", flush=True)
                open(os.path.join(requests, name + ".exited"), "w").close()
        for name, proc in list(kernels.items()):
            if name + ".interrupt" in present and name in running:
                try:
                    os.remove(os.path.join(requests, name + ".interrupt"))
                except OSError:
                    pass
                if proc.poll() is None:
                    print(f"[berth kernel host] interrupting {name}", flush=True)
                    proc.send_signal(signal.SIGINT)
            if name not in wanted and proc.poll() is None:
                print(f"[berth kernel host] {name} withdrawn: ending it", flush=True)
                proc.terminate()
            if proc.poll() is not None:
                print(f"[berth kernel host] {name} ended ({proc.returncode})", flush=True)
                del kernels[name]
                if name in wanted:
                    open(os.path.join(requests, name + ".exited"), "w").close()
        for name in present:
            # Markers of requests gone; an interrupt of a kernel not running (nothing to interrupt).
            stale = (name.endswith(".exited") and name[: -len(".exited")] not in wanted) or (
                name.endswith(".interrupt") and name[: -len(".interrupt")] not in running)
            if stale:
                try:
                    os.remove(os.path.join(requests, name))
                except OSError:
                    pass
        time.sleep(0.2)


if __name__ == "__main__":
    main()
