#!/usr/bin/env python3
"""Pull the scheme's carbon and landfill figures as a council officer would.

Signs in (with an integration API key, or an email and password), fetches the sustainability report
for a period grouped by month and by category, what the scheme handed out (the distribution
report) and whether it reached the wards most at risk of digital exclusion, then prints a summary
and writes the monthly figures to a CSV file. Standard library only.

    python3 examples/sustainability_report.py --base http://127.0.0.1:8080 \\
        --email reporter@tech4all.test --password tech4all-demo --from 2026-01-01 --to 2026-12-31
    TECH4ALL_API_KEY=t4a_... python3 examples/sustainability_report.py --from 2026-04-01
"""

import argparse
import csv
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def call(base, path, token=None, body=None, accept="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method="POST" if data else "GET")
    req.add_header("accept", accept)
    if data:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return raw.decode() if accept == "text/csv" else json.loads(raw)
    except urllib.error.HTTPError as err:
        problem = json.loads(err.read() or b"{}")
        sys.exit(f"{err.code} {problem.get('title', '')}: {problem.get('detail', '')} (request {problem.get('request_id')})")


def sign_in(base, args):
    key = os.environ.get("TECH4ALL_API_KEY")
    if key:
        return call(base, "/api/v1/auth/token", body={"api_key": key})["access_token"]
    return call(base, "/api/v1/auth/login", body={"email": args.email, "password": args.password})["access_token"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--email", default="reporter@tech4all.test")
    parser.add_argument("--password", default="tech4all-demo")
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="end")
    parser.add_argument("--factor-set", help="recompute under another factor set (what if)")
    parser.add_argument("--csv", default="sustainability-by-month.csv")
    args = parser.parse_args()

    token = sign_in(args.base, args)
    query = {k: v for k, v in {"from": args.start, "to": args.end, "factor_set": args.factor_set}.items() if v}

    by_category = call(args.base, "/api/v1/reports/sustainability?" + urllib.parse.urlencode({**query, "group_by": "category"}), token)
    totals = by_category["totals"]
    print(f"Devices reused: {totals['devices_reused']}, recycled: {totals['devices_recycled']}")
    print(f"CO2e saved: {totals['co2e_saved_kg']:,.1f} kg; landfill avoided: {totals['landfill_saved_kg']:,.1f} kg")
    for group in by_category["groups"]:
        print(f"  {group['category']:<14} {group['devices_reused']:>5} reused  {group['co2e_saved_kg']:>12,.1f} kg CO2e")

    monthly_csv = call(args.base, "/api/v1/reports/sustainability?" + urllib.parse.urlencode({**query, "group_by": "month"}), token, accept="text/csv")
    with open(args.csv, "w", newline="") as out:
        out.write(monthly_csv)
    print(f"Monthly figures written to {args.csv}")

    period = {k: v for k, v in query.items() if k != "factor_set"}
    handed = call(args.base, "/api/v1/reports/distribution?" + urllib.parse.urlencode(period), token)["totals"]
    print(f"Sold: {handed['devices_sold']} (takings £{handed['sales_takings_pence'] / 100:,.2f}, "
          f"subsidy £{handed['sales_subsidy_pence'] / 100:,.2f}); lent: {handed['devices_lent']}; "
          f"SIMs: {handed['sims_allocated']} ({handed['sim_data_gb_per_month']:,} GB a month)")
    reach = call(args.base, "/api/v1/reports/exclusion-risk?" + urllib.parse.urlencode(period), token)
    share = reach["highest_risk"]["devices_share"]
    if share is not None:
        print(f"Share of devices reaching the highest-risk wards: {share:.0%}")

    sets = call(args.base, "/api/v1/impact/factor-sets", token)["items"]
    default = next((s for s in sets if s["is_default"]), None)
    if default:
        print(f"Counted under: {default['name']} {default['version']} (displacement {default['displacement']})")

    rows = list(csv.reader(monthly_csv.splitlines()))
    return 0 if rows and rows[0][0] == "month" else 1


if __name__ == "__main__":
    sys.exit(main())
