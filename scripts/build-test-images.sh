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

# berth-test/orchest-base-kernel-py:1 — a stand-in for Orchest's orchest/base-kernel-py made from this
# machine's files (no registry): the python image plus bash, pip, Jupyter's nbconvert and ipykernel,
# and Debian's pandas / scikit-learn / matplotlib (python3-pandas, python3-sklearn, python3-matplotlib,
# python3-ipykernel, jupyter-nbconvert). Orchest's quickstart runs on it unchanged
# (BERTH_ORCHEST_IMAGES=orchest/base-kernel-py=berth-test/orchest-base-kernel-py:1).
# Skipped, with a notice, when those packages are not installed.
ORCHEST_IMAGE="${BERTH_TEST_ORCHEST_IMAGE:-berth-test/orchest-base-kernel-py:1}"
if has_image "$ORCHEST_IMAGE"; then
  echo "[images] $ORCHEST_IMAGE present"
elif ! /usr/bin/python3 -c 'import pandas, sklearn, matplotlib, nbconvert, ipykernel, pip' 2>/dev/null || [ ! -x /usr/bin/jupyter-nbconvert ]; then
  echo "[images] NOTICE: not building $ORCHEST_IMAGE: needs python3-pandas python3-sklearn python3-matplotlib python3-ipykernel jupyter-nbconvert"
else
  root="$work/orchest"
  make_busybox_root "$root"
  stdlib="$("$HOST_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
  copy_host_file "$root" "$HOST_PYTHON"
  ln -sf "$HOST_PYTHON" "$root/usr/bin/python3"
  ln -sf "$HOST_PYTHON" "$root/usr/bin/python"
  mkdir -p "$root$stdlib" "$root/usr/lib/python3/dist-packages" "$root/usr/share"
  tar -C "$stdlib" --exclude=./test --exclude='__pycache__' --exclude=./site-packages --exclude=./dist-packages -c . | tar -C "$root$stdlib" -x
  # Orchest's image lets pip install: no "externally managed" marker.
  rm -f "$root$stdlib/EXTERNALLY-MANAGED"
  # Debian's packages, without large ones nothing here imports.
  tar -C /usr/lib/python3/dist-packages --exclude='__pycache__' --exclude=./sympy --exclude=./numba --exclude=./pythran \
    --exclude=./tables --exclude=./llvmlite --exclude='./*/tests' -c . | tar -C "$root/usr/lib/python3/dist-packages" -x
  # Data the packages read from /usr/share: Jupyter's templates and kernels, time zones (pandas), matplotlib's files.
  for share in jupyter zoneinfo matplotlib; do
    [ -d "/usr/share/$share" ] && cp -rL "/usr/share/$share" "$root/usr/share/$share"
  done
  [ -e /etc/matplotlibrc ] && cp /etc/matplotlibrc "$root/etc/matplotlibrc"
  for program in /bin/bash /usr/bin/pip /usr/bin/pip3 /usr/bin/jupyter /usr/bin/jupyter-nbconvert /usr/bin/jupyter-kernel /usr/bin/jupyter-kernelspec; do
    [ -e "$program" ] && copy_host_file "$root" "$program"
  done
  ln -sf /bin/bash "$root/usr/bin/bash"
  libs="$( { ldd "$HOST_PYTHON"; ldd /bin/bash; find "$root$stdlib/lib-dynload" "$root/usr/lib/python3/dist-packages" -name '*.so*' -type f -exec ldd {} \; ; } 2>/dev/null |
    awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)"
  for lib in $libs; do copy_host_file "$root" "$lib"; done
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -e "$loader" ] && copy_host_file "$root" "$loader"
  done
  # Shared libraries found through ld.so.conf (BLAS/LAPACK alternatives) and the cache itself.
  cp -a /etc/ld.so.conf /etc/ld.so.conf.d "$root/etc/" 2>/dev/null || true
  for dir in /usr/lib/x86_64-linux-gnu/blas /usr/lib/x86_64-linux-gnu/lapack /usr/lib/x86_64-linux-gnu/openblas-pthread; do
    [ -d "$dir" ] && mkdir -p "$root$dir" && cp -aL "$dir/." "$root$dir/"
  done
  cp /etc/ld.so.cache "$root/etc/ld.so.cache"
  import_root "$root" "$ORCHEST_IMAGE"
  if ! docker run --rm "$ORCHEST_IMAGE" bash -c 'python3 -c "import pandas, sklearn, matplotlib.pyplot, ipykernel; print(\"[images] '"$ORCHEST_IMAGE"' has pandas\", pandas.__version__, \"scikit-learn\", sklearn.__version__)" && pip --version >/dev/null && jupyter nbconvert --version >/dev/null'; then
    docker rmi "$ORCHEST_IMAGE" >/dev/null
    echo "[images] $ORCHEST_IMAGE does not work (see above): removed" >&2
    exit 1
  fi
fi
