#!/usr/bin/env bash
# Quickstart: build the provider and the emulator, then run examples/quickstart/ with real
# Terraform against a local azureai-emulator — init (offline, from a filesystem mirror), apply,
# show the versions, destroy — and clean everything up.
#
# Usage: scripts/quickstart.sh [options]
#   --keep               leave the emulator running and the working directory in place, and print
#                        how to use them (no destroy)
#   --release            build with --release (slower to build; default is a debug build)
#   --terraform PATH     use this terraform binary (default: `terraform` on PATH, else the pinned
#                        Terraform 1.0.3 installed by scripts/install-terraform.sh)
#   --provider-bin PATH  use an already-built provider binary (skips the build; also needs
#   --emulator-bin PATH    --emulator-bin) — the tests use this
#   -h, --help
#
# Nothing leaves this machine: the emulator listens on 127.0.0.1 and Terraform installs the
# provider from a local mirror. No Azure account is needed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

say() { printf '\n==> %s\n' "$*"; }
die() { echo "quickstart: $*" >&2; exit 1; }

keep=0
profile=debug
terraform=""
provider_bin=""
emulator_bin=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --release) profile=release; shift ;;
    --terraform) [[ $# -ge 2 ]] || die "--terraform needs a path"; terraform="$2"; shift 2 ;;
    --provider-bin) [[ $# -ge 2 ]] || die "--provider-bin needs a path"; provider_bin="$2"; shift 2 ;;
    --emulator-bin) [[ $# -ge 2 ]] || die "--emulator-bin needs a path"; emulator_bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
if [[ -n "$provider_bin" || -n "$emulator_bin" ]]; then
  [[ -n "$provider_bin" && -n "$emulator_bin" ]] || die "--provider-bin and --emulator-bin go together"
fi

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
[[ -n "$version" ]] || die "cannot read the provider version from Cargo.toml"

# --- Cleanup, whatever happens from here on -----------------------------------------------------
work=""
emulator_pid=""
cleanup() {
  local status=$?
  if [[ $keep -eq 0 || $status -ne 0 ]]; then
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
      kill "$emulator_pid" 2>/dev/null || true
      wait "$emulator_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -n "$work" && -f "$work/emulator.log" ]]; then
      echo "quickstart: failed; last lines of the emulator's log:" >&2
      tail -n 20 "$work/emulator.log" >&2 || true
    fi
    [[ -n "$work" ]] && rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. Build ----------------------------------------------------------------------------------
if [[ -z "$provider_bin" ]]; then
  say "Building the provider and the emulator ($profile build; the first build takes a few minutes)"
  command -v cargo >/dev/null 2>&1 || die "cargo is required (https://rustup.rs)"
  if [[ $profile == release ]]; then
    cargo build --release --bins
  else
    cargo build --bins
  fi
  target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null \
    || echo "$repo_root/target")"
  provider_bin="$target_dir/$profile/terraform-provider-azureai"
  emulator_bin="$target_dir/$profile/azureai-emulator"
fi
[[ -x "$provider_bin" ]] || die "provider binary '$provider_bin' is missing"
[[ -x "$emulator_bin" ]] || die "emulator binary '$emulator_bin' is missing"

# --- 2. Terraform --------------------------------------------------------------------------------
if [[ -z "$terraform" ]]; then
  if command -v terraform >/dev/null 2>&1; then
    terraform="$(command -v terraform)"
  else
    say "No terraform on PATH: installing the pinned Terraform 1.0.3 (the one the tests use)"
    terraform="$(scripts/install-terraform.sh 1.0.3)"
  fi
fi
# Terraform talks to nothing but the emulator: no update checks, no registry.
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_LOG TF_LOG_PATH TF_CLI_ARGS TF_WORKSPACE
# (A CLI config file named in the caller's environment may not exist; ours comes later.)
say "Using $(TF_CLI_CONFIG_FILE=/dev/null "$terraform" version | head -n1) at $terraform"

# --- 3. Emulator ---------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/azureai-quickstart.XXXXXX")"
say "Starting azureai-emulator on 127.0.0.1"
"$emulator_bin" --listen 127.0.0.1:0 --project quickstart --provision-delay-ms 300 \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!

endpoint=""
for _ in $(seq 1 300); do
  if [[ -s "$work/emulator.out" ]] && IFS= read -r endpoint <"$work/emulator.out" && [[ -n "$endpoint" ]]; then
    break
  fi
  kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited before printing its endpoint"
  sleep 0.1
done
[[ "$endpoint" == http://127.0.0.1:*/api/projects/quickstart ]] \
  || die "the emulator printed '$endpoint' instead of its project endpoint"
origin="${endpoint%%/api/projects/*}"
echo "endpoint: $endpoint (pid $emulator_pid)"

# The provider's default credential chain reaches the emulator's managed-identity endpoint.
# Credentials for real Azure that may be set in this shell are removed for this run, so the
# chain cannot pick them up and nothing is sent to Azure.
unset AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_CLIENT_SECRET AZURE_CLIENT_CERTIFICATE_PATH \
  AZURE_FEDERATED_TOKEN_FILE AZURE_USERNAME AZURE_PASSWORD MSI_ENDPOINT MSI_SECRET \
  IMDS_ENDPOINT AZURE_AUTHORITY_HOST
export AZURE_AI_PROJECT_ENDPOINT="$endpoint"
export IDENTITY_ENDPOINT="$origin/msi/token"
export IDENTITY_HEADER="emulator"

# --- 4. Filesystem mirror and CLI configuration ------------------------------------------------
plugin_dir="$work/mirror/registry.terraform.io/azureai/azureai/$version/linux_amd64"
mkdir -p "$plugin_dir"
cp "$provider_bin" "$plugin_dir/terraform-provider-azureai_v$version"
cat >"$work/terraformrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/azureai/azureai"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/terraformrc"

config="$work/config"
mkdir -p "$config"
cp examples/quickstart/*.tf "$config/"
# Colours only on a terminal: piped into a log or a test, escape codes are noise.
color=()
[[ -t 1 ]] || color=(-no-color)
tf() {
  local cmd="$1"
  shift
  "$terraform" -chdir="$config" "$cmd" "${color[@]}" "$@"
}

# --- 5. init, apply, show ----------------------------------------------------------------------
say "terraform init (offline, from the local mirror; its lock-file checksum warning is expected for a local mirror)"
tf init -input=false

say "terraform apply: two versions of 'quickstart-agent'"
tf apply -input=false -auto-approve

say "Created versions (terraform output)"
tf output stable
tf output canary

say "Every version the service lists (data source azureai_hosted_agent_versions)"
tf output all_versions

if [[ $keep -eq 1 ]]; then
  say "Kept running (--keep)"
  cat <<MSG
emulator pid $emulator_pid at $endpoint
configuration in $config

To use it from another shell:
  export AZURE_AI_PROJECT_ENDPOINT=$endpoint
  export IDENTITY_ENDPOINT=$IDENTITY_ENDPOINT IDENTITY_HEADER=$IDENTITY_HEADER
  export TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE=1
  $terraform -chdir=$config plan
  curl -s $origin/_emulator/state

When done:
  $terraform -chdir=$config destroy -auto-approve; kill $emulator_pid; rm -rf $work
MSG
  exit 0
fi

say "terraform destroy"
tf destroy -input=false -auto-approve

say "Done: the versions were created, listed and destroyed; stopping the emulator"
