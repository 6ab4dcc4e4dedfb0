"""HAProxy in front of several replicas of a service, for the benchmarks that run them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HAPROXY = shutil.which("haproxy")


@dataclass(frozen=True, slots=True)
class Backend:
    """One frontend port and the replicas behind it; ``health_path`` turns checks on."""

    name: str
    port: int
    replica_ports: Sequence[int]
    health_path: str | None = None


def haproxy_config(backends: Sequence[Backend]) -> str:
    """Round robin over the replicas (the healthy ones, with checks). A request goes to another
    replica only when it could not be sent at all (``conn-failure``), never after a replica
    may have taken it; connections to the replicas are kept and reused."""
    lines = [
        "global",
        "    maxconn 4000",
        "defaults",
        "    mode http",
        "    timeout connect 1s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure",
        "    http-reuse always",
    ]
    for backend in backends:
        lines += [
            f"frontend {backend.name}",
            f"    bind 127.0.0.1:{backend.port}",
            f"    default_backend {backend.name}",
            f"backend {backend.name}",
            "    balance roundrobin",
        ]
        check = ""
        if backend.health_path is not None:
            lines += [
                f"    option httpchk GET {backend.health_path}",
                "    default-server inter 500ms fall 2 rise 2",
            ]
            check = " check"
        lines += [
            f"    server {backend.name}{index} 127.0.0.1:{port}{check}"
            for index, port in enumerate(backend.replica_ports)
        ]
    return "\n".join(lines) + "\n"


@contextmanager
def running_haproxy(backends: Sequence[Backend]) -> Iterator[None]:
    if HAPROXY is None:
        raise RuntimeError("haproxy is not installed (Debian: apt-get install haproxy)")
    with tempfile.TemporaryDirectory(prefix="bench-haproxy-") as directory:
        config = Path(directory) / "haproxy.cfg"
        config.write_text(haproxy_config(backends), encoding="utf-8")
        subprocess.run([HAPROXY, "-c", "-q", "-f", str(config)], check=True)
        process = subprocess.Popen(
            [HAPROXY, "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            time.sleep(0.5)
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {process.returncode}")
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)
