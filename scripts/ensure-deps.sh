#!/usr/bin/env bash
# Installs what ion-deploy's tests and rehearsal need on a fresh Debian machine with Node 20:
# Debian's prometheus (promtool), haproxy and chromium (the report's layout test), and the pinned npm packages. Idempotent and quiet
# when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "ion-deploy: missing Debian packages: ${missing[*]} (install them: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "ion-deploy: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or was installed from another lock file. Compared by
# content, not mtime: a fresh checkout or worktree has a newer lock file than an install that
# matches it, and npm ci would empty a shared node_modules (a symlink) for nothing.
stamp=node_modules/.ion-deploy-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "ion-deploy: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$wanted" >"$stamp"
fi
