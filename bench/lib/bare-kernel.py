"""The bare side of bench/kernel-docker.ts: `docker run --rm` of IMAGE starting ipykernel
(`python3 -m ipykernel_launcher -f conn.json`, its five ports published on 127.0.0.1), timed until
an execute_request of `1+1` gets its execute_reply, with jupyter_client as the client. Prints one JSON
line: {"ms": wall} or {"error": why}. Imports happen before the clock starts; the container is
removed afterwards (not timed).

    python3 bench/lib/bare-kernel.py IMAGE [TIMEOUT_SECONDS]
"""
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import tempfile
import time

from jupyter_client import BlockingKernelClient

PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
# How long one kernel_info_request is waited for before another is sent: Docker's port proxy accepts
# a connection before the kernel listens and then drops it, which can lose a request.
NUDGE_SECONDS = 0.1


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def shell_reply(kc, msg_type, deadline, msg_id=None):
    """The first shell message of msg_type (answering msg_id, when given) before the deadline."""
    while time.monotonic() < deadline:
        try:
            msg = kc.get_shell_msg(timeout=max(0.01, min(1.0, deadline - time.monotonic())))
        except queue.Empty:
            continue
        if msg["msg_type"] == msg_type and msg_id in (None, msg["parent_header"].get("msg_id")):
            return msg
    return None


def main():
    image = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 300.0
    ports = dict(zip(PORTS, free_ports(len(PORTS))))
    key = secrets.token_hex(32)
    folder = tempfile.mkdtemp(prefix="berth-bench-bare-kernel-")
    os.chmod(folder, 0o755)
    with open(os.path.join(folder, "conn.json"), "w", encoding="utf-8") as f:
        json.dump(dict(ports, ip="0.0.0.0", key=key, transport="tcp", signature_scheme="hmac-sha256", kernel_name=""), f)
    os.chmod(os.path.join(folder, "conn.json"), 0o644)
    name = "berth-bench-bare-kernel-" + secrets.token_hex(4)
    publish = [arg for port in ports.values() for arg in ("-p", f"127.0.0.1:{port}:{port}")]
    argv = ["docker", "run", "--rm", "--name", name, *publish, "-v", f"{folder}:/conn", image, "python3", "-m", "ipykernel_launcher", "-f", "/conn/conn.json"]
    kc = BlockingKernelClient()
    kc.load_connection_info(dict(ports, ip="127.0.0.1", key=key, transport="tcp", signature_scheme="hmac-sha256"))
    log = open(os.path.join(folder, "docker.log"), "wb")
    t0 = time.monotonic()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = t0 + timeout
    result = None
    try:
        kc.start_channels()
        while result is None and time.monotonic() < deadline and child.poll() is None:
            kc.kernel_info()
            if shell_reply(kc, "kernel_info_reply", min(deadline, time.monotonic() + NUDGE_SECONDS)) is not None:
                reply = shell_reply(kc, "execute_reply", deadline, kc.execute("1+1", silent=False))
                if reply is None:
                    break
                if reply["content"].get("status") != "ok":
                    result = {"error": f"execute_reply: {reply['content']}"}
                else:
                    result = {"ms": (time.monotonic() - t0) * 1000}
        if result is None:
            log.flush()
            with open(os.path.join(folder, "docker.log"), encoding="utf-8", errors="replace") as f:
                tail = f.read()[-500:]
            result = {"error": f"no execute_reply within {timeout:.0f} s (docker run exit {child.poll()}): {tail}"}
    finally:
        kc.stop_channels()
        subprocess.run(["docker", "rm", "-f", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()
        for entry in os.listdir(folder):
            os.remove(os.path.join(folder, entry))
        os.rmdir(folder)
    print(json.dumps(result), flush=True)
    return 0 if "ms" in result else 1


if __name__ == "__main__":
    sys.exit(main())
