#!/usr/bin/env python3
"""Bulk-import benchmark: times POST /api/v1/donations/{id}/devices with a 10,000-row manifest.

Starts the release binary with demo data on a throwaway embedded database, signs in as the demo hub
staff member, and for each run creates a donation and imports N rows (CSV and JSON alternately), so
every run inserts fresh serial numbers. Prints one line per run and the median per format.

    cargo build --release && python3 bench/import.py [--rows 10000] [--runs 5]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call(base, method, path, token=None, body=None, content_type="application/json"):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", content_type)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read() or b"null")


def rows(n, run):
    makes = ["Dell", "HP", "Lenovo", "Apple", "Samsung"]
    cats = ["laptop", "laptop_small", "tablet", "phone", "desktop"]
    return [
        {
            "serial_number": f"B{run:02d}{i:07d}",
            "make": makes[i % 5],
            "model": f"Model {i % 37}",
            "category": cats[i % 5],
            "ram_gb": 8,
            "storage_gb": 256,
            "storage_type": "ssd",
            "weight_kg": 1.5,
        }
        for i in range(n)
    ]


def as_csv(items):
    header = "serial_number,make,model,category,ram_gb,storage_gb,storage_type,weight_kg"
    lines = [header] + [
        f"{r['serial_number']},{r['make']},{r['model']},{r['category']},{r['ram_gb']},{r['storage_gb']},{r['storage_type']},{r['weight_kg']}"
        for r in items
    ]
    return ("\n".join(lines) + "\n").encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=18181)
    args = parser.parse_args()

    binary = os.path.join(ROOT, "target", "release", "tech4all")
    data_dir = tempfile.mkdtemp(prefix="tech4all-bench-")
    os.chmod(data_dir, 0o755)
    base = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, TECH4ALL_DATA_DIR=data_dir, TECH4ALL_BIND=f"127.0.0.1:{args.port}",
               TECH4ALL_JWT_SECRET="benchmark-secret-benchmark-secret-123", RUST_LOG="warn")
    env.pop("DATABASE_URL", None)
    service = subprocess.Popen([binary, "serve", "--demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                call(base, "GET", "/health/ready")
                break
            except Exception:
                time.sleep(0.1)
        token = call(base, "POST", "/api/v1/auth/login", body={"email": "staff@tech4all.test", "password": "tech4all-demo"})["access_token"]
        hubs = call(base, "GET", "/api/v1/me", token)["hub_ids"]
        donor = call(base, "GET", "/api/v1/organisations?role=donor", token)["items"][0]["id"]
        timings = {"csv": [], "json": []}
        for run in range(args.runs * 2):
            fmt = "csv" if run % 2 == 0 else "json"
            donation = call(base, "POST", "/api/v1/donations", token,
                            {"donor_id": donor, "hub_id": hubs[0], "received_on": "2026-11-20"})["id"]
            items = rows(args.rows, run)
            body = as_csv(items) if fmt == "csv" else json.dumps(items).encode()
            started = time.perf_counter()
            result = call(base, "POST", f"/api/v1/donations/{donation}/devices", token, body,
                          "text/csv" if fmt == "csv" else "application/json")
            elapsed = time.perf_counter() - started
            assert result["imported"] == args.rows, result
            timings[fmt].append(elapsed)
            print(f"run {run + 1}: {fmt:4} {args.rows} rows in {elapsed:.3f} s", flush=True)
        for fmt, values in timings.items():
            print(f"median {fmt}: {statistics.median(values):.3f} s for {args.rows} rows "
                  f"(min {min(values):.3f}, max {max(values):.3f})")
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
