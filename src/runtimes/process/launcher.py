"""Berth's process launcher: the parent of the workloads one Berth process starts.

Berth (Node) pays for every fork in proportion to its own memory; this small process starts
workloads for it far more cheaply (posix_spawn: vfork and exec) and records each exit code in the
workload's exit file itself, so no wrapper shell runs around every workload. It lives in its own
session and outlives the Berth that started it: when Berth goes away (its end of stdin closes),
the launcher keeps waiting for the workloads it started, records their exit codes, then exits.

Protocol: one JSON object per line.
  in:  {"id", "argv", "cwd", "env", "log", "err"?, "exit", "record": {"path", "entry"}, "user"?}
       (an entry without "env" is recorded with the request's)
       (stderr goes to "err" when given, else "log"; "user" = {"uid", "gid", "groups", "umask"}
       runs the workload as that user (the launcher must be root); "entry" is written to "path" with the
       process's pid, pgid and startTime added before the answer, so a workload is never running
       unrecorded)
  out: {"id", "pid", "pgid", "startTime", "at"} once started, or {"id", "error"} when it cannot start
       (also when the request itself is malformed: a bad request fails only its own workload;
       a line that is not JSON at all is answered with {"id": null, "error"});
       {"id", "exit": {"code": int|null, "signal": str|null}, "at"} after the exit file is written
       ("at": when it started / was reaped, ms since the epoch, on the one clock of both).
       {"restarted": reason} when the worker below died and a new one took over (requests it had
       not answered are lost: the caller fails them).
  Armed starts (the next step of a pipeline, started without waiting for Berth):
  in:  a launch request with "after": ID of a running or armed workload: started the moment that
       workload has exited with code 0 (its exit answered first); at most one per ID, so armed
       requests form chains.
       {"disarm": ID}: an armed request not yet started is dropped.
  out: the usual answers once started, or {"id", "skipped": reason} when it never will be (the
       awaited workload failed, could not start or was skipped, was neither running nor armed,
       already had one armed after it, or disarm); what was armed after a skipped request is
       skipped with it. Armed requests are dropped, unanswered, when Berth's end of stdin closes:
       nothing starts for a Berth that left.
A request without "user" whose argv runs mount-namespace.py (the sibling of this file) with -I -S
is started by forking this process and running that helper's main in the child: the same code with the same
arguments, without starting another interpreter for every mounted workload.
A program that cannot be executed (missing, not executable, a shell builtin) runs through /bin/sh
instead, which runs builtins and reports the rest as the shell does (127/126 and a message in the
log).

Two processes, so that killing either keeps every exit code: the supervisor (the process Berth
starts, a child subreaper) forks the worker, which reads requests and is the workloads' parent. When
the worker dies, its workloads become the supervisor's children: it reaps them, writes their exit
files (found by pid in the registry folder, argv[1]) and answers their exits, and starts a new
worker. When the supervisor dies, the worker keeps its workloads and records their ends as before.
"""
import errno
import json
import os
import select
import selectors
import signal
import sys
import time

running = {}  # pid -> (id, exit file)
armed = {}  # id of a running workload -> the launch request started when it exits with code 0
ended = {}  # id -> exit code (None: a signal) of the latest workloads that ended, for arms that come late
ENDED_KEPT = 256
MOUNT_HELPER_PATH = os.path.join(os.path.dirname(os.path.realpath(__file__)), "mount-namespace.py")
mount_helper = None  # the helper's module, loaded on first use
out_open = True
batching = False  # while serve handles a round: answers go out together at its end


def send(message):
    if not out_open:
        return
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        if not batching:
            sys.stdout.flush()
    except (BrokenPipeError, OSError):
        close_output()


def flush():
    """Sends what serve's current round answered, in one write (see serve)."""
    if out_open:
        try:
            sys.stdout.flush()
        except (BrokenPipeError, OSError):
            close_output()


def close_output():
    """Berth no longer reads the answers (it died). What could not be sent stays in stdout's buffer,
    and a later flush (this process's last one, or a worker forked with a copy of the buffer) would
    fail again: it drains into /dev/null instead."""
    global out_open
    out_open = False
    try:
        null = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


def berth_gone():
    """Berth went away or closed the launcher's input: nothing more will come and no answer is heard."""
    if not out_open:
        return True
    try:
        poller = select.poll()
        poller.register(0, select.POLLIN | select.POLLRDHUP)
        return any(events & (select.POLLHUP | select.POLLRDHUP | select.POLLERR | select.POLLNVAL) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def proc_stat(pid):
    # Asked of every workload as it starts: one unbuffered read (the line is well under 1 KiB).
    try:
        fd = os.open("/proc/%d/stat" % pid, os.O_RDONLY | os.O_CLOEXEC)
        try:
            line = os.read(fd, 4096)
        finally:
            os.close(fd)
        fields = line.rsplit(b")", 1)[1].split()
        return int(fields[2]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return pid, -1


def write_atomic(path, text, mode):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def create_exit(path):
    """Creates the empty exit file while the workload starts, off the path from its end to the answer."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644))


def write_exit(path, line):
    # The file exists (create_exit): one write into it, no new directory entry. A reader sees
    # nothing or the whole line; only a whole line (with its newline) counts as recorded. When it
    # is gone, Berth has removed the workload (its end already known): it is not made again.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


# Python ignores these; a workload starts with them at their defaults (as subprocess's restore_signals).
RESTORED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, name))


def spawn(argv, env, log, err):
    """Starts argv in a session of its own (in the current directory), stdin from /dev/null.

    posix_spawn (vfork and exec, nothing run in Python in between) costs this process a third of
    subprocess.Popen's time. The program is looked up on the workload's PATH, as Popen does; an exec
    failure raises OSError. Every descriptor of this process is close-on-exec but 0-2, which the
    workload gets replaced.
    """
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0), (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
    program = argv[0]
    paths = [program] if "/" in program else [os.path.join(d or ".", program) for d in os.get_exec_path(env)]
    missing = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
    for path in paths:
        try:
            return os.posix_spawn(path, argv, env, file_actions=actions, setsid=True, setsigdef=RESTORED_SIGNALS)
        except (FileNotFoundError, NotADirectoryError) as e:
            missing = e
    raise missing


def child_setup(log, err):
    """In a forked child: stdin from /dev/null, stdout and stderr to the logs, signals at their defaults."""
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(err, 2)
    for number in RESTORED_SIGNALS + (signal.SIGCHLD,):
        signal.signal(number, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)


def spawn_as(argv, env, log, err, user):
    """Like spawn, but the child drops to user's uid, gid and groups before exec (fork: posix_spawn cannot).

    Only async-signal-safe work happens between fork and exec: the credentials, the session, the
    descriptors, the signal defaults and the exec itself; a failure is reported through a
    close-on-exec pipe as the errno, and the child exits 127.
    """
    program = argv[0]
    paths = [program] if "/" in program else [os.path.join(d or ".", program) for d in os.get_exec_path(env)]
    r, w = os.pipe2(os.O_CLOEXEC)
    flush()  # a child must not inherit unsent answers (it could write them into its log)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setsid()
            child_setup(log, err)
            os.setgroups(user["groups"])
            os.setgid(user["gid"])
            os.setuid(user["uid"])
            os.umask(user.get("umask", 0o007))
            code = errno.ENOENT
            for path in paths:
                try:
                    os.execve(path, argv, env)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                except OSError as e:
                    code = e.errno or errno.EACCES
                    break
            os.write(w, str(code).encode())
        except OSError as e:
            os.write(w, str(e.errno or errno.EPERM).encode())
        finally:
            os._exit(127)
    os.close(w)
    try:
        failure = os.read(r, 64)
    finally:
        os.close(r)
    if failure:
        os.waitpid(pid, 0)
        code = int(failure)
        raise OSError(code, os.strerror(code), program)
    return pid


def mount_helper_args(argv):
    """The helper's arguments when argv runs mount-namespace.py (PYTHON -I -S HELPER ARGS…), else None."""
    if len(argv) < 5 or argv[1:3] != ["-I", "-S"] or not argv[3].endswith("mount-namespace.py"):
        return None
    try:
        return argv[4:] if os.path.realpath(argv[3]) == MOUNT_HELPER_PATH else None
    except (OSError, ValueError):
        return None


def load_mount_helper():
    global mount_helper
    if mount_helper is None:
        import importlib.util
        spec = importlib.util.spec_from_file_location("berth_mount_namespace", MOUNT_HELPER_PATH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        mount_helper = module
    return mount_helper


templates = None  # the kept namespaces (mount_helper.Templates), made on first use


host_namespace = None  # this process's own mount namespace (a descriptor), to come back to


def spawn_inside(template, cwd, argv, env, log, err):
    """As root, with no user to drop to: this process joins the kept namespace itself, starts the
    workload with posix_spawn (no fork of this process: on some hosts that alone costs more than a
    small step) and returns to its own namespace at once. None when it cannot (not root, or the
    working directory is missing in there): the caller forks instead, which also says why."""
    global host_namespace
    if os.geteuid() != 0 or len(template.fds) != 1:
        return None
    if host_namespace is None:
        host_namespace = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    here = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    helper = load_mount_helper()
    try:
        try:
            template.enter_here()
            os.chdir(cwd)
        except OSError:
            return None
        try:
            return spawn(argv, env, log, err)
        except OSError:
            # Not executable as a program (a shell builtin, a missing file): let sh say, as elsewhere.
            return spawn(["/bin/sh", "-c", '"$@"', "sh"] + argv, env, log, err)
    finally:
        # Back home before anything else happens; failing that, this process must not go on.
        if helper.libc.setns(host_namespace, helper.CLONE_NEWNS) != 0:
            os._exit(70)
        os.fchdir(here)
        os.close(here)


def spawn_mount_helper(args, env, log, err, user=None):
    """Forks; the child (a session of its own, stdin /dev/null, signals at their defaults, the
    workload's environment) joins the kept namespace for its mounts, drops to `user` if given, and
    execs the workload; without a kept namespace it runs mount-namespace.py's main (this process's
    user only), which sets up the mounts and execs it. Its exit codes are the helper's (125: no
    namespace, 127: no exec). None (nothing started) for a `user` without a kept namespace: the
    caller then starts the helper as that user, with a fresh interpreter."""
    global templates
    helper = load_mount_helper()
    stage, cwd, pairs, argv = helper.parse(args)
    if templates is None:
        templates = helper.Templates()
    template = templates.get(stage, pairs) if pairs else None
    if template is None and user is not None:
        return None
    if template is not None and user is None:
        pid = spawn_inside(template, cwd, argv, env, log, err)
        if pid is not None:
            return pid
    # The answer names the workload's process group: the parent waits until the child has its own.
    r, w = os.pipe2(os.O_CLOEXEC)
    flush()  # a child must not inherit unsent answers (it could write them into its log)
    pid = os.fork()
    if pid != 0:
        os.close(w)
        try:
            os.read(r, 1)
        finally:
            os.close(r)
        return pid
    code = 127
    try:
        os.close(r)
        try:
            os.setsid()
        finally:
            os.close(w)
        child_setup(log, err)
        os.environ.clear()
        os.environ.update(env)
        if template is None:
            helper.main(args)
        else:
            try:
                template.enter(cwd, user)
            except OSError as e:
                helper.refuse(pairs, e)
            helper.run(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:
        try:
            sys.stderr.write("berth: cannot start the workload: %s\n" % e)
        except BaseException:
            pass
    finally:
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code)


def open_log(path):
    # Never through a symlink: a log lies in a folder a workload may reach.
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        return os.open(path, flags, 0o600)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, flags, 0o600)


def is_text(value):
    return isinstance(value, str) and "\0" not in value


def request_problem(request):
    """Why a request cannot be started, or None: checked before anything is opened or spawned."""
    if not isinstance(request, dict) or not isinstance(request.get("id"), str):
        return "the request has no id"
    argv = request.get("argv")
    if not isinstance(argv, list) or not argv or not all(is_text(a) for a in argv) or argv[0] == "":
        return "argv must be a non-empty list of strings without NUL"
    for key in ("cwd", "log", "exit"):
        if not is_text(request.get(key)) or request[key] == "":
            return "%s must be a path without NUL" % key
    if request.get("err") is not None and not is_text(request["err"]):
        return "err must be a path without NUL"
    env = request.get("env")
    if not isinstance(env, dict):
        return "env must be an object of strings"
    for name, value in env.items():
        if name == "" or "=" in name or "\0" in name:
            return "environment variable name %r is not valid (empty, or holds \"=\" or NUL)" % name
        if not is_text(value):
            return "environment variable %s: the value must be a string without NUL" % name
    record = request.get("record")
    if not isinstance(record, dict) or not is_text(record.get("path")) or not isinstance(record.get("entry"), dict):
        return "record must be {path, entry}"
    return None


def start(request, checked=False):
    """Starts a request; `checked`: request_problem already found nothing (an armed one, checked when it came)."""
    problem = None if checked else request_problem(request)
    if problem is not None:
        wid = request.get("id") if isinstance(request, dict) and isinstance(request.get("id"), str) else None
        send({"id": wid, "error": "invalid launch request: " + problem})
        return False
    try:
        return launch(request)
    except (ValueError, TypeError, KeyError, OSError) as e:
        # Anything else this one request trips over fails this workload only, never the launcher.
        send({"id": request["id"], "error": "cannot start: %s" % e})
        return False


def launch(request):
    wid = request["id"]
    fds = []
    try:
        for path in (request["log"], request.get("err")):
            if path is not None:
                fds.append(open_log(path))
    except OSError as e:
        for fd in fds:
            os.close(fd)
        send({"id": wid, "error": "cannot open the log file %s: %s" % (e.filename, e.strerror)})
        return False
    log, err = fds[0], fds[-1]
    try:
        if not os.path.isdir(request["cwd"]):
            what = "is not a directory" if os.path.exists(request["cwd"]) else "does not exist"
            send({"id": wid, "error": "working directory %s (cwd) %s" % (request["cwd"], what)})
            return False
        os.chdir(request["cwd"])
        user = request.get("user")
        # A mounted workload joins the kept namespace for its mounts. A child dropped to another user
        # runs no Python after the drop but the exec (the uid change makes it undumpable until then);
        # without a kept namespace it execs a fresh helper as that user rather than setting one up
        # with this process's memory (other workloads' requests).
        helper_args = mount_helper_args(request["argv"])
        pid = spawn_mount_helper(helper_args, request["env"], log, err, user) if helper_args is not None else None
        if pid is not None:
            pass  # started
        elif user is not None:
            try:
                pid = spawn_as(request["argv"], request["env"], log, err, user)
            except OSError:
                pid = spawn_as(["/bin/sh", "-c", '"$@"', "sh"] + request["argv"], request["env"], log, err, user)
        else:
            try:
                pid = spawn(request["argv"], request["env"], log, err)
            except OSError:
                pid = spawn(["/bin/sh", "-c", '"$@"', "sh"] + request["argv"], request["env"], log, err)
    except OSError as e:
        send({"id": wid, "error": str(e)})
        return False
    finally:
        for fd in fds:
            os.close(fd)
    started_at = time.time() * 1000
    pgid, start_time = proc_stat(pid)
    record = request["record"]
    try:
        # The entry's environment is the request's (sent once, not twice).
        entry = dict(record["entry"], pid=pid, pgid=pgid, startTime=start_time)
        entry.setdefault("env", request["env"])
        write_atomic(record["path"], json.dumps(entry), 0o600)
        create_exit(request["exit"])
    except OSError as e:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
        send({"id": wid, "error": "cannot record it in %s: %s" % (e.filename or record["path"], e.strerror)})
        return False
    running[pid] = (wid, request["exit"])
    send({"id": wid, "pid": pid, "pgid": pgid, "startTime": start_time, "at": started_at})
    return True


def arm(request):
    """Keeps a valid request until the workload it names in "after" ends (see the protocol)."""
    problem = request_problem(request)
    after = request.get("after") if isinstance(request, dict) else None
    if problem is None and not is_text(after):
        problem = "after must be the id of a running or armed workload"
    if problem is not None:
        wid = request.get("id") if isinstance(request, dict) and isinstance(request.get("id"), str) else None
        send({"id": wid, "error": "invalid launch request: " + problem})
        return
    waiting = any(r["id"] == after for r in armed.values())
    if after in armed:
        send({"id": request["id"], "skipped": "%s already has a workload armed after it" % after})
    elif waiting or any(wid == after for wid, _ in running.values()):
        armed[after] = request
    elif after in ended:
        # It ended before the request came: started now if it succeeded.
        if ended[after] == 0:
            start(request, checked=True)
        else:
            send({"id": request["id"], "skipped": "%s ended with %s" % (after, ended[after])})
    else:
        send({"id": request["id"], "skipped": "%s is neither running nor armed here" % after})


def drop(request, reason):
    """An armed request that will never start, and every one armed after it."""
    while request is not None:
        send({"id": request["id"], "skipped": reason})
        request = armed.pop(request["id"], None)


def disarm(wid):
    for after, request in list(armed.items()):
        if request["id"] == wid:
            del armed[after]
            drop(request, "disarmed")


def follow(wid, status):
    """Starts what was armed after workload wid, now that it ended with status."""
    request = armed.pop(wid, None)
    if request is None:
        return
    if status["code"] != 0:
        drop(request, "%s ended with %s" % (wid, status["signal"] or status["code"]))
    elif not start(request, checked=True):
        drop(armed.pop(request["id"], None), "%s could not start" % request["id"])


def reap():
    # Every child of this process is a workload it started: collect whichever ended.
    while running:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in running:
            continue
        wid, exit_file = running.pop(pid)
        status = exit_status(wait_status)
        ended_at = time.time() * 1000
        try:
            write_exit(exit_file, status["signal"] or str(status["code"]))
        except OSError:
            pass
        send({"id": wid, "exit": status, "at": ended_at})
        ended[wid] = status["code"]
        if len(ended) > ENDED_KEPT:
            del ended[next(iter(ended))]
        follow(wid, status)


def serve():
    # Berth starts this process in a session of its own, so its terminal's Ctrl-C and hang-up do
    # not reach it. Nothing is ignored here: ignored signals would stay ignored in the workloads.
    global batching
    batching = True
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
                armed.clear()
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    try:
                        request = json.loads(line)
                    except ValueError as e:
                        send({"id": None, "error": "invalid launch request (not JSON): %s" % e})
                        continue
                    if isinstance(request, dict) and "disarm" in request:
                        disarm(request["disarm"])
                    elif isinstance(request, dict) and "after" in request:
                        arm(request)
                    else:
                        start(request)
        reap()
        # One write per round, in order: a workload armed after one that just ended is started
        # before Berth is woken with that end (Berth records both afterwards).
        flush()
        if templates is not None:
            templates.expire()


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphaned workloads (their worker died) become this process's children instead of init's."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError, ImportError):
        return False


def exit_status(wait_status):
    """A wait status as Berth records it: the exit code, or the signal's name (128 + n for an unnamed one)."""
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        try:
            return {"code": None, "signal": signal.Signals(number).name}
        except ValueError:
            return {"code": 128 + number, "signal": None}
    return {"code": os.WEXITSTATUS(wait_status), "signal": None}


def describe(wait_status):
    if os.WIFSIGNALED(wait_status):
        try:
            return signal.Signals(os.WTERMSIG(wait_status)).name
        except ValueError:
            return "signal %d" % os.WTERMSIG(wait_status)
    return "code %d" % os.WEXITSTATUS(wait_status)


def record_orphan(pid, wait_status, registry):
    """A workload whose worker died ended: its exit file and answer, found through its registry entry."""
    if registry is None:
        return
    try:
        names = os.listdir(registry)
    except OSError:
        return
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(registry, name)) as f:
                entry = json.load(f)
        except (OSError, ValueError):
            continue
        if entry.get("pid") != pid or not entry.get("exitFile"):
            continue
        status = exit_status(wait_status)
        try:
            with open(entry["exitFile"]) as f:
                recorded = f.read().endswith("\n")
        except OSError:
            recorded = False
        if not recorded:
            try:
                write_exit(entry["exitFile"], status["signal"] or str(status["code"]))
            except OSError:
                pass
        send({"id": entry["id"], "exit": status})
        return


def main():
    registry = sys.argv[1] if len(sys.argv) > 1 else None
    if not become_subreaper():
        serve()
        return
    restarts = 0
    while True:
        worker = os.fork()
        if worker == 0:
            code = 1
            try:
                serve()
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                flush()
                os._exit(code)
        while True:
            try:
                pid, wait_status = os.waitpid(-1, 0)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == worker:
                break
            record_orphan(pid, wait_status, registry)
        if os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 0:
            break
        if berth_gone():
            # A new worker would have nothing to do: the workloads the dead one left end here.
            sys.stderr.write("berth launcher: the worker ended (%s) after Berth went away; not starting another\n" % describe(wait_status))
            sys.stderr.flush()
            break
        restarts += 1
        sys.stderr.write("berth launcher: the worker ended (%s); starting another\n" % describe(wait_status))
        sys.stderr.flush()
        send({"restarted": "the launcher's worker ended (%s)" % describe(wait_status)})
        # A worker that dies at once again and again is not restarted in a tight loop.
        time.sleep(min(5.0, 0.05 * restarts))
    # The worker finished (Berth closed stdin): wait for the workloads it left to this process.
    while True:
        try:
            pid, wait_status = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        record_orphan(pid, wait_status, registry)


if __name__ == "__main__":
    main()
