#!/usr/bin/env python3
"""The council officer's yearly figures, through the Python client generated from openapi.yaml.

Generate and install the client first (what .ci/clients does):

    pip install openapi-python-client
    openapi-python-client generate --path openapi.yaml --config examples/python-client.yaml --meta setup
    pip install ./tech4all-client
    python3 examples/report_with_client.py --base http://127.0.0.1:8080 --from 2026-01-01

Prints carbon and landfill saved (also by category), what was handed out, and the share that reached
the wards most at risk of digital exclusion. `--factor-set ID` recomputes the carbon under another
factor set; an id the service does not know is answered 422 naming `factor_set`, which is printed
with the field at fault. Exits non-zero on any error answer.
"""

import argparse
import datetime
import sys
import uuid

from tech4all_client import AuthenticatedClient, Client
from tech4all_client.api.auth import login
from tech4all_client.api.reports import (
    get_distribution_report,
    get_exclusion_risk_report,
    get_sustainability_report,
)
from tech4all_client.models import (
    DistributionReport,
    Problem,
    ExclusionRiskReport,
    GetSustainabilityReportGroupBy,
    LoginRequest,
    SustainabilityReport,
    TokenResponse,
)
from tech4all_client.types import UNSET


def answer(response, expected):
    """The parsed body, or exit with the problem the service gave (naming the fields at fault)."""
    if isinstance(response.parsed, Problem):
        fields = "; ".join(f"{e.field}: {e.message}" for e in (response.parsed.errors or []))
        sys.exit(f"{response.status_code} {response.parsed.title}: {fields or response.parsed.detail}")
    if not isinstance(response.parsed, expected):
        sys.exit(f"{response.status_code}: {response.content.decode(errors='replace')}")
    return response.parsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--email", default="reporter@tech4all.test")
    parser.add_argument("--password", default="tech4all-demo")
    parser.add_argument("--from", dest="start", type=datetime.date.fromisoformat)
    parser.add_argument("--to", dest="end", type=datetime.date.fromisoformat)
    parser.add_argument("--factor-set", dest="factor_set", type=uuid.UUID)
    args = parser.parse_args()

    signed_in = login.sync_detailed(client=Client(base_url=args.base), body=LoginRequest(email=args.email, password=args.password))
    token = answer(signed_in, TokenResponse).access_token
    client = AuthenticatedClient(base_url=args.base, token=token)
    period = {"from_": args.start or UNSET, "to": args.end or UNSET}

    carbon = answer(
        get_sustainability_report.sync_detailed(
            client=client,
            group_by=GetSustainabilityReportGroupBy.CATEGORY,
            factor_set=args.factor_set or UNSET,
            **period,
        ),
        SustainabilityReport,
    )
    print(f"Devices reused: {carbon.totals.devices_reused}, recycled: {carbon.totals.devices_recycled}")
    print(f"CO2e saved: {carbon.totals.co2e_saved_kg:,.1f} kg; landfill avoided: {carbon.totals.landfill_saved_kg:,.1f} kg")
    for group in carbon.groups:
        print(f"  {group.category:<14} {group.devices_reused:>5} reused  {group.co2e_saved_kg:>12,.1f} kg CO2e")

    handed = answer(get_distribution_report.sync_detailed(client=client, **period), DistributionReport).totals
    print(f"Sold: {handed.devices_sold} (takings £{handed.sales_takings_pence / 100:,.2f}); lent: {handed.devices_lent}; "
          f"SIMs: {handed.sims_allocated} ({handed.sim_data_gb_per_month:,} GB a month)")

    reach = answer(get_exclusion_risk_report.sync_detailed(client=client, **period), ExclusionRiskReport)
    share = reach.highest_risk.devices_share
    print("Share of devices reaching the highest-risk wards: " + ("n/a" if share is None else f"{share:.0%}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
