/* A stand-in for Windows' bcryptprimitives.dll, for the wine prefix of the release tests only
 * (scripts/install-cross.sh builds it with zig and puts it into the prefix's system32).
 *
 * Rust's standard library (1.78 and later) takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every Windows since 10 ships, so the Windows provider imports
 * it. Wine 8.0 (Debian 12's) does not have that DLL yet, and a program importing it does not
 * start there. This one exports ProcessPrng on top of RtlGenRandom (advapi32's
 * SystemFunction036), which wine does have. It never goes into a release.
 *
 * Built with -nostdlib: no C runtime, so no windows.h either (the few types are spelled out)
 * and an entry point of its own; zig then only needs advapi32's import library, which takes a
 * fraction of a second instead of the minutes building mingw's runtime would. */
typedef int BOOL;
typedef unsigned char BOOLEAN;
typedef unsigned long ULONG;
typedef unsigned long long SIZE_T;
typedef unsigned char *PBYTE;
typedef void *PVOID;

__declspec(dllimport) BOOLEAN __stdcall SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL __stdcall ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return 0;
        }
        data += chunk;
        length -= chunk;
    }
    return 1;
}

/* The DLL's entry point (there is no C runtime to provide one): nothing to set up. */
BOOL __stdcall DllMainCRTStartup(PVOID instance, ULONG reason, PVOID reserved) {
    (void)instance;
    (void)reason;
    (void)reserved;
    return 1;
}
