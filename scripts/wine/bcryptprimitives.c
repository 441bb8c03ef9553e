/* A stand-in for Windows' bcryptprimitives.dll, for the wine prefix of the release tests only
 * (scripts/install-cross.sh builds it with zig and puts it into the prefix's system32).
 *
 * Rust's standard library (1.78 and later) takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every Windows since 10 ships, so the Windows provider imports
 * it. Wine 8.0 (Debian 12's) does not have that DLL yet, and a program importing it does not
 * start there. This one exports ProcessPrng on top of RtlGenRandom (advapi32's
 * SystemFunction036), which wine does have. It never goes into a release. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
