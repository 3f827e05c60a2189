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
"""
import ctypes
import os
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

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


def main(args):
    stage, cwd, count = args[0], args[1], int(args[2])
    pairs = [(args[3 + 2 * i], args[4 + 2 * i]) for i in range(count)]
    argv = args[3 + 2 * count:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    try:
        enter_namespace()
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        root = stage if any(not os.path.isdir(target) for _, target in pairs) else ""
        if root:
            build_root(root)
        for source, target in pairs:
            os.makedirs(root + target, exist_ok=True)
            mount(source, root + target, None, MS_BIND | MS_REC)
        if root:
            os.chroot(root)
        os.chdir(cwd)
    except OSError as e:
        sys.stderr.write("berth: cannot give this workload %s: %s\n" % (", ".join(t for _, t in pairs), e.strerror or e))
        sys.exit(125)
    try:
        os.execvp(argv[0], argv)
    except OSError:
        pass
    # Not executable as a program (a shell builtin, a missing file): as the launcher does, let sh say.
    os.execv("/bin/sh", ["/bin/sh", "-c", '"$@"', "sh"] + argv)


if __name__ == "__main__":
    main(sys.argv[1:])
