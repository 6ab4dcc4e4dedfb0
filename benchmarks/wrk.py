"""Load from wrk, a load generator written in C, when it is installed (Debian: ``wrk``).

Python load drivers spend a millisecond or more of CPU per request; on a two-core machine
that is CPU the server under test does not get. wrk spends a few microseconds. Its Lua
script sends the given requests in turn, and with a pause each connection waits that long
after an answer before its next request (a user's think time), so the offered rate is about
connections / pause.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk")
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True, slots=True)
class WrkRequest:
    method: str
    path: str
    body: str = ""


@dataclass(frozen=True, slots=True)
class WrkResult:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def line(self) -> str:
        return (
            f"{self.name:<44} {self.requests_per_s:8.1f} req/s   p50 {self.p50_ms:7.2f} ms   "
            f"p99 {self.p99_ms:7.2f} ms   n={self.requests} errors={self.errors} [wrk]"
        )


def run_wrk(
    name: str,
    base_url: str,
    requests: list[WrkRequest],
    *,
    headers: dict[str, str],
    connections: int,
    duration_s: float,
    pause_ms: int = 0,
) -> WrkResult:
    if WRK is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        script = Path(directory) / "requests.lua"
        script.write_text(_script(requests, headers, pause_ms), encoding="utf-8")
        completed = subprocess.run(
            [
                WRK,
                "--threads=1",
                f"--connections={connections}",
                f"--duration={duration_s:.0f}s",
                "--timeout=30s",
                "--latency",
                f"--script={script}",
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return parse_report(name, completed.stdout)


def parse_report(name: str, report: str) -> WrkResult:
    """The figures of wrk's ``--latency`` report."""
    percentiles = {
        int(found.group(1)): _milliseconds(found.group(2), found.group(3))
        for found in re.finditer(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", report, re.MULTILINE)
    }
    total = re.search(r"^\s+(\d+) requests in", report, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", report, re.MULTILINE)
    if total is None or rate is None or 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"unexpected wrk report:\n{report}")
    errors = sum(
        int(count)
        for count in re.findall(r"(?:connect|read|write|timeout) (\d+)", report)
        + re.findall(r"Non-2xx or 3xx responses: (\d+)", report)
    )
    return WrkResult(
        name, float(rate.group(1)), percentiles[50], percentiles[99], int(total.group(1)), errors
    )


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def _script(requests: list[WrkRequest], headers: dict[str, str], pause_ms: int) -> str:
    lines = ["local requests = {"]
    for request in requests:
        lines.append(
            f"  {{{_lua_string(request.method)}, {_lua_string(request.path)}, "
            f"{_lua_string(request.body)}}},"
        )
    lines.append("}")
    lines.append("local headers = {")
    lines += [f"  [ {_lua_string(key)} ] = {_lua_string(value)}," for key, value in headers.items()]
    lines.append("}")
    lines.append(
        """local counter = 0
request = function()
  counter = counter + 1
  local chosen = requests[(counter % #requests) + 1]
  local body = chosen[3]
  if body == "" then body = nil end
  return wrk.format(chosen[1], chosen[2], headers, body)
end"""
    )
    if pause_ms:
        # Think times drawn from an exponential distribution with the pause as mean: the
        # connections fall out of step, so requests arrive spread out as users' would,
        # not in bursts of every connection at once. Each thread seeds its own generator.
        lines.append(
            f"""init = function(args)
  local address = tonumber(tostring({{}}):match("0x(%x+)"), 16) or 0
  math.randomseed(os.time() + address)
end
delay = function()
  return math.floor(-math.log(1 - math.random()) * {pause_ms})
end"""
        )
    return "\n".join(lines) + "\n"


def _lua_string(value: str) -> str:
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    # A long bracket drops a newline right after its opening; the leading one keeps it.
    return f"[{'=' * level}[\n{value}]{'=' * level}]"
