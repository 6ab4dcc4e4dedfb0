"""Run an ``aftersales`` command with the process's clock moved to a given moment.

``python -m bot.engine.stories.moved_clock 2026-11-23T10:00:00+08:00 api --port 8001``

The clock ticks on from that moment (timers and timeouts, which use the monotonic clock,
are untouched), so the stories' relative dates mean the same days on any day they run.
It needs the ``time-machine`` package (a development dependency).
"""

from __future__ import annotations

import sys
from datetime import datetime


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: moved_clock ISO-DATETIME AFTERSALES-ARGUMENTS...", file=sys.stderr)
        return 2
    try:
        moment = datetime.fromisoformat(argv[0])
    except ValueError:
        print(f"not an ISO date and time: {argv[0]!r}", file=sys.stderr)
        return 2
    if moment.tzinfo is None:
        print("the moment needs a UTC offset, e.g. 2026-11-23T10:00:00+08:00", file=sys.stderr)
        return 2
    import time_machine

    from aftersales.cli import main as aftersales

    with time_machine.travel(moment, tick=True):
        return aftersales(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
