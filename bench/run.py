"""The benchmark: stream throughput, request round trips, startup and memory; writes ``bench/RESULTS.md``.

Run it through ``npm run bench`` (``scripts/bench.js``), which prepares ``bench/.venv``, generates the packages
into ``bench/.work/`` and then calls this file with the bench interpreter. Every contender runs in a fresh
subprocess; every server binds 127.0.0.1. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
PY = sys.executable

# Each target's pair runs back to back (websockets+orjson then ours; picows+orjson then our fastest modes), so that
# the per-round ratio of a pair sees one phase of the machine: on shared hosts the speed of everything shifts by a
# third from one minute to the next, far more than the differences measured.
COMBINED_CONTENDERS = (
    "websockets-orjson",
    "ours",
    "ours-no-history",
    "websockets-json",
    "picows-orjson",
    "ours-picows-msgspec",
    "ours-msgspec",
    "ours-picows",
    "ours-picows-no-history",
    "ours-iterator",
    "binance-sdk-spot",
    "python-binance",
)
RAW_CONTENDERS = ("websockets-orjson", "ours", "ours-no-history", "picows-orjson", "ours-picows-msgspec", "ours-picows")

LABELS = {
    "picows-orjson": "`picows` + `orjson` (ceiling)",
    "websockets-orjson": "`websockets` + `orjson`",
    "websockets-json": "`websockets` + `json`",
    "ours": "**ours**: typed models to a handler (defaults, history 1000)",
    "ours-no-history": "**ours**: typed models to a handler, `history_size=0`",
    "ours-iterator": "**ours**: typed models from `async for client.events()`",
    "ours-picows": '**ours**: typed models to a handler, `transport="picows"`',
    "ours-picows-no-history": '**ours**: typed models to a handler, `transport="picows"`, `history_size=0`',
    "ours-msgspec": '**ours**: typed msgspec Structs to a handler, `event_models="msgspec"`',
    "ours-picows-msgspec": '**ours**: typed msgspec Structs to a handler, `transport="picows"`, '
    '`event_models="msgspec"`',
    "binance-sdk-spot": "`binance-sdk-spot` stream client (pydantic models)",
    "python-binance": "`python-binance` `BinanceSocketManager` (dicts)",
}

OUR_MODES = (
    "ours",
    "ours-no-history",
    "ours-iterator",
    "ours-picows",
    "ours-picows-no-history",
    "ours-msgspec",
    "ours-picows-msgspec",
)
PROCESS_TIMEOUT = 300.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------ flood server


class FloodServer:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [PY, str(BENCH / "flood_server.py")],
            cwd=BENCH,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"flood server did not start: {line!r}")
        self.url = f"ws://127.0.0.1:{int(line.split()[1])}"

    def flood(self, total: int, connections: int) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"flood {total} {connections}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        return float(line.split()[1]) if line.startswith("FLOODED") else -1.0

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def run_contender(
    server: FloodServer,
    contender: str,
    mode: str,
    count: int,
    *,
    profile: str = "",
    rss_every: int = 0,
) -> dict[str, Any]:
    command = [
        PY,
        str(BENCH / "contenders.py"),
        contender,
        "--url",
        server.url,
        "--mode",
        mode,
        "--count",
        str(count),
    ]
    if profile:
        command += ["--profile", profile]
    if rss_every:
        command += ["--rss-every", str(rss_every)]
    process = subprocess.Popen(command, cwd=BENCH, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = process.stdout.readline()
    if not ready.startswith("READY"):
        process.kill()
        _, err = process.communicate()
        return {
            "error": (ready + err).strip().splitlines()[-1:] or ["no output"],
            "complete": False,
            "rate": 0.0,
        }
    server.flood(count, int(ready.split()[1]))
    try:
        out, err = process.communicate(timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    return {
        "error": err.strip().splitlines()[-1:] or ["no result"],
        "complete": False,
        "rate": 0.0,
    }


# ------------------------------------------------------------------ sections


def throughput(server: FloodServer, count: int, runs: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    results: dict[str, dict[str, list[dict[str, Any]]]] = {"combined": {}, "raw": {}}
    plan = [("combined", c) for c in COMBINED_CONTENDERS] + [("raw", c) for c in RAW_CONTENDERS]
    for run in range(runs):
        # Interleaved runs: a slow phase of the machine hits every contender, not one.
        for mode, contender in plan:
            result = run_contender(server, contender, mode, count)
            results[mode].setdefault(contender, []).append(result)
            log(f"run {run + 1}/{runs} {mode:8} {contender:18} {result.get('rate', 0):>10,.0f} msg/s")
    return results


def profile_ours(server: FloodServer, count: int) -> list[str]:
    path = WORK / "ours.prof"
    run_contender(server, "ours", "combined", count, profile=str(path))
    if not path.exists():
        return ["(profile not written)"]
    stats = pstats.Stats(str(path))
    rows = []
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    total = sum(item[1][2] for item in entries) or 1.0
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in entries[:20]:
        name = Path(filename).name if filename != "~" else ""
        where = f"{name}:{line}({function})" if name else function
        rows.append(
            f"| {where} | {calls:,} | {tottime:.3f} | {100 * tottime / total:.1f} % | {cumtime:.3f} | "
            f"{1e6 * tottime / count:.2f} |"
        )
    return rows


def decode_costs(events: int) -> dict[str, float]:
    completed = subprocess.run(  # noqa: PLW1510 (the caller checks the output)
        [PY, str(BENCH / "decode_cost.py"), "--events", str(events)],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )
    found = [ln for ln in completed.stdout.splitlines() if ln.startswith("RESULT ")]
    if not found:
        return {}
    loaded: dict[str, float] = json.loads(found[-1][len("RESULT ") :])
    return loaded


def memory(server: FloodServer, count: int, every: int) -> dict[str, Any]:
    return run_contender(server, "ours", "combined", count, rss_every=every)


def round_trips(requests: int, warmup: int, runs: int) -> list[dict[str, Any]]:
    server = subprocess.Popen(
        [PY, str(BENCH / "rtt.py"), "server"],
        cwd=BENCH,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    results = []
    try:
        line = server.stdout.readline()
        if not line.startswith("URL "):
            raise RuntimeError(f"mock server did not start: {line!r}")
        url = line.split()[1]
        for run in range(runs):
            completed = subprocess.run(  # noqa: PLW1510 (the caller checks the output)
                [
                    PY,
                    str(BENCH / "rtt.py"),
                    "client",
                    "--url",
                    url,
                    "--requests",
                    str(requests),
                    "--warmup",
                    str(warmup),
                ],
                cwd=BENCH,
                capture_output=True,
                text=True,
                timeout=PROCESS_TIMEOUT,
            )
            found = [ln for ln in completed.stdout.splitlines() if ln.startswith("RESULT ")]
            if not found:
                raise RuntimeError(f"round-trip client failed: {completed.stderr.strip()[-2000:]}")
            results.append(json.loads(found[-1][len("RESULT ") :]))
            log(f"round trips run {run + 1}/{runs} done")
    finally:
        server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


def import_times(modules: Sequence[str], runs: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for module in modules:
        cumulative, wall = [], []
        for _ in range(runs):
            started = time.perf_counter()
            completed = subprocess.run(  # noqa: PLW1510 (the caller checks the output)
                [PY, "-X", "importtime", "-c", f"import {module}"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            wall.append(time.perf_counter() - started)
            for line in completed.stderr.splitlines():
                parts = [p.strip() for p in line.split("|")]
                if len(parts) == 3 and parts[2] == module:
                    cumulative.append(int(parts[1]) / 1000)
        baseline = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([PY, "-c", "pass"], check=False, capture_output=True, timeout=60)
            baseline.append(time.perf_counter() - started)
        out[module] = {
            "importtime_ms": statistics.median(cumulative) if cumulative else float("nan"),
            "fresh_interpreter_ms": 1000 * (statistics.median(wall) - statistics.median(baseline)),
        }
    return out


# ------------------------------------------------------------------ report


def versions() -> dict[str, str]:
    found = {}
    for name in (
        "pydantic",
        "pydantic-core",
        "websockets",
        "orjson",
        "picows",
        "msgspec",
        "binance-sdk-spot",
        "binance-common",
        "python-binance",
        "aiohttp",
        "cryptography",
        "psutil",
    ):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        total_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory_text = f"{total_kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        memory_text = "unknown"
    try:
        commit = subprocess.run(  # noqa: PLW1510 (the caller checks the output)
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory_text,
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": commit or "unknown",
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def mb(value: float) -> str:
    return f"{value / 2**20:.0f}"


def rate_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    complete = [r for r in runs if r.get("complete")]
    rates = [r["rate"] for r in complete]
    return {
        "median": median(rates),
        "rates": rates,
        "failed": len(runs) - len(complete),
        "peak_rss": max((r.get("peak_rss", 0) for r in complete), default=0),
        "ready_rss": median([r.get("rss_ready", 0) for r in complete]),
        "connections": complete[0].get("connections", 0) if complete else 0,
        "type": complete[0].get("last_kind", "") if complete else "",
        "error": next((r.get("error") for r in runs if r.get("error")), None),
    }


def paired_ratio(ours: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> float:
    """Median over the rounds of ours / baseline, each round's two runs taken back to back (see the plan order)."""
    ratios = [
        a["rate"] / b["rate"]
        for a, b in zip(ours, baseline, strict=False)
        if a.get("complete") and b.get("complete") and b.get("rate")
    ]
    return median(ratios)


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    if target <= 0:
        return "n/a"
    if higher_is_better:
        if value >= target:
            return f"PASS (+{100 * (value / target - 1):.0f} % over the target)"
        return f"MISS ({100 * (1 - value / target):.0f} % short: {value:,.0f} vs {target:,.0f} needed)"
    if value <= target:
        return f"PASS ({target - value:.0f} µs under)"
    return f"MISS ({value - target:.0f} µs over)"


def write_report(data: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    add("# Benchmark results")
    add("")
    add(f"Written by `npm run bench` on {data['date']} in {data['elapsed_s'] / 60:.1f} minutes. Numbers from one")
    add("machine at one time; compare rows within this file, not with other machines. Benchmarks, not tests:")
    add("nothing here is asserted anywhere.")
    add("")
    add("## Machine and versions")
    add("")
    m = data["machine"]
    add(f"* CPU: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}")
    add(f"* Python {m['python']}; node {data['node']}; project commit `{m['commit']}`")
    add(f"* Load average (1 min) at start / end: {data['load'][0]:.2f} / {data['load'][1]:.2f} (other work on the")
    add("  machine adds noise; every contender ran interleaved with the others, medians of the runs)")
    add("* " + ", ".join(f"{name} {version}" for name, version in data["versions"].items()))
    add("")

    tp = data["throughput"]
    count = data["count"]
    runs = data["runs"]
    add("## 1. Stream throughput")
    add("")
    add(f"A local server floods {count:,} Binance-shaped events per run (trade, bookTicker and a 20-level")
    add("depthUpdate in turn, distinct values, about 0.6 kB on average) over loopback, as fast as the client")
    add("reads. Rate = events from the first handled to the N-th, while the handler holds the object a user of")
    add(f"that library gets. Median of {runs} runs, each contender in its own interpreter; peak RSS of that")
    add("process. *combined*: one `/stream?streams=...` connection, frames wrapped in `{stream, data}`; *raw*: one")
    add("`/ws/<stream>` connection per stream, bare payloads (N spread over the three).")
    add("")
    for mode in ("combined", "raw"):
        summaries = {name: rate_summary(r) for name, r in tp[mode].items()}
        ceiling = summaries.get("picows-orjson", {}).get("median", 0.0)
        baseline = summaries.get("websockets-orjson", {}).get("median", 0.0)
        add(f"### {mode}")
        add("")
        add("| contender | object | msg/s (median) | runs | vs ceiling | vs websockets+orjson | peak RSS MB |")
        add("|---|---|---:|---|---:|---:|---:|")
        for name, s in sorted(summaries.items(), key=lambda item: -item[1]["median"]):
            runs_text = " / ".join(f"{r / 1000:.1f}k" for r in s["rates"]) or "—"
            if s["failed"]:
                runs_text += f" ({s['failed']} failed: {s['error']})"
            add(
                f"| {LABELS.get(name, name)} | {s['type']} | {s['median']:,.0f} | {runs_text} | "
                f"{100 * s['median'] / ceiling if ceiling else 0:.0f} % | "
                f"{100 * s['median'] / baseline if baseline else 0:.0f} % | {mb(s['peak_rss'])} |"
            )
        add("")
    add("`binance-sdk-spot` offers combined streams only; `python-binance` is measured on combined streams (its")
    add("`multiplex_socket`). Peers are pointed at the local server through their own URL options (SDK:")
    add("`ConfigurationWebSocketStreams(stream_url=...)`; python-binance: the socket manager's `STREAM_URL`).")
    add("Baselines use each library the idiomatic way (`async for message in ws`, which decodes text frames to")
    add("`str`; picows hands a memoryview to `orjson`). Our default transport drives the documented Sans-I/O")
    add("layer of `websockets` (`ClientProtocol`) for the opening handshake from an `asyncio.Protocol` of its own,")
    add("then owns the connection: frames, pings, the close handshake (`binance_ws_runtime/wire/`).")
    add("")

    add("## Targets")
    add("")
    comb = {name: rate_summary(r) for name, r in tp["combined"].items()}
    raw = {name: rate_summary(r) for name, r in tp["raw"].items()}
    add("| target | measured | verdict |")
    add("|---|---|---|")
    for mode_name, table in (("combined", comb), ("raw", raw)):
        runs_of = tp[mode_name]
        ours_rate = table.get("ours", {}).get("median", 0.0)
        ws_rate = table.get("websockets-orjson", {}).get("median", 0.0)
        ratio = paired_ratio(runs_of.get("ours", []), runs_of.get("websockets-orjson", []))
        add(
            f"| typed events to a handler at least as fast as `websockets`+`orjson` handing out dicts ({mode_name}, "
            f"default transport, default options; median of the per-round ratios) | {100 * ratio:.0f} % "
            f"({ours_rate:,.0f} vs {ws_rate:,.0f} msg/s, medians) | {verdict(100 * ratio, 100.0)} |"
        )
        best_name = max(
            (n for n in OUR_MODES if n in table),
            key=lambda n: table[n]["median"],
            default="ours",
        )
        best = table.get(best_name, {}).get("median", 0.0)
        ceiling = table.get("picows-orjson", {}).get("median", 0.0)
        best_ratio = paired_ratio(runs_of.get(best_name, []), runs_of.get("picows-orjson", []))
        add(
            f"| typed events >= 40 % of `picows`+`orjson` on the fastest transport we offer ({mode_name}; "
            f"best mode: {best_name}; median of the per-round ratios) | {100 * best_ratio:.0f} % "
            f"({best:,.0f} vs {ceiling:,.0f} msg/s, medians) | {verdict(100 * best_ratio, 40.0)} |"
        )
    rtt = data["rtt_summary"]
    for label, ours_key, bare_key in (
        ("HMAC", "order.test HMAC / ours", "order.test HMAC / bare"),
        ("Ed25519", "order.test Ed25519 / ours", "order.test Ed25519 / bare"),
    ):
        added = rtt[ours_key]["p50_us"] - rtt[bare_key]["p50_us"]
        add(
            f"| added latency per signed request (`order.test`, {label}) < 100 µs at p50 beyond the signature | "
            f"{added:.0f} µs (p50 {rtt[ours_key]['p50_us']:.0f} µs ours vs {rtt[bare_key]['p50_us']:.0f} µs bare "
            f"loop that signs too) | {verdict(added, 100.0, higher_is_better=False)} |"
        )
    add("")

    add("## Where our per-event time goes (cProfile)")
    add("")
    add(f"Our client, defaults, combined flood of {data['profile_count']:,} events under `cProfile` (which")
    add("inflates small calls; read the shares, not the absolute times). Top 20 by own time:")
    add("")
    add("| function | calls | own s | share | cumulative s | own µs per event |")
    add("|---|---:|---:|---:|---:|---:|")
    lines.extend(data["profile"])
    add("")

    costs = data.get("decode_costs") or {}
    router_us = costs.get("EVENT_ROUTER.decode", 0.0)
    struct_us = costs.get("STRUCT_ROUTER.decode (msgspec)", 0.0)
    orjson_us = costs.get("orjson.loads", 0.0)
    per_event = {name: 1e6 / s["median"] for name, s in comb.items() if s.get("median")}
    needed = ("ours", "websockets-orjson", "ours-picows", "picows-orjson")
    if all(name in per_event for name in needed):
        msgspec_text = "".join(
            f", {per_event[name]:.1f} µs {label}"
            for name, label in (
                ("ours-msgspec", "with msgspec Structs on the default transport"),
                ("ours-picows-msgspec", "with msgspec Structs on picows"),
            )
            if name in per_event
        )
        add(
            f"Per event (combined, all in, from the medians above): ours with defaults {per_event['ours']:.1f} µs "
            f"against {per_event['websockets-orjson']:.1f} µs for `websockets` + `orjson`; ours on picows "
            f"{per_event['ours-picows']:.1f} µs with pydantic models{msgspec_text}, against "
            f"{per_event['picows-orjson']:.1f} µs for `picows` + `orjson`."
        )
        add("")
    if router_us and orjson_us:
        add(
            f"Decoding alone (table below, measured in one process): pydantic models cost {router_us / orjson_us:.1f}x "
            f"what `orjson.loads` spends on dicts, msgspec Structs {struct_us / orjson_us:.1f}x. On the fastest "
            "transports the decode is most of the time per event, which is why the msgspec Structs are the fast mode."
        )
        add("")
    if costs:
        add(
            "Decode alone, no transport (one process, the same frame mix, median of 5 interleaved passes): µs per event."
        )
        add("The transport's own share is the gap between `websockets` + `orjson` above and `orjson.loads` here.")
        add("")
        add("| step | µs per event |")
        add("|---|---:|")
        for step, value in costs.items():
            add(f"| `{step}` | {value:.1f} |")
        add("")

    add("## 2. Request round trip")
    add("")
    add("One request at a time against the generated `spot.testing.MockBinanceServer` (its own process);")
    add(f"{data['rtt_requests']:,} timed requests after {data['rtt_warmup']} warm-up ones, per case and run; medians")
    add(f"of {runs} runs. The bare loop is `websockets` + `json` sending the same frames (and signing them itself")
    add("for `order.test`), so ours minus bare is what our client adds. The mock server's own work is in both.")
    add("Within a case, ours and the bare loop take turns in blocks of 50 requests, each on its own connection.")
    add("")
    add("| case | req/s | p50 µs | p99 µs | p50 added by ours µs |")
    add("|---|---:|---:|---:|---:|")
    for name, summary in rtt.items():
        if name == "signature":
            continue
        bare_name = name.replace(" session.logon", "").replace("/ ours", "/ bare")
        added = ""
        if name.endswith("/ ours") and bare_name in rtt:
            added = f"{summary['p50_us'] - rtt[bare_name]['p50_us']:.0f}"
        add(f"| {name} | {summary['rps']:,.0f} | {summary['p50_us']:.0f} | {summary['p99_us']:.0f} | {added} |")
    sig = rtt["signature"]
    add("")
    add(
        f"Signature alone (median): ours HMAC {sig['hmac_us']:.1f} µs, Ed25519 {sig['ed25519_us']:.1f} µs "
        f"(`BinanceAuth.create_signed_params`); the bare loop's HMAC {sig['bare_hmac_us']:.1f} µs, Ed25519 "
        f"{sig['bare_ed25519_us']:.1f} µs. The session.logon row signs once at connect, then sends unsigned"
    )
    add("requests (compared with the bare Ed25519 loop that signs every request).")
    add("")

    add("## 3. Startup")
    add("")
    add("| package | `-X importtime` cumulative ms (median) | fresh interpreter minus bare `python -c pass` ms |")
    add("|---|---:|---:|")
    for module, timing in data["imports"].items():
        add(f"| `import {module}` | {timing['importtime_ms']:.0f} | {timing['fresh_interpreter_ms']:.0f} |")
    add("")
    gen = data.get("generate") or {}
    if gen.get("specs"):
        add(
            f"Generation (`node scripts/generate-all.js`, i.e. `npm run generate:all`, one process for every spec "
            f"of `specs/binance/asyncapi/`): **{gen['total_s']:.1f} s** for {len(gen['specs'])} specs (one run)."
        )
        add("")
        add("| spec | seconds |")
        add("|---|---:|")
        for spec in gen["specs"]:
            add(f"| {spec['name']} ({spec['kind']}) | {spec['seconds']:.1f} |")
    else:
        add(f"Generation timings unavailable: {gen.get('error', 'scripts/bench.js wrote none')}")
    add("")

    add("## 4. Memory over one million events")
    add("")
    mem = data["memory"]
    series = mem.get("rss_series", [])
    add(f"Our client with defaults (history on, 1000 entries), combined flood of {data['memory_count']:,} events;")
    add("RSS sampled in the handler every 100k events.")
    add("")
    if series:
        first = series[0][1]
        add("| events | RSS MB | vs first sample |")
        add("|---:|---:|---:|")
        for events, rss in series:
            add(f"| {events:,} | {rss / 2**20:.1f} | {(rss - first) / 2**20:+.1f} MB |")
        growth = (series[-1][1] - first) / 2**20
        add("")
        add(f"RSS after connecting, before the first event: {mem.get('rss_ready', 0) / 2**20:.1f} MB.")
        flat = abs(growth) < 5.0
        add("")
        add(
            f"Growth from the first to the last sample: {growth:+.1f} MB: "
            + ("**flat** (under 5 MB)." if flat else "**growing**: investigate.")
            + f" Rate during this run: {mem.get('rate', 0):,.0f} msg/s; peak RSS {mb(mem.get('peak_rss', 0))} MB."
        )
    else:
        add(f"The memory run did not complete: {mem.get('error')}")
    add("")
    total = data.get("total_s") or 0.0
    if total:
        add(
            f"Total time of `npm run bench`: {total:.0f} s (setup, generation and install included; measurements "
            f"{data['elapsed_s']:.0f} s)."
        )
    else:
        add(f"Measurements took {data['elapsed_s']:.0f} s (`scripts/bench.js` adds setup and generation).")
    add("")
    return "\n".join(lines)


def load_generate_timings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"error": f"{path} not found"}
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded
    except ValueError as exc:
        return {"error": str(exc)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="events per throughput run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory-count", type=int, default=1_000_000)
    parser.add_argument("--profile-count", type=int, default=30_000)
    parser.add_argument("--rtt-requests", type=int, default=2000)
    parser.add_argument("--rtt-warmup", type=int, default=200)
    parser.add_argument("--import-runs", type=int, default=7)
    parser.add_argument("--node-version", default="")
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    parser.add_argument(
        "--started-at",
        type=float,
        default=0.0,
        help="epoch seconds when scripts/bench.js started",
    )
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    data: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "versions": versions(),
        "node": args.node_version or "unknown",
        "count": args.count,
        "runs": args.runs,
        "memory_count": args.memory_count,
        "profile_count": args.profile_count,
        "rtt_requests": args.rtt_requests,
        "rtt_warmup": args.rtt_warmup,
        "generate": load_generate_timings(WORK / "generate.json"),
    }
    log("startup: import times")
    data["imports"] = import_times(("spot", "spot_streams"), args.import_runs)
    server = FloodServer()
    try:
        log(f"stream throughput: {args.count:,} events x {args.runs} runs")
        data["throughput"] = throughput(server, args.count, args.runs)
        log("profile of our per-event path")
        data["profile"] = profile_ours(server, args.profile_count)
        data["decode_costs"] = decode_costs(args.profile_count)
        log(f"memory over {args.memory_count:,} events")
        data["memory"] = memory(server, args.memory_count, 100_000)
    finally:
        server.close()
    log("request round trips")
    rtt_runs = round_trips(args.rtt_requests, args.rtt_warmup, args.runs)
    summary: dict[str, Any] = {}
    for name in rtt_runs[0]:
        if name == "signature":
            summary[name] = {k: median([r[name][k] for r in rtt_runs]) for k in rtt_runs[0][name]}
        else:
            summary[name] = {k: median([r[name][k] for r in rtt_runs]) for k in ("rps", "p50_us", "p99_us")}
    data["rtt_summary"] = summary
    data["elapsed_s"] = time.perf_counter() - started
    data["total_s"] = time.time() - args.started_at if args.started_at else 0.0
    data["load"] = (load_start, os.getloadavg()[0])
    (WORK / "results.json").write_text(json.dumps(data, indent=1, default=str))
    report = write_report(data)
    Path(args.output).write_text(report)
    log(f"wrote {args.output} in {data['elapsed_s']:.0f} s")
    print(re.sub(r"\n{3,}", "\n\n", report))


if __name__ == "__main__":
    main()
