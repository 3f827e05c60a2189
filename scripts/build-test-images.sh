#!/usr/bin/env bash
# Builds the images the Docker tests run, without any registry, from files on this machine:
#   berth-test/busybox:1  a rootfs of Debian's busybox-static (sh, sleep, env, … as busybox applets)
#   berth-test/python:1   the same plus the host's python3 (binary, standard library, shared libraries)
# Idempotent: an image that already exists is left alone (bump the tag to rebuild).
# Needs: a Docker engine that answers, /usr/bin/busybox (busybox-static) and /usr/bin/python3.
set -euo pipefail

BUSYBOX_IMAGE="${BERTH_TEST_BUSYBOX_IMAGE:-berth-test/busybox:1}"
PYTHON_IMAGE="${BERTH_TEST_PYTHON_IMAGE:-berth-test/python:1}"
BUSYBOX_BIN="${BUSYBOX_BIN:-/bin/busybox}"
HOST_PYTHON="$(readlink -f "${HOST_PYTHON:-/usr/bin/python3}")"

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ldd "$BUSYBOX_BIN" >/dev/null 2>&1; then
  echo "[images] $BUSYBOX_BIN is dynamically linked: install Debian's busybox-static" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A minimal root: busybox with a link per applet, /tmp, and the users containers expect.
make_busybox_root() {
  local root="$1"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  for applet in $("$BUSYBOX_BIN" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

import_root() {
  local root="$1" tag="$2"
  echo "[images] importing $tag"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' - "$tag" >/dev/null
}

# Copies a host file into the root at the same path, keeping symlinks resolvable.
copy_host_file() {
  local root="$1" file="$2"
  mkdir -p "$root$(dirname "$file")"
  cp -L "$file" "$root$file"
}

if has_image "$BUSYBOX_IMAGE"; then
  echo "[images] $BUSYBOX_IMAGE present"
else
  make_busybox_root "$work/busybox"
  import_root "$work/busybox" "$BUSYBOX_IMAGE"
fi

if has_image "$PYTHON_IMAGE"; then
  echo "[images] $PYTHON_IMAGE present"
else
  root="$work/python"
  make_busybox_root "$root"
  version="$("$HOST_PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  stdlib="$("$HOST_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
  copy_host_file "$root" "$HOST_PYTHON"
  ln -sf "$HOST_PYTHON" "$root/usr/bin/python3"
  ln -sf "$HOST_PYTHON" "$root/usr/bin/python"
  mkdir -p "$root$stdlib"
  # The standard library without its test suite and caches.
  tar -C "$stdlib" --exclude=./test --exclude='__pycache__' --exclude=./site-packages --exclude=./dist-packages -c . | tar -C "$root$stdlib" -x
  # Shared libraries of the interpreter and of its extension modules (ldd resolves them on this host).
  libs="$( { ldd "$HOST_PYTHON"; find "$root$stdlib/lib-dynload" -name '*.so' -exec ldd {} \; ; } 2>/dev/null |
    awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)"
  for lib in $libs; do copy_host_file "$root" "$lib"; done
  # The dynamic loader is found by its absolute path, which may be a symlink into /lib.
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -e "$loader" ] && copy_host_file "$root" "$loader"
  done
  "$HOST_PYTHON" -c 'pass' # fails the script early when the host interpreter itself is broken
  import_root "$root" "$PYTHON_IMAGE"
  docker run --rm "$PYTHON_IMAGE" python3 -c "import json, sqlite3, ssl; print('[images] $PYTHON_IMAGE runs python', '$version')"
fi
