#!/usr/bin/env bash
# Creates the Python venvs used by the SDK conformance tests:
#   .cache/venv-sdk-b3      azure-ai-projects==2.0.0b3 (the seed's SDK, Gen A api-version) + azure-identity
#   .cache/venv-sdk-latest  newest azure-ai-projects 2.x (Gen B, api-version v1) + azure-identity
#
# Usage: scripts/setup-python.sh            (both venvs)
#        scripts/setup-python.sh b3|latest  (one venv)
#
# Idempotent: a venv counts as ready only when its marker file `.ready` holds exactly the
# requirement line below, so a venv left half-built by a killed run, or built for other
# requirements, is rebuilt from scratch. A flock per venv serialises parallel callers (the
# conformance tests may call this from several test binaries at once).
set -euo pipefail

die() { echo "setup-python: $*" >&2; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="$repo_root/.cache"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "python3 is required"

requirements_for() {
  case "$1" in
    b3) echo "azure-ai-projects==2.0.0b3 azure-identity" ;;
    latest) echo "azure-ai-projects>=2,<3 azure-identity" ;;
    *) die "unknown venv '$1' (expected b3 or latest)" ;;
  esac
}

setup_venv() {
  local name="$1" reqs venv marker
  reqs="$(requirements_for "$name")"
  venv="$cache_dir/venv-sdk-$name"
  marker="$venv/.ready"

  if [[ -f "$marker" && "$(head -n1 "$marker")" == "$reqs" ]]; then
    echo "setup-python: $venv ready" >&2
    return 0
  fi

  mkdir -p "$cache_dir"
  exec 8>"$cache_dir/.lock-venv-sdk-$name"
  if command -v flock >/dev/null 2>&1; then
    flock 8
  fi
  if [[ -f "$marker" && "$(head -n1 "$marker")" == "$reqs" ]]; then
    exec 8>&-
    echo "setup-python: $venv ready" >&2
    return 0
  fi

  echo "setup-python: creating $venv ($reqs)" >&2
  # Built in place (a venv's scripts hard-code its path, so it cannot be renamed afterwards);
  # the marker written last is what makes it count as ready.
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # shellcheck disable=SC2086 # the requirement list is split into words on purpose
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet $reqs >&2 \
    || die "pip install into $venv failed"
  "$venv/bin/python" -c 'import azure.ai.projects, azure.identity' \
    || die "$venv cannot import azure.ai.projects / azure.identity"
  {
    echo "$reqs"
    "$venv/bin/python" -m pip freeze --disable-pip-version-check
  } > "$marker.tmp"
  mv "$marker.tmp" "$marker"
  exec 8>&-
  echo "setup-python: $venv ready: $("$venv/bin/python" -m pip show azure-ai-projects 2>/dev/null | grep '^Version:')" >&2
}

if [[ $# -eq 0 ]]; then
  set -- b3 latest
fi
for name in "$@"; do
  setup_venv "$name"
done
