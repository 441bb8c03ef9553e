#!/usr/bin/env bash
# Installs what building and checking the five release platforms needs on this Linux x86-64
# machine, from the package registries only, cached under <repo>/.cache/cross (git-ignored).
#
# Usage: scripts/install-cross.sh [build] [run]      (no argument: both)
#   build  the cross linkers: rustup targets, zig (PyPI `ziglang`) and cargo-zigbuild (its
#          prebuilt binary from PyPI, which saves compiling it), linked into
#          .cache/cross/bin; scripts/release.sh needs these
#   run    the emulators the release tests run foreign binaries under (Debian packages, root):
#          qemu-user-static + libc6-arm64-cross/libgcc-s1-arm64-cross (linux_arm64) and
#          wine64 (windows_amd64) with a prepared prefix; gpg for signing SHA256SUMS. Wine 8.0
#          lacks bcryptprimitives.dll, which Windows 10+ has and Rust's standard library
#          imports; the prefix gets a stand-in built with zig from scripts/wine/.
# Prints the directory to put first on PATH (.cache/cross/bin: zig, cargo-zigbuild).
#
# What each platform needs (scripts/release.sh builds them all from here):
#   linux_amd64   x86_64-unknown-linux-gnu, linked by zig against glibc 2.17 (runs on any
#                 distribution of the last ten years, not only on this machine's glibc)
#   linux_arm64   aarch64-unknown-linux-gnu, zig, glibc 2.17
#   darwin_amd64  x86_64-apple-darwin, zig; the Security and CoreFoundation frameworks are
#   darwin_arm64  aarch64-apple-darwin  linked against .tbd stubs generated per link
#                 (scripts/macos-link.py), since no macOS SDK comes from a registry
#   windows_amd64 x86_64-pc-windows-gnu, zig (its mingw-w64 CRT and import libraries)
#
# Idempotent and safe under parallel callers (the test set-up starts it in the background while
# tests may call it too): one flock serialises the installs, and each tool counts as installed
# only once it answers with the pinned version.
set -euo pipefail

die() { echo "install-cross: $*" >&2; exit 1; }

# Pinned versions: the ones the release tests were run with.
ZIG_VERSION="0.17.1"
ZIGBUILD_VERSION="0.24.1"
RUST_TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu)
APT_PACKAGES=(qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross wine64 gpg)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cross_dir="$repo_root/.cache/cross"
bin_dir="$cross_dir/bin"

want_build=0
want_run=0
[[ $# -gt 0 ]] || set -- build run
for arg in "$@"; do
  case "$arg" in
    build) want_build=1 ;;
    run) want_run=1 ;;
    -h|--help) sed -n '2,27p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown argument '$arg' (expected build and/or run)" ;;
  esac
done

mkdir -p "$bin_dir"
exec 9>"$cross_dir/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

zig_ok() { [[ "$("$bin_dir/zig" version 2>/dev/null)" == "$ZIG_VERSION" ]]; }
zigbuild_ok() { [[ "$("$bin_dir/cargo-zigbuild" --version 2>/dev/null)" == "cargo-zigbuild $ZIGBUILD_VERSION" ]]; }

# zig and cargo-zigbuild, both from PyPI, in one venv. The ziglang wheel carries the zig
# binary and its lib/ (libc headers, CRT sources, the macOS libSystem stubs); zig finds lib/
# next to its real path. The cargo-zigbuild wheel carries the same binary `cargo install`
# would build.
install_tools() {
  zig_ok && zigbuild_ok && return 0
  local venv="$cross_dir/venv" requirements=("ziglang==$ZIG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION")
  echo "install-cross: installing ${requirements[*]} from PyPI" >&2
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --only-binary :all: \
    "${requirements[@]}" >&2 || die "pip install ${requirements[*]} failed"
  local zig
  zig="$("$venv/bin/python" -c 'import ziglang, os; print(os.path.dirname(ziglang.__file__))')/zig"
  [[ -x "$zig" ]] || die "the ziglang wheel has no zig binary at $zig"
  [[ -x "$venv/bin/cargo-zigbuild" ]] || die "the cargo-zigbuild wheel has no binary"
  # Relative, so the cache stays valid wherever the repository (or .cache/) is mounted.
  ln -sfn "../${zig#"$cross_dir/"}" "$bin_dir/zig"
  ln -sfn "../venv/bin/cargo-zigbuild" "$bin_dir/cargo-zigbuild"
  zig_ok || die "zig at $zig does not report version $ZIG_VERSION"
  zigbuild_ok || die "cargo-zigbuild does not report version $ZIGBUILD_VERSION"
}

install_build() {
  # rustup keeps the standard libraries of the targets with the toolchain (not in .cache/); it
  # skips the ones already there.
  local installed missing=()
  installed="$(rustup target list --installed)"
  for t in "${RUST_TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed" || missing+=("$t")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "install-cross: rustup target add ${missing[*]}" >&2
    rustup target add "${missing[@]}" >&2 || die "rustup target add failed"
  fi

  install_tools
}

install_run() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to install ${missing[*]}"
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
      command -v sudo >/dev/null 2>&1 || die "installing ${missing[*]} needs root (or sudo)"
      sudo=(sudo)
    fi
    echo "install-cross: apt-get install ${missing[*]}" >&2
    # A fresh machine has no package lists; an update is cheap next to the downloads.
    "${sudo[@]}" apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
  fi
  command -v qemu-aarch64-static >/dev/null 2>&1 || die "qemu-aarch64-static missing after install"
  [[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]] || die "the arm64 glibc is missing"
  wine_binary >/dev/null || die "wine64 missing after install"
  command -v gpg >/dev/null 2>&1 || die "gpg missing after install"

  # wine builds its prefix (a simulated C: drive and registry) on first use, which takes
  # seconds; doing it here keeps that out of the tests. No Mono or Gecko: nothing needs them.
  # The marker names the stand-in DLL's source digest, so a changed source rebuilds the prefix.
  local prefix="$cross_dir/wine-prefix" dll_src="$repo_root/scripts/wine/bcryptprimitives.c"
  local want
  want="$(sha256sum "$dll_src" | cut -d' ' -f1)"
  if [[ "$(cat "$prefix/.ready" 2>/dev/null)" != "$want" ]]; then
    install_tools
    echo "install-cross: creating the wine prefix" >&2
    rm -rf "$prefix"
    local work
    work="$(mktemp -d "$cross_dir/.tmp-wine-XXXXXX")"
    ZIG_GLOBAL_CACHE_DIR="$cross_dir/zig-cache" "$bin_dir/zig" cc -target x86_64-windows-gnu \
      -shared -O2 -nostdlib -o "$work/bcryptprimitives.dll" "$dll_src" -ladvapi32 >&2 \
      || { rm -rf "$work"; die "building the bcryptprimitives.dll stand-in failed"; }
    WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
      "$(wine_binary)" wineboot --init >/dev/null 2>&1 || { rm -rf "$work"; die "wineboot failed"; }
    cp "$work/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/"
    # The wineserver writes the prefix's registry when it exits: wait for that.
    local wineserver
    wineserver="$(dirname "$(wine_binary)")/wineserver"
    [[ -x "$wineserver" ]] && WINEPREFIX="$prefix" "$wineserver" -w
    rm -rf "$work"
    echo "$want" >"$prefix/.ready"
  fi
}

# Debian's wine64 package installs the loader under /usr/lib/wine; `wine64` on PATH comes with
# the `wine` package, which this script does not need.
wine_binary() {
  local c
  for c in "$(command -v wine64 2>/dev/null)" /usr/lib/wine/wine64; do
    [[ -n "$c" && -x "$c" ]] && { echo "$c"; return 0; }
  done
  return 1
}

[[ $want_build -eq 0 ]] || install_build
[[ $want_run -eq 0 ]] || install_run
echo "$bin_dir"
