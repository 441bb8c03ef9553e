#!/usr/bin/env bash
# THE benchmark command (docs/performance.md): start-up, plan overhead, provider CPU/RSS and
# apply/destroy throughput, measured side by side in one run and printed as ratios.
#
#   scripts/bench.sh                 full run: release build, N=500 plan, N=200 apply (~3 min + build)
#   scripts/bench.sh --smoke         tiny N, debug build; what tests/bench_smoke.rs runs (< 1 min)
#
# Options:
#   --provider PATH --emulator PATH  use these binaries instead of building (both or neither)
#   --minimal-provider PATH          the minimal-provider example (default: examples/ beside --provider)
#   --json PATH                      also write every figure as JSON
#   --keep                           keep the temporary work directory (configs, logs)
#
# Prerequisites it installs itself (cached under .cache/): the azure-ai-projects 2.0.0b3 venv
# (scripts/setup-python.sh b3). Needs `terraform` >= 1.4 on PATH (terraform_data), python3, openssl.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

die() { echo "bench.sh: $*" >&2; exit 1; }

smoke=0 provider="" emulator="" minimal="" driver_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1; driver_args+=(--smoke) ;;
    --provider) provider="${2:?--provider needs a path}"; shift ;;
    --emulator) emulator="${2:?--emulator needs a path}"; shift ;;
    --minimal-provider) minimal="${2:?--minimal-provider needs a path}"; shift ;;
    --json) driver_args+=(--json "${2:?--json needs a path}"); shift ;;
    --keep) driver_args+=(--keep) ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[[ -n "$provider" && -n "$emulator" || -z "$provider" && -z "$emulator" ]] \
  || die "--provider and --emulator go together"

export CHECKPOINT_DISABLE=1
command -v terraform >/dev/null 2>&1 || die "no terraform on PATH (Terraform >= 1.4 is needed for terraform_data)"
command -v python3 >/dev/null 2>&1 || die "python3 is required"

if [[ -z "$provider" ]]; then
  if [[ $smoke -eq 1 ]]; then
    # Smoke runs the same code paths on debug binaries: only the figures differ.
    cargo build --bins --example minimal-provider
    target_dir="$repo_root/target/debug"
  else
    echo "bench.sh: building release binaries (cargo build --release --bins --example minimal-provider)" >&2
    cargo build --release --bins --example minimal-provider
    target_dir="$repo_root/target/release"
  fi
  provider="$target_dir/terraform-provider-azureai"
  emulator="$target_dir/azureai-emulator"
fi
# The plan benchmark's protocol floor; cargo builds examples beside the binaries.
minimal="${minimal:-$(dirname "$provider")/examples/minimal-provider}"
[[ -x "$minimal" ]] || die "no minimal provider at $minimal (cargo build --example minimal-provider, or pass --minimal-provider)"

scripts/setup-python.sh b3 >&2 || die "setting up the azure-ai-projects 2.0.0b3 venv failed"

exec python3 benches/bench.py --provider "$provider" --emulator "$emulator" --minimal-provider "$minimal" \
  --python-sdk "$repo_root/.cache/venv-sdk-b3/bin/python" "${driver_args[@]}"
