#!/usr/bin/env python3
"""The linker of scripts/release.sh for the macOS targets: zig's linker, plus the two Apple
frameworks the provider links against, as generated text-based stubs.

The provider links Security.framework and CoreFoundation.framework (rustls-platform-verifier
checks server certificates with the macOS keychain through the security-framework and
core-foundation crates). No macOS SDK comes from a package registry, and zig ships only
libSystem's stubs. A linker does not need a framework's code, only the list of symbols it
exports, which Apple's SDKs carry as `.tbd` files. So, for each link, this script:

  1. reads the symbol tables of the Mach-O objects and archives (rlibs included) on the
     command line, and collects the symbols they use but none of them defines;
  2. assigns those with Apple's prefixes to their framework (CF*/kCF* to CoreFoundation,
     Sec*/kSec* to Security) and writes `<F>.framework/<F>.tbd` stubs exporting exactly
     them into a fresh directory;
  3. runs the real linker (cargo-zigbuild's zig wrapper, from CC_<target>) with that
     directory as a framework search path (-F).

The binary then carries LC_LOAD_DYLIB commands for /System/Library/Frameworks/<F>.framework/
Versions/A/<F> and binds each symbol to its framework (two-level namespace); macOS loads the
real frameworks at run time. tests/release_platforms.rs checks both by parsing the binaries.

A link that asks for a framework this script knows no prefixes for fails here, naming it.

Usage (set by scripts/release.sh): CARGO_TARGET_<T>_LINKER=scripts/macos-link.py
       scripts/macos-link.py --undefined FILE...   (prints the symbols it would stub)
"""

import mmap
import os
import struct
import subprocess
import sys
import tempfile

# Frameworks we can stub: name -> symbol prefixes (Mach-O C symbols carry a leading '_').
FRAMEWORKS = {
    "CoreFoundation": ("_CF", "_kCF"),
    "Security": ("_Sec", "_kSec"),
}

MH_MAGIC_64 = 0xFEEDFACF
LC_SYMTAB = 0x2
N_STAB = 0xE0
N_TYPE = 0x0E
N_EXT = 0x01
N_UNDF = 0x0


def macho_symbols(data):
    """(defined, undefined) external symbol names of a 64-bit little-endian Mach-O object."""
    defined, undefined = set(), set()
    # Anything else (LLVM bitcode, rustc's metadata member) has no Mach-O symbol table.
    if len(data) < 32 or struct.unpack_from("<I", data, 0)[0] != MH_MAGIC_64:
        return defined, undefined
    ncmds = struct.unpack_from("<I", data, 16)[0]
    offset = 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, offset)
        if cmd == LC_SYMTAB:
            symoff, nsyms, stroff, strsize = struct.unpack_from("<IIII", data, offset + 8)
            strtab = bytes(data[stroff : stroff + strsize])
            for i in range(nsyms):
                n_strx, n_type, _sect, _desc, value = struct.unpack_from(
                    "<IBBHQ", data, symoff + 16 * i
                )
                if n_type & N_STAB or not n_type & N_EXT:
                    continue
                end = strtab.index(b"\0", n_strx)
                name = strtab[n_strx:end].decode("utf-8", "replace")
                # An undefined symbol with a value is a common symbol: defined here.
                if n_type & N_TYPE == N_UNDF and value == 0:
                    undefined.add(name)
                else:
                    defined.add(name)
        offset += cmdsize
    return defined, undefined


def archive_members(data):
    """The members of a System V/GNU or BSD `ar` archive (rustc writes either)."""
    pos = 8
    while pos + 60 <= len(data):
        header = bytes(data[pos : pos + 60])
        name = header[:16].decode("ascii", "replace").strip()
        size = int(header[48:58].decode("ascii").strip() or 0)
        body = data[pos + 60 : pos + 60 + size]
        if name.startswith("#1/"):  # BSD: the name is stored at the start of the body
            name_len = int(name[3:])
            body = body[name_len:]
        yield body
        pos += 60 + size + (size & 1)


def file_symbols(path):
    # Debug rlibs reach hundreds of megabytes: map them and read only the symbol tables. The
    # mapping goes away with the last view of it.
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return set(), set()
        data = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
    if bytes(data[:8]) == b"!<arch>\n":
        defined, undefined = set(), set()
        for member in archive_members(data):
            d, u = macho_symbols(member)
            defined |= d
            undefined |= u
        return defined, undefined
    return macho_symbols(data)


def link_inputs(args):
    """Object and archive paths among the linker arguments (expanding @response files)."""
    for arg in args:
        if arg.startswith("@") and os.path.isfile(arg[1:]):
            with open(arg[1:], encoding="utf-8") as f:
                yield from link_inputs(line.strip().strip('"') for line in f if line.strip())
        elif arg.endswith((".o", ".a", ".rlib")) and os.path.isfile(arg):
            yield arg


def unresolved(paths):
    defined, undefined = set(), set()
    for path in paths:
        d, u = file_symbols(path)
        defined |= d
        undefined |= u
    return undefined - defined


def requested_frameworks(args):
    names = []
    for i, arg in enumerate(args):
        if arg == "-framework" and i + 1 < len(args):
            names.append(args[i + 1])
        elif arg.startswith("-Wl,-framework,"):
            names.append(arg.split(",", 2)[2])
    return names


def tbd(framework, symbols):
    install_name = f"/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}"
    targets = "[ x86_64-macos, arm64-macos, arm64e-macos ]"
    listed = ", ".join(f"'{s}'" for s in sorted(symbols))
    return (
        "--- !tapi-tbd\n"
        "tbd-version:     4\n"
        f"targets:         {targets}\n"
        f"install-name:    '{install_name}'\n"
        "current-version: 1\n"
        "compatibility-version: 1\n"
        "exports:\n"
        f"  - targets:         {targets}\n"
        f"    symbols:         [ {listed} ]\n"
        "...\n"
    )


def write_stubs(directory, frameworks, symbols):
    for framework in frameworks:
        prefixes = FRAMEWORKS[framework]
        mine = {s for s in symbols if s.startswith(prefixes)}
        fw_dir = os.path.join(directory, f"{framework}.framework")
        os.makedirs(fw_dir, exist_ok=True)
        with open(os.path.join(fw_dir, f"{framework}.tbd"), "w", encoding="utf-8") as f:
            f.write(tbd(framework, mine))


def real_linker(args):
    """cargo-zigbuild's zig wrapper for this target: it sets CC_<target> for cargo, and the
    environment reaches rustc and, from it, the linker."""
    arch = None
    for i, arg in enumerate(args):
        if arg == "-arch" and i + 1 < len(args):
            arch = args[i + 1]
    triple = {"arm64": "aarch64_apple_darwin", "x86_64": "x86_64_apple_darwin"}.get(arch)
    if triple is None:
        sys.exit(f"macos-link: cannot tell the target from the arguments (-arch {arch!r})")
    linker = os.environ.get(f"CC_{triple}")
    if not linker:
        sys.exit(f"macos-link: CC_{triple} is not set; run under cargo-zigbuild (scripts/release.sh)")
    return linker


def main(argv):
    if argv[:1] == ["--undefined"]:
        for name in sorted(unresolved(argv[1:])):
            print(name)
        return 0
    unknown = sorted(set(requested_frameworks(argv)) - FRAMEWORKS.keys())
    if unknown:
        sys.exit(
            f"macos-link: the link needs framework(s) {', '.join(unknown)}, for which "
            "scripts/macos-link.py knows no symbol prefixes; add them to FRAMEWORKS"
        )
    frameworks = sorted(set(requested_frameworks(argv)))
    linker = real_linker(argv)
    with tempfile.TemporaryDirectory(prefix="macos-frameworks-") as stubs:
        if frameworks:
            write_stubs(stubs, frameworks, unresolved(link_inputs(argv)))
        return subprocess.call([linker, *argv, f"-F{stubs}"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
