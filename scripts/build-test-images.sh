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

# busybox's applets in /usr/bin too, for programs that run tools by that path (/usr/bin/env, /usr/bin/which).
busybox_usr_bin() {
  local root="$1" applet
  for applet in $("$BUSYBOX_BIN" --list); do
    [ -e "$root/usr/bin/$applet" ] || ln -s /bin/busybox "$root/usr/bin/$applet"
  done
}

# The host's python3 in the root: the interpreter (python3, python), its standard library without
# tests and caches, and the shared libraries of the interpreter and its extension modules.
copy_host_python() {
  local root="$1" stdlib libs
  stdlib="$("$HOST_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
  copy_host_file "$root" "$HOST_PYTHON"
  ln -sf "$HOST_PYTHON" "$root/usr/bin/python3"
  ln -sf "$HOST_PYTHON" "$root/usr/bin/python"
  mkdir -p "$root$stdlib"
  tar -C "$stdlib" --exclude=./test --exclude='__pycache__' --exclude=./site-packages --exclude=./dist-packages -c . | tar -C "$root$stdlib" -x
  libs="$( { ldd "$HOST_PYTHON"; find "$root$stdlib/lib-dynload" -name '*.so' -exec ldd {} \; ; } 2>/dev/null |
    awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)"
  for lib in $libs; do copy_host_file "$root" "$lib"; done
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -e "$loader" ] && copy_host_file "$root" "$loader"
  done
  return 0
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
  copy_host_python "$root"
  "$HOST_PYTHON" -c 'pass' # fails the script early when the host interpreter itself is broken
  import_root "$root" "$PYTHON_IMAGE"
  docker run --rm "$PYTHON_IMAGE" python3 -c "import json, sqlite3, ssl; print('[images] $PYTHON_IMAGE runs python', '$version')"
fi

# berth-test/orchest-base-kernel-py:2 — a stand-in for Orchest's orchest/base-kernel-py made from this
# machine's files (no registry): the python image plus bash, pip, Jupyter's nbconvert and ipykernel,
# and Debian's pandas / scikit-learn / matplotlib / redis / psycopg2 (python3-pandas, python3-sklearn,
# python3-matplotlib, python3-redis, python3-psycopg2, python3-ipykernel, jupyter-nbconvert). Orchest's
# quickstart and its services-connectivity fixture run on it unchanged
# (BERTH_ORCHEST_IMAGES=orchest/base-kernel-py=berth-test/orchest-base-kernel-py:2).
# Skipped, with a notice, when those packages are not installed.
ORCHEST_IMAGE="${BERTH_TEST_ORCHEST_IMAGE:-berth-test/orchest-base-kernel-py:2}"
if has_image "$ORCHEST_IMAGE"; then
  echo "[images] $ORCHEST_IMAGE present"
elif ! /usr/bin/python3 -c 'import pandas, sklearn, matplotlib, nbconvert, ipykernel, pip, redis, psycopg2' 2>/dev/null || [ ! -x /usr/bin/jupyter-nbconvert ]; then
  echo "[images] NOTICE: not building $ORCHEST_IMAGE: needs python3-pandas python3-sklearn python3-matplotlib python3-redis python3-psycopg2 python3-ipykernel jupyter-nbconvert"
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
  if ! docker run --rm "$ORCHEST_IMAGE" bash -c 'python3 -c "import pandas, sklearn, matplotlib.pyplot, ipykernel, redis, psycopg2; print(\"[images] '"$ORCHEST_IMAGE"' has pandas\", pandas.__version__, \"scikit-learn\", sklearn.__version__)" && pip --version >/dev/null && jupyter nbconvert --version >/dev/null'; then
    docker rmi "$ORCHEST_IMAGE" >/dev/null
    echo "[images] $ORCHEST_IMAGE does not work (see above): removed" >&2
    exit 1
  fi
fi

# Copies a program (or library) and every shared library it needs (as ldd resolves them here) into the root.
copy_with_libs() {
  local root="$1"; shift
  local libs
  for file in "$@"; do copy_host_file "$root" "$file"; done
  libs="$(for file in "$@"; do ldd "$file" 2>/dev/null; done | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)"
  for lib in $libs; do copy_host_file "$root" "$lib"; done
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -e "$loader" ] && copy_host_file "$root" "$loader"
  done
  return 0
}

# Whether a Jupyter kernel starts in IMAGE from ARGV (`{connection_file}` replaced by a connection file
# on loopback) and listens on its heartbeat port within a minute; the check runs on the image's python3
# (which Berth's kernel host needs there too).
kernel_listens() {
  local image="$1"; shift
  docker run --rm -i "$image" python3 - "$@" <<'PYTHON'
import json, socket, subprocess, sys, time
ports = {}
for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        ports[name] = s.getsockname()[1]
with open("/tmp/kernel.json", "w") as f:
    json.dump(dict(ports, ip="127.0.0.1", key="k", transport="tcp", signature_scheme="hmac-sha256"), f)
argv = ["/tmp/kernel.json" if a == "{connection_file}" else a for a in sys.argv[1:]]
kernel = subprocess.Popen(argv)
for _ in range(600):
    try:
        socket.create_connection(("127.0.0.1", ports["hb_port"]), 1).close()
        break
    except OSError:
        if kernel.poll() is not None:
            raise SystemExit(f"{argv[0]} exited")
        time.sleep(0.1)
else:
    raise SystemExit(f"{argv[0]} did not listen on its heartbeat port")
kernel.terminate()
kernel.wait()
print(f"[images] {argv[0]}'s kernel listens", flush=True)
PYTHON
}

# berth-test/orchest-base-kernel-r:1 — a stand-in for Orchest's orchest/base-kernel-r (jupyter's
# r-notebook: R, IRkernel, and a Python) made from this machine's files (no registry): busybox, bash,
# the host's python3 (standard library; Berth's kernel host is Python) and Debian's R (r-base-core:
# /usr/lib/R with its base and recommended library, /usr/share/R, /etc/R), of the site library only
# IRkernel (r-cran-irkernel) and reticulate (r-cran-reticulate, Orchest's R path to the Python SDK)
# with what they need, and the shared libraries ldd resolves. Skipped, with a notice, when R or
# IRkernel is not installed.
R_IMAGE="${BERTH_TEST_R_IMAGE:-berth-test/orchest-base-kernel-r:1}"
if has_image "$R_IMAGE"; then
  echo "[images] $R_IMAGE present"
elif [ ! -x /usr/lib/R/bin/exec/R ] || ! Rscript -e 'library(IRkernel); library(reticulate)' >/dev/null 2>&1 || [ ! -x /bin/bash ]; then
  echo "[images] NOTICE: not building $R_IMAGE: needs r-base-core, r-cran-irkernel and r-cran-reticulate"
else
  root="$work/r"
  make_busybox_root "$root"
  copy_host_python "$root"
  mkdir -p "$root/usr/lib/R/site-library" "$root/usr/share" "$root/etc"
  # R itself without the site library, whose packages are chosen below (symlinks into /etc/R and /usr/share/R kept).
  tar -C /usr/lib/R --exclude=./site-library -c . | tar -C "$root/usr/lib/R" -x
  cp -a /usr/share/R "$root/usr/share/R"
  cp -a /etc/R "$root/etc/R"
  # R runs tools by absolute path (/usr/bin/which for Sys.which): busybox's applets there too; the C.UTF-8 locale.
  busybox_usr_bin "$root"
  [ -d /usr/lib/locale/C.utf8 ] && mkdir -p "$root/usr/lib/locale" && cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
  # IRkernel and reticulate with their dependencies (Depends, Imports, LinkingTo), where R finds them.
  Rscript -e 'ip <- installed.packages(); deps <- tools::package_dependencies(c("IRkernel", "reticulate"), db = ip, recursive = TRUE, which = c("Depends", "Imports", "LinkingTo")); p <- unique(c("IRkernel", "reticulate", unlist(deps))); p <- p[p %in% rownames(ip)]; cat(file.path(ip[p, "LibPath"], p), sep = "\n")' |
    while read -r pkg; do
      case "$pkg" in /usr/lib/R/library/*) ;; *) mkdir -p "$root$(dirname "$pkg")"; cp -a "$pkg" "$root$pkg" ;; esac
    done
  # bash (R's front end is a bash script), R's binary, and every shared object of R and of those packages.
  copy_with_libs "$root" /bin/bash /usr/lib/R/bin/exec/R $(find "$root/usr/lib/R" "$root/usr/local/lib/R" -name '*.so' -type f 2>/dev/null | sed "s#^$root##")
  ln -sf /bin/bash "$root/usr/bin/bash"
  for program in /usr/bin/R /usr/bin/Rscript; do copy_host_file "$root" "$program"; done
  # reticulate loads the interpreter's shared library through the stdlib's config folder (a link that
  # the stdlib copy leaves dangling): the host's file in its place, with the libraries it needs.
  for link in $(find "$root/usr/lib/python3"* -path '*/config-*' -name 'libpython*.so*' -type l); do
    [ -e "$link" ] || { rm "$link"; copy_with_libs "$root" "${link#"$root"}"; }
  done
  cp -a /etc/ld.so.conf /etc/ld.so.conf.d "$root/etc/" 2>/dev/null || true
  cp /etc/ld.so.cache "$root/etc/ld.so.cache"
  echo "[images] importing $R_IMAGE"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["R"]' - "$R_IMAGE" >/dev/null
  # IRkernel starts as Jupyter starts it (its kernel.json's argv) and listens; reticulate imports from python3.
  if ! docker run --rm "$R_IMAGE" R --slave -e "library(IRkernel); invisible(reticulate::import('json'))" ||
    ! kernel_listens "$R_IMAGE" R --slave -e 'IRkernel::main()' --args '{connection_file}'; then
    docker rmi "$R_IMAGE" >/dev/null
    echo "[images] $R_IMAGE does not work (see above): removed" >&2
    exit 1
  fi
fi

# berth-test/orchest-base-kernel-javascript:1 — a stand-in for Orchest's orchest/base-kernel-javascript:
# busybox, the host's python3 (Berth's kernel host) and the Node.js that runs this script's npm, with
# the JavaScript Jupyter kernel tslab from the npm registry (its zeromq ships prebuilt N-API addons in
# the npm package, so nothing is compiled or downloaded elsewhere). Skipped, with a notice, when
# node/npm are missing or npm cannot install tslab.
JS_IMAGE="${BERTH_TEST_JS_IMAGE:-berth-test/orchest-base-kernel-javascript:1}"
HOST_NODE="$(command -v node || true)"
if has_image "$JS_IMAGE"; then
  echo "[images] $JS_IMAGE present"
elif [ -z "$HOST_NODE" ] || ! command -v npm >/dev/null; then
  echo "[images] NOTICE: not building $JS_IMAGE: needs node and npm"
else
  root="$work/javascript"
  make_busybox_root "$root"
  copy_host_python "$root"
  copy_with_libs "$root" "$(readlink -f "$HOST_NODE")"
  mkdir -p "$root/usr/local/bin"
  ln -sf "$(readlink -f "$HOST_NODE")" "$root/usr/local/bin/node"
  busybox_usr_bin "$root" # npm's commands start with #!/usr/bin/env node
  # No install scripts (zeromq's would only check its prebuilt addon); the command linked by hand.
  if ! npm install --global --prefix "$root/usr/local" --no-audit --no-fund --ignore-scripts --prefer-offline tslab@1 >"$work/npm.log" 2>&1 ||
    ! ln -sf ../lib/node_modules/tslab/bin/tslab "$root/usr/local/bin/tslab"; then
    echo "[images] NOTICE: not building $JS_IMAGE: npm could not install tslab:"
    tail -5 "$work/npm.log"
  else
    echo "[images] importing $JS_IMAGE"
    tar -C "$root" -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["node"]' - "$JS_IMAGE" >/dev/null
    # tslab's kernel starts as its kernelspec starts it and listens.
    if ! kernel_listens "$JS_IMAGE" tslab kernel --config-path '{connection_file}' --js; then
      docker rmi "$JS_IMAGE" >/dev/null
      echo "[images] $JS_IMAGE does not work (see above): removed" >&2
      exit 1
    fi
  fi
fi

# berth-test/redis:1 — a stand-in for Docker Hub's `redis` made from Debian's redis-server: the server
# on 6379 for other containers (protected mode off, as the official image has it), with a HEALTHCHECK
# (redis-cli ping) so that Berth knows when it is ready.
REDIS_IMAGE="${BERTH_TEST_REDIS_IMAGE:-berth-test/redis:1}"
if has_image "$REDIS_IMAGE"; then
  echo "[images] $REDIS_IMAGE present"
elif [ ! -x /usr/bin/redis-server ]; then
  echo "[images] NOTICE: not building $REDIS_IMAGE: needs redis-server"
else
  root="$work/redis"
  make_busybox_root "$root"
  copy_with_libs "$root" /usr/bin/redis-server /usr/bin/redis-cli
  mkdir -p "$root/data"
  echo "[images] importing $REDIS_IMAGE"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /data' --change 'EXPOSE 6379' \
    --change 'HEALTHCHECK --interval=1s --timeout=5s --retries=60 CMD ["redis-cli", "ping"]' \
    --change 'CMD ["redis-server", "--protected-mode", "no"]' - "$REDIS_IMAGE" >/dev/null
  docker run --rm "$REDIS_IMAGE" redis-server --version
fi

# berth-test/postgres:1 — a stand-in for Docker Hub's `postgres` made from Debian's postgresql-15: its
# entrypoint does what the official one does for an empty data folder (initdb as user postgres, then
# connections from other containers with POSTGRES_HOST_AUTH_METHOD or POSTGRES_PASSWORD; neither
# set is refused, as there) and runs the server on 5432; a HEALTHCHECK (pg_isready over TCP) says
# when it accepts connections.
POSTGRES_IMAGE="${BERTH_TEST_POSTGRES_IMAGE:-berth-test/postgres:1}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if has_image "$POSTGRES_IMAGE"; then
  echo "[images] $POSTGRES_IMAGE present"
elif [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ]; then
  echo "[images] NOTICE: not building $POSTGRES_IMAGE: needs Debian's postgresql"
else
  root="$work/postgres"
  make_busybox_root "$root"
  pg_dir="$(dirname "$PG_BIN")"
  pg_share="/usr/share/postgresql/$(basename "$pg_dir")"
  copy_with_libs "$root" "$PG_BIN/postgres" "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$PG_BIN/psql" "$PG_BIN/pg_isready" $(find "$pg_dir/lib" -maxdepth 1 -name '*.so')
  mkdir -p "$root$pg_share" "$root/usr/share/zoneinfo"
  cp -rL "$pg_share/." "$root$pg_share/"
  cp -rL /usr/share/zoneinfo/. "$root/usr/share/zoneinfo/"
  printf 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' >>"$root/etc/passwd"
  printf 'postgres:x:999:\n' >>"$root/etc/group"
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql" "$root/usr/local/bin"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
set -e
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec su -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$0" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    echo 'Error: Database is uninitialized and superuser password is not specified. Set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust.' >&2
    exit 1
  fi
  pwfile=""
  if [ -n "$POSTGRES_PASSWORD" ]; then pwfile=/tmp/pgpass; printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"; fi
  initdb --username="${POSTGRES_USER:-postgres}" ${pwfile:+--pwfile=$pwfile} -D "$PGDATA" >/dev/null
  rm -f /tmp/pgpass
  printf 'host all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
  echo 'PostgreSQL init process complete; ready for start up.'
fi
if [ "$1" = postgres ]; then shift; exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"; fi
exec "$@"
ENTRY
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  echo "[images] importing $POSTGRES_IMAGE"
  tar -C "$root" -c . | docker import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:$PG_BIN:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'EXPOSE 5432' \
    --change 'HEALTHCHECK --interval=1s --timeout=5s --retries=120 CMD ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"]' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["postgres"]' - "$POSTGRES_IMAGE" >/dev/null
  docker run --rm --entrypoint postgres "$POSTGRES_IMAGE" --version
fi

# berth-test/web-ui-standin:1 — stands in for the images of web UIs that cannot be had offline
# (orchest/streamlit, tensorflow/tensorflow, codercom/code-server): Orchest's python base stand-in with
# `streamlit`, `tensorboard` and `code-server` commands that serve HTTP (python3 -m http.server) on the
# port the real program would use (8501, --port/6006, --bind-addr's). NOT those programs: only what a
# session needs of them (a process that runs and a port that answers). WORKDIR /usr/src/app as in
# orchest/streamlit.
STANDIN_IMAGE="${BERTH_TEST_STANDIN_IMAGE:-berth-test/web-ui-standin:1}"
if has_image "$STANDIN_IMAGE"; then
  echo "[images] $STANDIN_IMAGE present"
elif ! has_image "$ORCHEST_IMAGE"; then
  echo "[images] NOTICE: not building $STANDIN_IMAGE: needs $ORCHEST_IMAGE"
else
  echo "[images] building $STANDIN_IMAGE"
  docker build -q -t "$STANDIN_IMAGE" - >/dev/null <<DOCKERFILE
FROM $ORCHEST_IMAGE
RUN mkdir -p /usr/local/bin /usr/src/app && \\
    printf '%s\\n' '#!/bin/sh' 'echo "web UI stand-in: \$(basename "\$0") \$*"' \\
      'port="\$WEB_UI_PORT"' \\
      'for a in "\$@"; do case "\$prev" in --port|--server.port) port="\$a";; --bind-addr) port="\${a##*:}";; esac; prev="\$a"; done' \\
      'exec python3 -m http.server "\$port" --bind 0.0.0.0' >/usr/local/bin/web-ui-standin && \\
    chmod 755 /usr/local/bin/web-ui-standin && \\
    printf '#!/bin/sh\\nWEB_UI_PORT=8501 exec web-ui-standin "\$@"\\n' >/usr/local/bin/streamlit && \\
    printf '#!/bin/sh\\nWEB_UI_PORT=6006 exec web-ui-standin "\$@"\\n' >/usr/local/bin/tensorboard && \\
    printf '#!/bin/sh\\nWEB_UI_PORT=8080 exec web-ui-standin "\$@"\\n' >/usr/local/bin/code-server && \\
    chmod 755 /usr/local/bin/streamlit /usr/local/bin/tensorboard /usr/local/bin/code-server
WORKDIR /usr/src/app
DOCKERFILE
fi

# berth-test/jupyter:1 — the Jupyter image of Docker sessions in the tests (BERTH_JUPYTER_IMAGE): Orchest's
# python base stand-in, which already holds Debian's python3-jupyter-server and python3-ipykernel,
# with Jupyter Server as its command on 8888. Berth passes its own command line (decision 0018).
JUPYTER_IMAGE="${BERTH_TEST_JUPYTER_IMAGE:-berth-test/jupyter:1}"
if has_image "$JUPYTER_IMAGE"; then
  echo "[images] $JUPYTER_IMAGE present"
elif ! has_image "$ORCHEST_IMAGE"; then
  echo "[images] NOTICE: not building $JUPYTER_IMAGE: needs $ORCHEST_IMAGE"
elif ! docker run --rm "$ORCHEST_IMAGE" python3 -c 'import jupyter_server, ipykernel' >/dev/null 2>&1; then
  echo "[images] NOTICE: not building $JUPYTER_IMAGE: $ORCHEST_IMAGE has no jupyter_server (install python3-jupyter-server, then rebuild it)"
else
  echo "[images] building $JUPYTER_IMAGE"
  docker build -q -t "$JUPYTER_IMAGE" - >/dev/null <<DOCKERFILE
FROM $ORCHEST_IMAGE
EXPOSE 8888
CMD ["python3", "-m", "jupyter_server", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--allow-root"]
DOCKERFILE
  docker run --rm "$JUPYTER_IMAGE" python3 -m jupyter_server --version
fi
