#!/usr/bin/env bash
# Builds the provider and the emulator for every platform Terraform runs on, from this Linux
# x86-64 machine, and writes the Terraform Registry's release artefacts into dist/:
#   terraform-provider-azureai_<v>_<os>_<arch>.zip  holds terraform-provider-azureai_v<v> (.exe)
#   terraform-provider-azureai_<v>_manifest.json    copy of terraform-registry-manifest.json
#   terraform-provider-azureai_<v>_SHA256SUMS       sha256 of the zips and the manifest
#   terraform-provider-azureai_<v>_SHA256SUMS.sig   with --sign: detached binary GPG signature
#   azureai-emulator_<v>_<os>_<arch>.zip            holds azureai-emulator (.exe)
#   azureai-emulator_<v>_SHA256SUMS(.sig)           the emulator's own checksums
#
# Usage: scripts/release.sh [--platforms LIST] [--profile NAME] [--sign KEY_ID] [--out DIR]
#                           [--compress-level N] [--binary PATH]
#   --platforms LIST  comma-separated subset of linux_amd64,linux_arm64,darwin_amd64,
#                     darwin_arm64,windows_amd64 (default: all five)
#   --profile NAME    cargo profile (default release); the release tests use dev-cross
#                     (unoptimised, no debug info) to stay inside CI's time
#   --sign KEY_ID     sign the SHA256SUMS files with this GPG key (gpg --local-user; GNUPGHOME
#                     is honoured); the registry verifies this signature on every install
#   --out DIR         write the artefacts to DIR instead of <repo>/dist (earlier artefacts of
#                     this version in DIR are removed first)
#   --compress-level N  deflate level 0-9 (default 6)
#   --binary PATH     package this already-built linux_amd64 provider instead of building
#                     (implies --platforms linux_amd64; no emulator archive)
#
# What each platform needs (scripts/install-cross.sh installs it, cached under .cache/cross):
# the Rust target's standard library (rustup), zig (PyPI `ziglang`) as C compiler and linker,
# driven by cargo-zigbuild (its prebuilt binary from PyPI). Per platform:
#   linux_amd64    x86_64-unknown-linux-gnu against glibc 2.17, so the binary runs on every
#   linux_arm64    aarch64-unknown-linux-gnu  distribution of the last ten years
#   darwin_amd64   x86_64-apple-darwin, macOS 10.12+; Security and CoreFoundation are linked
#   darwin_arm64   aarch64-apple-darwin, macOS 11+  against stubs (scripts/macos-link.py); rustc's
#                  warning that `xcrun` cannot find a MacOSX.sdk is expected: none is needed
#   windows_amd64  x86_64-pc-windows-gnu (zig's mingw-w64), Windows 10+
# The plugin listens on a unix socket on linux and darwin and on loopback TCP on Windows
# (src/plugin/listener.rs).
#
# The zips are reproducible: one member with a fixed timestamp and mode 0755, so the same
# binary always gives the same zip, hence the same SHA256SUMS line and lock-file hash.
set -euo pipefail

die() { echo "release: $*" >&2; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

all_platforms="linux_amd64,linux_arm64,darwin_amd64,darwin_arm64,windows_amd64"
platforms=""
platforms_given=0
profile="release"
sign_key=""
binary=""
out="$repo_root/dist"
level=6
while [[ $# -gt 0 ]]; do
  case "$1" in
    --platforms)
      [[ $# -ge 2 ]] || die "--platforms needs a list"
      platforms="$2"; platforms_given=1; shift 2 ;;
    --profile) [[ $# -ge 2 && -n "$2" ]] || die "--profile needs a name"; profile="$2"; shift 2 ;;
    --sign) [[ $# -ge 2 && -n "$2" ]] || die "--sign needs a key id"; sign_key="$2"; shift 2 ;;
    --binary) [[ $# -ge 2 ]] || die "--binary needs a path"; binary="$2"; shift 2 ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out="$2"; shift 2 ;;
    --compress-level)
      [[ $# -ge 2 && "$2" =~ ^[0-9]$ ]] || die "--compress-level needs a digit 0-9"
      level="$2"; shift 2 ;;
    -h|--help) sed -n '2,38p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ $platforms_given -eq 0 || -n "$platforms" ]] || die "--platforms is empty"
if [[ -n "$binary" ]]; then
  [[ $platforms_given -eq 0 || "$platforms" == "linux_amd64" ]] \
    || die "--binary packages a linux_amd64 provider; it cannot be combined with --platforms $platforms"
  platforms="linux_amd64"
fi
platforms="${platforms:-$all_platforms}"

# platform -> Rust target (with zig's glibc version for linux) and executable suffix
rust_target() {
  case "$1" in
    linux_amd64) echo "x86_64-unknown-linux-gnu.2.17" ;;
    linux_arm64) echo "aarch64-unknown-linux-gnu.2.17" ;;
    darwin_amd64) echo "x86_64-apple-darwin" ;;
    darwin_arm64) echo "aarch64-apple-darwin" ;;
    windows_amd64) echo "x86_64-pc-windows-gnu" ;;
    *) return 1 ;;
  esac
}
exe_suffix() { [[ "$1" == windows_* ]] && echo ".exe" || true; }

selected=()
IFS=',' read -r -a requested <<<"$platforms"
for p in "${requested[@]}"; do
  rust_target "$p" >/dev/null || die "unknown platform '$p' (known: $all_platforms)"
  [[ " ${selected[*]-} " == *" $p "* ]] || selected+=("$p")
done
[[ ${#selected[@]} -gt 0 ]] || die "--platforms is empty"

# The crate version is the provider version: one source of truth.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "cannot read the version from Cargo.toml"
name="terraform-provider-azureai"
emulator="azureai-emulator"
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$profile" in
  dev) profile_dir="debug" ;;
  *) profile_dir="$profile" ;;
esac

if [[ -n "$sign_key" ]]; then
  command -v gpg >/dev/null 2>&1 || die "--sign needs gpg (scripts/install-cross.sh run installs it)"
  gpg --batch --list-secret-keys "$sign_key" >/dev/null 2>&1 \
    || die "no secret GPG key '$sign_key' (GNUPGHOME=${GNUPGHOME:-~/.gnupg})"
fi

# --- build ------------------------------------------------------------------------------------
if [[ -z "$binary" ]]; then
  cross_bin="$(scripts/install-cross.sh build)" || die "installing the cross toolchain failed"
  export PATH="$cross_bin:$PATH"
  # zig's caches (its libc and CRT builds per target) and cargo-zigbuild's wrappers stay
  # with the other cached tools instead of in the home directory.
  export ZIG_GLOBAL_CACHE_DIR="$repo_root/.cache/cross/zig-cache"
  export CARGO_ZIGBUILD_CACHE_DIR="$repo_root/.cache/cross/cargo-zigbuild-cache"

  target_args=()
  for p in "${selected[@]}"; do
    t="$(rust_target "$p")"
    target_args+=(--target "$t")
    case "$p" in
      darwin_*)
        # Our linker for macOS: frameworks as generated stubs (see its header).
        env_target="$(tr 'a-z-' 'A-Z_' <<<"$t")"
        export "CARGO_TARGET_${env_target}_LINKER=$repo_root/scripts/macos-link.py"
        ;;
    esac
  done
  echo "release: cargo zigbuild --profile $profile ${target_args[*]}" >&2
  # One invocation for all targets: the build scripts and proc macros compile once.
  cargo zigbuild --locked --profile "$profile" "${target_args[@]}" \
    --bin "$name" --bin "$emulator" \
    || die "cargo zigbuild failed"
fi

# --- package ----------------------------------------------------------------------------------
mkdir -p "$out"
rm -f "$out/${name}_${version}_"* "$out/${emulator}_${version}_"*

# Python's zipfile with a fixed timestamp makes the zip byte-for-byte reproducible for the same
# binary (the `zip` tool stamps the file's mtime); mode 0755 is stored so Terraform's unpacking
# leaves the plugin executable.
make_zip() {
  python3 - "$1" "$2" "$3" "$level" <<'PY'
import sys, zipfile
binary, zip_path, member, level = sys.argv[1:5]
info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)
info.compress_type = zipfile.ZIP_DEFLATED
info.create_system = 3  # unix, so the mode bits above are honoured
with open(binary, "rb") as f, zipfile.ZipFile(zip_path + ".tmp", "w") as z:
    z.writestr(info, f.read(), compresslevel=int(level))
PY
  mv "$2.tmp" "$2"
}

provider_files=()
emulator_files=()
for p in "${selected[@]}"; do
  ext="$(exe_suffix "$p")"
  if [[ -n "$binary" ]]; then
    provider_bin="$binary"
  else
    t="$(rust_target "$p")"
    provider_bin="$target_dir/${t%%.*}/$profile_dir/$name$ext"
    emulator_bin="$target_dir/${t%%.*}/$profile_dir/$emulator$ext"
    [[ -f "$emulator_bin" ]] || die "no emulator binary for $p at $emulator_bin"
    make_zip "$emulator_bin" "$out/${emulator}_${version}_${p}.zip" "$emulator$ext"
    emulator_files+=("${emulator}_${version}_${p}.zip")
  fi
  [[ -f "$provider_bin" ]] || die "no provider binary for $p at $provider_bin"
  make_zip "$provider_bin" "$out/${name}_${version}_${p}.zip" "${name}_v${version}$ext"
  provider_files+=("${name}_${version}_${p}.zip")
done
cp terraform-registry-manifest.json "$out/${name}_${version}_manifest.json"
provider_files+=("${name}_${version}_manifest.json")

# One SHA256SUMS per product, sorted by file name, optionally signed.
write_sums() {
  local sums="$1"; shift
  (cd "$out" && printf '%s\n' "$@" | LC_ALL=C sort | xargs sha256sum >"$sums")
  if [[ -n "$sign_key" ]]; then
    gpg --batch --yes --local-user "$sign_key" --output "$out/$sums.sig" \
      --detach-sign "$out/$sums" || die "gpg could not sign $sums"
    gpg --batch --verify "$out/$sums.sig" "$out/$sums" 2>/dev/null \
      || die "the signature of $sums does not verify"
  fi
}
write_sums "${name}_${version}_SHA256SUMS" "${provider_files[@]}"
if [[ ${#emulator_files[@]} -gt 0 ]]; then
  write_sums "${emulator}_${version}_SHA256SUMS" "${emulator_files[@]}"
fi

echo "release: wrote into $out" >&2
(cd "$out" && shopt -s nullglob && ls -l "${name}_${version}_"* "${emulator}_${version}_"*) >&2
