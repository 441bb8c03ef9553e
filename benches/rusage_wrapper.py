"""Runs a provider binary as a child and records its CPU time and peak RSS when it exits.

Terraform starts the provider itself and the provider exits with the plan, so nothing outside can
sample its /proc entry at the end. bench.py therefore puts a two-line shell script in a second
filesystem mirror that execs this wrapper with the real binary; the wrapper spawns it (stdio,
environment and arguments passed through unchanged, so the go-plugin handshake is the real one),
reaps it with wait4() and appends the child's own rusage, not the wrapper's, as one JSON line to
the file named by BENCH_RUSAGE_OUT. Appending matters: Terraform starts the provider more than
once per command (for schemas and validation, then for the plan walk), and each process counts.

Usage: python rusage_wrapper.py REAL_BINARY [ARGS...]
"""

import json
import os
import signal
import sys


def main():
    real = sys.argv[1]
    out_path = os.environ.get("BENCH_RUSAGE_OUT")
    pid = os.posix_spawn(real, [real] + sys.argv[2:], os.environ)
    # Like go-plugin servers the provider ignores SIGINT (Terraform sends Stop instead); SIGTERM
    # must still reach it, so forward it rather than die and orphan the provider.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: os.kill(pid, signal.SIGTERM))
    _, status, usage = os.wait4(pid, 0)
    if out_path:
        # One short write per line with O_APPEND: lines of concurrent processes do not interleave.
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(
                {
                    "pid": pid,
                    "utime_s": usage.ru_utime,
                    "stime_s": usage.ru_stime,
                    # Linux reports ru_maxrss in KiB.
                    "maxrss_kib": usage.ru_maxrss,
                    "exit_status": os.waitstatus_to_exitcode(status),
                }
            ) + "\n")
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
