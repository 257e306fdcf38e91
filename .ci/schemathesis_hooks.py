"""Schemathesis hooks and a check for .ci/schemathesis.

The check: schema-valid data may be refused with 422 only because an id in it names no record
(`refers to a record that does not exist`), which JSON Schema cannot express; any other 422 to
schema-valid data is a finding, as it would be without the widened expectation in
schemathesis.toml. The bulk uploads keep their own row errors (see schemathesis.toml).

Two rules the contract states in words but JSON Schema cannot express, applied to generated
requests so that schema-valid data stays valid for the service:

- A client sends a fresh Idempotency-Key for each distinct request; reusing one for a different
  request is answered 422 by design. Generated cases reuse a few key values across unrelated
  bodies, so a well-formed key is replaced with a new random one before each call. Malformed keys
  are left alone, so their rejection is still tested.
- Dates of things that already happened (a donation received, a device disposed of, a wipe
  performed, eligibility verified) cannot be in the future, and "today" moves. Generated future
  dates are pulled back to today; past and malformed dates are left alone.
"""

import datetime
import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[!-~]{1,255}$")
PAST_DATES = {"received_on", "disposed_on", "eligibility_verified_on"}
PAST_TIMES = {"performed_at"}


def _pull_back(body):
    if not isinstance(body, dict):
        return
    today = datetime.date.today()
    for key in PAST_DATES & body.keys():
        value = body[key]
        try:
            if isinstance(value, str) and datetime.date.fromisoformat(value) > today:
                body[key] = today.isoformat()
        except ValueError:
            pass
    for key in PAST_TIMES & body.keys():
        value = body[key]
        try:
            if isinstance(value, str) and datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).date() > today:
                body[key] = datetime.datetime.now(datetime.timezone.utc).isoformat()
        except ValueError:
            pass


def _is_missing_parameter_case(case):
    """Coverage cases that leave out a required parameter (e.g. Authorization) stay untouched."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return getattr(getattr(data, "scenario", None), "name", "") == "MISSING_PARAMETER"


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if _is_missing_parameter_case(case):
        return
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and WELL_FORMED.match(headers[name]):
            headers[name] = str(uuid.uuid4())
    _pull_back(case.body)


UNKNOWN_REFERENCE = "refers to a record that does not exist"
UPLOADS = re.compile(r"^/api/v1/(donations/\{id\}/devices|sim-batches/\{id\}/sims)$")


@schemathesis.check
def valid_data_is_refused_only_for_a_missing_record(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if UPLOADS.match(case.operation.path):
        return None
    try:
        problem = response.json()
    except ValueError:
        raise AssertionError("a 422 without a problem+json body") from None
    errors = problem.get("errors") or []
    if problem.get("type") != "/problems/validation" or not errors:
        raise AssertionError(f"schema-valid data refused: {problem.get('detail')}")
    others = [e for e in errors if e.get("message") != UNKNOWN_REFERENCE]
    if others:
        raise AssertionError(f"schema-valid data refused for more than a missing record: {others}")
    return None
