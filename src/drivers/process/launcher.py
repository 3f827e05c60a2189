"""Berth's process launcher: the parent of the workloads one Berth process starts.

Berth (Node) pays for every fork in proportion to its own memory; this small process starts
workloads for it far more cheaply (subprocess uses vfork) and records each exit code in the
workload's exit file itself, so no wrapper shell runs around every workload. It lives in its own
session and outlives the Berth that started it: when Berth goes away (its end of stdin closes),
the launcher keeps waiting for the workloads it started, records their exit codes, then exits.

Protocol: one JSON object per line.
  in:  {"id", "argv", "cwd", "env", "log", "exit"}
  out: {"id", "pid", "pgid", "startTime"} once started, or {"id", "error"} when it cannot start;
       {"id", "exit": {"code": int|null, "signal": str|null}} after the exit file is written.
A program that cannot be executed (missing, not executable, a shell builtin) runs through /bin/sh
instead, which runs builtins and reports the rest as the shell does (127/126 and a message in the
log).
"""
import json
import os
import selectors
import signal
import subprocess
import sys

running = {}  # pid -> (id, Popen, exit file)
out_open = True


def send(message):
    global out_open
    if not out_open:
        return
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        out_open = False


def proc_stat(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[2]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return pid, -1


def write_exit(path, line):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.replace(tmp, path)


def popen(argv, request, log):
    return subprocess.Popen(
        argv,
        cwd=request["cwd"],
        env=request["env"],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        close_fds=True,
        restore_signals=True,
    )


def start(request):
    wid = request["id"]
    try:
        os.makedirs(os.path.dirname(request["log"]), exist_ok=True)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError as e:
        send({"id": wid, "error": "cannot open the log file %s: %s" % (request["log"], e.strerror)})
        return
    try:
        if not os.path.isdir(request["cwd"]):
            what = "is not a directory" if os.path.exists(request["cwd"]) else "does not exist"
            send({"id": wid, "error": "working directory %s (cwd) %s" % (request["cwd"], what)})
            return
        try:
            proc = popen(request["argv"], request, log)
        except OSError:
            proc = popen(["/bin/sh", "-c", '"$@"', "sh"] + request["argv"], request, log)
    except OSError as e:
        send({"id": wid, "error": str(e)})
        return
    finally:
        os.close(log)
    pgid, start_time = proc_stat(proc.pid)
    running[proc.pid] = (wid, proc, request["exit"])
    send({"id": wid, "pid": proc.pid, "pgid": pgid, "startTime": start_time})


def reap():
    for pid, (wid, proc, exit_file) in list(running.items()):
        code = proc.poll()
        if code is None:
            continue
        del running[pid]
        status = {"code": code, "signal": None}
        if code < 0:
            try:
                status = {"code": None, "signal": signal.Signals(-code).name}
            except ValueError:
                status = {"code": 128 - code, "signal": None}
        try:
            write_exit(exit_file, status["signal"] or str(status["code"]))
        except OSError:
            pass
        send({"id": wid, "exit": status})


def main():
    # Berth starts this process in a session of its own, so its terminal's Ctrl-C and hang-up do
    # not reach it. Nothing is ignored here: ignored signals would stay ignored in the workloads.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(wake_r, selectors.EVENT_READ, "wake")
    stdin = sys.stdin.buffer.raw
    sel.register(stdin, selectors.EVENT_READ, "in")
    pending = b""
    reading = True
    while reading or running:
        for key, _ in sel.select(timeout=1.0):
            if key.data == "wake":
                os.read(wake_r, 4096)
                continue
            chunk = os.read(stdin.fileno(), 65536)
            if not chunk:
                reading = False
                sel.unregister(stdin)
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    start(json.loads(line))
        reap()


if __name__ == "__main__":
    main()
