"""The web page's speed, as ratios within one run.

Usage: python benchmarks/serve.py [REQUESTS]      (REQUESTS default 200)

1. The Dose page of the seed patient (THP, 165 cm, 62 kg, female, 40) over
   HTTP from a real uvicorn on 127.0.0.1, against the same calculation
   through the Python API (``api.dose_course``), both in this process, both
   warmed up: median times and their ratio. The page adds HTTP, the form
   parsing, the template and the regimen list for the search box.
2. Throughput: 10 concurrent clients sending REQUESTS Dose pages in all
   (each a different weight, so nothing is served from a cache).

Nothing is asserted: this prints figures, it does not gate anything.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

SEED = {"height": "165 cm", "weight": "62 kg", "sex": "female", "age": "40"}


def start_server() -> tuple[str, object, threading.Thread]:
    import uvicorn

    from dosecalc.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(), access_log=False, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def fetch(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    if response.status != 200 or b'table class="doses"' not in body:
        raise RuntimeError(f"unexpected answer for {url}")


def timed(function, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main(requests: int) -> None:
    from dosecalc import api

    base, server, thread = start_server()
    page_url = base + "/dose?" + urlencode({"regimen": "thp", **SEED})
    for _ in range(10):  # warm both paths: imports, caches, templates
        api.dose_course("thp", **SEED)
        fetch(page_url)
    api_times, page_times = [], []
    for _ in range(requests):  # interleaved, so machine noise hits both alike
        api_times += timed(lambda: api.dose_course("thp", **SEED), 1)
        page_times += timed(lambda: fetch(page_url), 1)
    api_ms, page_ms = statistics.median(api_times) * 1000, statistics.median(page_times) * 1000
    print(f"Dose page, seed patient: median {page_ms:.2f} ms over HTTP")
    print(f"Same calculation through api.dose_course: median {api_ms:.2f} ms")
    print(f"ratio page / API: {page_ms / api_ms:.2f}")

    urls = [
        base + "/dose?" + urlencode({"regimen": "thp", **SEED, "weight": f"{50 + i % 50} kg"})
        for i in range(requests)
    ]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(fetch, urls))
    elapsed = time.perf_counter() - start
    print(
        f"throughput, 10 concurrent clients: {requests / elapsed:.1f} Dose pages/s ({requests} in {elapsed:.2f} s)"
    )
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(10)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
