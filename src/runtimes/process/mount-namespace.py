"""Berth: runs a workload in a private mount namespace with host folders at fixed paths.

usage: python3 -I -S mount-namespace.py STAGE CWD COUNT SRC1 TARGET1 … SRCn TARGETn -- PROGRAM ARGS…

Steps, notebooks and services on the process runtime see the data folder at /data and the project
at /project-dir, as in a container. This process enters a mount namespace of its own (as root; an
unprivileged user gets a user namespace too, in which it is uid 0), makes every mount private (so
nothing below propagates to the host), bind-mounts each SRC at TARGET and execs PROGRAM in CWD.
When a target does not exist on the host (most hosts have no /data), the workload gets a root of its
own: a tmpfs on STAGE (an empty folder) holding a bind mount of every top-level entry of / plus the
targets, entered with chroot. The host's / is never written to; the mounts end with the workload.
Exit codes: 125 when the namespace cannot be set up (the reason on stderr), else the program's own
(127 when it is not found, as a shell says).

The launcher imports this file and keeps a `Template` per stage and mounts: a namespace built once
(its root entered with pivot_root, so setns lands in it) that later workloads join with setns.
"""
import ctypes
import errno
import os
import select
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine, 155)
OLD_ROOT = ".berth-host-root"

libc = ctypes.CDLL(None, use_errno=True)


def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else s.encode()
    check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), "mount %s on %s" % (source, target))


def enter_namespace():
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        return
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
    for name, text in (("setgroups", "deny"), ("uid_map", "0 %d 1" % uid), ("gid_map", "0 %d 1" % gid)):
        with open("/proc/self/" + name, "w") as f:
            f.write(text)


def build_root(stage):
    mount("berth-root", stage, "tmpfs", 0, "mode=0755")
    for name in sorted(os.listdir("/")):
        host = "/" + name
        inside = os.path.join(stage, name)
        if os.path.islink(host):
            os.symlink(os.readlink(host), inside)
        elif os.path.isdir(host):
            os.mkdir(inside)
            mount(host, inside, None, MS_BIND | MS_REC)
        else:
            open(inside, "w").close()
            mount(host, inside, None, MS_BIND)


def parse(args):
    """STAGE CWD COUNT SRC1 TARGET1 … [--] PROGRAM ARGS… as (stage, cwd, pairs, argv)."""
    stage, cwd, count = args[0], args[1], int(args[2])
    pairs = [(args[3 + 2 * i], args[4 + 2 * i]) for i in range(count)]
    argv = args[3 + 2 * count:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    return stage, cwd, pairs, argv


def set_up(stage, pairs, pivot=False):
    """Enters a namespace of its own and mounts the pairs; with a root of its own (a target missing
    on the host) enters it with chroot, or with pivot_root when the namespace is kept for others to
    enter (setns lands on a namespace's root, which chroot does not move)."""
    enter_namespace()
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = stage if any(not os.path.isdir(target) for _, target in pairs) else ""
    if root:
        build_root(root)
    for source, target in pairs:
        os.makedirs(root + target, exist_ok=True)
        mount(source, root + target, None, MS_BIND | MS_REC)
    if root and pivot:
        old = os.path.join(root, OLD_ROOT)
        os.mkdir(old, 0o700)
        check(libc.syscall(ctypes.c_long(SYS_PIVOT_ROOT), root.encode(), old.encode()), "pivot_root")
        os.chdir("/")
        check(libc.umount2(("/" + OLD_ROOT).encode(), MNT_DETACH), "umount the host's root")
        os.rmdir("/" + OLD_ROOT)
    elif root:
        os.chroot(root)
    return root


def refuse(pairs, e):
    sys.stderr.write("berth: cannot give this workload %s: %s\n" % (", ".join(t for _, t in pairs), e.strerror or e))
    sys.exit(125)


def run(argv):
    """Execs argv as a shell would run it."""
    try:
        os.execvp(argv[0], argv)
    except OSError:
        pass
    # Not executable as a program (a shell builtin, a missing file): as the launcher does, let sh say.
    os.execv("/bin/sh", ["/bin/sh", "-c", '"$@"', "sh"] + argv)


def main(args):
    stage, cwd, pairs, argv = parse(args)
    try:
        set_up(stage, pairs)
        os.chdir(cwd)
    except OSError as e:
        refuse(pairs, e)
    run(argv)


class Template:
    """A namespace set up once for a stage and its pairs and kept open by descriptor, so that
    workloads with the same mounts enter it (setns) instead of each building its own: the build
    (unshare, a tmpfs root, a bind per top-level entry of /) costs more than starting a small step.
    It is only valid while every source (and, with a root of its own, /'s entries) is the one it
    bound: `fresh()` compares device, inode (and /'s mtime) with the moment of the build."""

    def __init__(self, stage, pairs):
        self.pairs = pairs
        self.fds = []
        self.stamps = stamps(pairs)
        self.used = time.monotonic()
        ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
        hold_r, hold_w = os.pipe2(os.O_CLOEXEC)
        sys.stdout.flush()  # the launcher's unsent answers stay with the launcher
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(ready_r)
                os.close(hold_w)
                set_up(stage, pairs, pivot=True)
                os.write(ready_w, b"ok")
                os.read(hold_r, 1)  # held until the builder has its descriptors
            except BaseException as e:
                code = 125
                try:
                    os.write(ready_w, ("%s" % (getattr(e, "strerror", None) or e)).encode()[:512])
                except BaseException:
                    pass
            os._exit(code)
        os.close(ready_w)
        os.close(hold_r)
        try:
            answer = os.read(ready_r, 1024)
            if answer != b"ok":
                raise OSError(errno.EPERM, answer.decode(errors="replace") or "the namespace builder died")
            if os.geteuid() != 0:
                self.fds.append((os.open("/proc/%d/ns/user" % pid, os.O_RDONLY | os.O_CLOEXEC), CLONE_NEWUSER))
            self.fds.append((os.open("/proc/%d/ns/mnt" % pid, os.O_RDONLY | os.O_CLOEXEC), CLONE_NEWNS))
        except BaseException:
            self.close()
            raise
        finally:
            os.close(ready_r)
            os.close(hold_w)
            os.waitpid(pid, 0)

    def fresh(self):
        try:
            return stamps(self.pairs) == self.stamps
        except OSError:
            return False

    def enter(self, cwd, user=None):
        """In a forked child: joins the namespace, drops to `user` (the launcher's uid, gid, groups
        and umask dict) when given, then enters its working directory (OSError when it cannot)."""
        for fd, kind in self.fds:
            check(libc.setns(fd, kind), "setns")
        if user is not None:
            os.setgroups(user["groups"])
            os.setgid(user["gid"])
            os.setuid(user["uid"])
            os.umask(user.get("umask", 0o007))
        os.chdir(cwd)

    def enter_here(self):
        """Joins the namespace in this very process (the launcher, as root, for a moment)."""
        for fd, kind in self.fds:
            check(libc.setns(fd, kind), "setns")

    def close(self):
        for fd, _ in self.fds:
            os.close(fd)
        self.fds = []


class Templates:
    """The kept namespaces of one launcher, by stage and mounts: at most LIMIT, each closed after
    IDLE seconds unused, all of them dropped when the host's mount table changes (a mount made on
    the host after a build would be missing from it; /proc/self/mounts polls POLLPRI on a change)."""

    IDLE = 30.0
    LIMIT = 16

    def __init__(self):
        self.kept = {}  # (stage, pairs) -> Template, or None when this host cannot keep one
        self.mounts = open("/proc/self/mounts", "rb")
        self.mounts.read()
        self.poller = select.poll()
        self.poller.register(self.mounts, select.POLLPRI | select.POLLERR)

    def get(self, stage, pairs):
        """The kept namespace for these mounts (built on first use, rebuilt when stale), or None:
        then the workload builds its own, which also says why a namespace cannot be had."""
        if self.poller.poll(0):
            self.mounts.seek(0)
            self.mounts.read()
            self.drop(lambda t: True)
        key = (stage, tuple(pairs))
        template = self.kept.get(key, False)
        if template is None:
            return None
        if template is not False and template.fresh():
            template.used = time.monotonic()
            return template
        if template is not False:
            template.close()
            del self.kept[key]
        if len(self.kept) >= self.LIMIT:
            self.drop(lambda t: True)
        try:
            self.kept[key] = Template(stage, pairs)
        except OSError as e:
            sys.stderr.write("berth launcher: mounts are set up per workload (%s)\n" % e)
            sys.stderr.flush()
            self.kept[key] = None
        return self.kept[key]

    def expire(self):
        now = time.monotonic()
        self.drop(lambda t: now - t.used > self.IDLE)

    def drop(self, unwanted):
        for key, template in list(self.kept.items()):
            if template is not None and unwanted(template):
                template.close()
                del self.kept[key]


def stamps(pairs):
    found = []
    for source, target in pairs:
        st = os.stat(source)
        found.append((st.st_dev, st.st_ino))
    st = os.stat("/")
    found.append((st.st_dev, st.st_ino, st.st_mtime_ns))
    return found


if __name__ == "__main__":
    main(sys.argv[1:])
