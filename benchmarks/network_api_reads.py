"""API reads under load: p50/p99 latency of authenticated network API reads at a fixed rate,
against a baseline measured in the same run (the unauthenticated, database-free-ish
``/healthz`` of the same server).

Target (DESIGN.md): p99 < 50 ms at 500 requests a second. The load generator runs in this
process with a thread pool on the same 2-core machine, so its own cost is part of every
figure; the ratio to the baseline tells what LifeNet's auth, scoping and serialization add.

    python benchmarks/network_api_reads.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx  # the HTTP client the test suite uses (dev dependency)

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "LIFENET_DATABASE_URL": f"sqlite:///{db}",
        "LIFENET_ENVIRONMENT": "development",
        "LIFENET_LOG_LEVEL": "WARNING",
    }
    lifenet = str(Path(sys.executable).with_name("lifenet"))
    subprocess.run([lifenet, "demo", "--no-serve"], env=env, check=True, capture_output=True)  # noqa: S603 - our own CLI
    server = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [lifenet, "serve", "--port", str(port), "--no-migrate", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not start")


def make_token(base: str) -> str:
    from lifenet.db import make_engine, make_sessionmaker
    from lifenet.network import actions, queries
    from lifenet.network.schemas import ApiTokenCreate
    from lifenet.settings import PLACEHOLDER_SECRET

    engine = make_engine(base)
    with make_sessionmaker(engine)() as session:
        user = queries.user_by_username(session, "funan.doctor")
        assert user is not None
        _token, secret = actions.do_create_api_token(
            session, PLACEHOLDER_SECRET, user, ApiTokenCreate(name="bench")
        )
    engine.dispose()
    return secret


def run_load(url: str, headers: dict[str, str], rate: int, seconds: float) -> list[float]:
    """Send ``rate`` requests a second for ``seconds``; return each latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    client = httpx.Client(headers=headers, timeout=10)

    def one() -> None:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        with lock:
            latencies.append(elapsed)

    total = int(rate * seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one)
    client.close()
    return latencies


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 s per measurement instead of 10 s")
    parser.add_argument("--rate", type=int, default=500)
    args = parser.parse_args()
    seconds = 3.0 if args.quick else 10.0
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        port = free_port()
        server = start_server(db, port)
        try:
            token = make_token(f"sqlite:///{db}")
            base = f"http://127.0.0.1:{port}"
            run_load(f"{base}/healthz", {}, 50, 1.0)  # warm up
            baseline = run_load(f"{base}/healthz", {}, args.rate, seconds)
            reads = run_load(
                f"{base}/api/v1/network/org-units", {"Authorization": f"Bearer {token}"}, args.rate, seconds
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    figures = {
        "rate_per_s": args.rate,
        "baseline_p50_ms": round(p(baseline, 50), 2),
        "baseline_p99_ms": round(p(baseline, 99), 2),
        "api_p50_ms": round(p(reads, 50), 2),
        "api_p99_ms": round(p(reads, 99), 2),
    }
    figures["p99_ratio_to_baseline"] = round(figures["api_p99_ms"] / figures["baseline_p99_ms"], 2)
    print(f"{'':24}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'baseline /healthz':24}{figures['baseline_p50_ms']:>10}{figures['baseline_p99_ms']:>10}")
    print(f"{'API org-unit reads':24}{figures['api_p50_ms']:>10}{figures['api_p99_ms']:>10}")
    target = {"api_p99_ms": 50}
    print(
        json.dumps(
            {
                "benchmark": "network_api_reads",
                "figures": figures,
                "target": target,
                "met": figures["api_p99_ms"] < target["api_p99_ms"],
            }
        )
    )


if __name__ == "__main__":
    main()
