#!/usr/bin/env python3
"""Turns the output of bench/load.sh (one file per database size) into the Markdown tables of
docs/performance.md: every scenario's throughput, latency and CPU split, and the service beside
pgbench running the same statements.

    bash bench/load.sh 10000 > load-10k.txt; bash bench/load.sh 100000 > load-100k.txt; ...
    python3 bench/summarise.py load-10k.txt load-100k.txt load-1m.txt
"""

import re
import sys


def fields(line):
    return dict(re.findall(r"(\w+)=([^ \n]+)", line))


def main(paths):
    runs, cpu, pgbench, rss = [], {}, {}, {}
    for path in paths:
        devices = None
        for line in open(path):
            f = fields(line)
            if line.startswith("RESULT scenario="):
                runs.append(f)
                devices = f["devices"]
            elif line.startswith("CPU "):
                cpu[(f["devices"], f["scenario"])] = f
            elif line.startswith("RESULT service_peak_rss_mib="):
                rss[devices] = f["service_peak_rss_mib"]
            elif line.startswith("PGBENCH "):
                label = line.split()[1]
                key = (f["devices"], label)
                pgbench.setdefault(key, {})
                if "tps = " in line:
                    pgbench[key]["tps"] = float(line.split("tps = ")[1].split()[0])
                if "p99_ms" in f:
                    pgbench[key].update(p50=f["p50_ms"], p99=f["p99_ms"])

    print("| devices | scenario | requests/s | p50 ms | p99 ms | non-2xx | 5xx | CPU: service / PostgreSQL / load generator |")
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        c = cpu.get((r["devices"], r["scenario"]), {})
        split = f"{c.get('service_share', '?')} / {c.get('postgres_share', '?')} / {c.get('loadgen_share', '?')}"
        print(f"| {int(r['devices']):,} | {r['scenario']} | {float(r['requests_per_s']):,.0f} | {r['p50_ms']} | "
              f"{r['p99_ms']} | {r['non2xx']} | {int(r['server_errors']) + int(r['unavailable'])} | {split} |")
    print()
    print("| devices | service peak RSS |")
    print("|---|---|")
    for devices, mib in rss.items():
        print(f"| {int(devices):,} | {mib} MiB |")
    print()
    print("| devices | scenario | service | pgbench, same statements | service / pgbench | service p99 | pgbench p99 |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        label = {"device-by-id": "device-by-id", "checkout": "checkout-cycle"}.get(r["scenario"])
        p = pgbench.get((r["devices"], label)) if label else None
        if not p:
            continue
        rate = float(r["requests_per_s"])
        unit = "requests/s"
        if label == "checkout-cycle":
            rate /= 2  # a cycle is two requests: lend, then return
            unit = "cycles/s"
        print(f"| {int(r['devices']):,} | {r['scenario']} | {rate:,.0f} {unit} | {p['tps']:,.0f} {unit} | "
              f"{100 * rate / p['tps']:.0f} % | {r['p99_ms']} ms | {p.get('p99', '?')} ms |")


if __name__ == "__main__":
    main(sys.argv[1:])
