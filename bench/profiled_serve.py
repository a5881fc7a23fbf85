"""``quizgen serve`` under cProfile with a CPU-time clock, for ``web_load.py --profile``:

    python bench/profiled_serve.py STATS serve ARGS...

The statistics are written to STATS when the server stops. A CPU clock rather than the wall
clock (or a sampling profiler's wall-clock samples): on a shared machine a request's wall time
is mostly the time it waited for a core, charged to wherever it was waiting (a send, say)."""

from __future__ import annotations

import cProfile
import sys
import time

from quizgen.cli import main

if __name__ == "__main__":
    stats, sys.argv = sys.argv[1], ["quizgen", *sys.argv[2:]]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        main()
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(stats)
