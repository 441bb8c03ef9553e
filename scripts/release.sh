#!/usr/bin/env bash
# Builds the release binary and writes the Terraform Registry's release artefacts into dist/:
#   terraform-provider-azureai_<v>_linux_amd64.zip   (holds terraform-provider-azureai_v<v>)
#   terraform-provider-azureai_<v>_manifest.json     (copy of terraform-registry-manifest.json)
#   terraform-provider-azureai_<v>_SHA256SUMS        (sha256 of the two files above)
#
# Usage: scripts/release.sh [--binary PATH] [--out DIR] [--compress-level N]
#   --binary PATH  package this already-built binary instead of running `cargo build --release`
#                  (the release tests package the debug build this way, to stay fast)
#   --out DIR      write the artefacts to DIR instead of <repo>/dist
#   --compress-level N  deflate level 0-9 (default 6); the tests use 1, since zipping a
#                  160 MB debug binary at level 6 takes seconds of CPU for no benefit there
#
# The registry also wants a detached GPG signature of SHA256SUMS (`..._SHA256SUMS.sig`); signing
# needs the publisher's key, so it is left to the publishing step:
#   gpg --detach-sign dist/terraform-provider-azureai_<v>_SHA256SUMS
set -euo pipefail

die() { echo "release: $*" >&2; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

binary=""
out="$repo_root/dist"
level=6
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) [[ $# -ge 2 ]] || die "--binary needs a path"; binary="$2"; shift 2 ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out="$2"; shift 2 ;;
    --compress-level)
      [[ $# -ge 2 && "$2" =~ ^[0-9]$ ]] || die "--compress-level needs a digit 0-9"
      level="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

# The crate version is the provider version: one source of truth.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "cannot read the version from Cargo.toml"
name="terraform-provider-azureai"
target="linux_amd64"

if [[ -z "$binary" ]]; then
  echo "release: cargo build --release --bin $name" >&2
  cargo build --release --locked --bin "$name"
  binary="$repo_root/target/release/$name"
fi
[[ -x "$binary" ]] || die "binary '$binary' is missing or not executable"

mkdir -p "$out"
zip_path="$out/${name}_${version}_${target}.zip"
manifest_path="$out/${name}_${version}_manifest.json"
sums_path="$out/${name}_${version}_SHA256SUMS"

# Python's zipfile with a fixed timestamp makes the zip byte-for-byte reproducible for the same
# binary (the `zip` tool stamps the file's mtime); mode 0755 is stored so Terraform's unpacking
# leaves the plugin executable.
python3 - "$binary" "$zip_path" "${name}_v${version}" "$level" <<'PY'
import sys, zipfile
binary, zip_path, member, level = sys.argv[1:5]
info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)
info.compress_type = zipfile.ZIP_DEFLATED
info.create_system = 3  # unix, so the mode bits above are honoured
with open(binary, "rb") as f, zipfile.ZipFile(zip_path + ".tmp", "w") as z:
    z.writestr(info, f.read(), compresslevel=int(level))
PY
mv "$zip_path.tmp" "$zip_path"
cp terraform-registry-manifest.json "$manifest_path"
(
  cd "$out"
  sha256sum "$(basename "$zip_path")" "$(basename "$manifest_path")" > "$(basename "$sums_path")"
)
echo "release: wrote" >&2
ls -l "$zip_path" "$manifest_path" "$sums_path" >&2
