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
- Comparisons between fields: a hub's session closes after it opens and does not overlap another
  that day; a closure ends on or after it starts, within a year; a calendar's span is a year at
  most and does not run backwards; a reset comes only with a return in good order. Generated
  values that break one are put right (the later time moved on, the overlapping session dropped,
  the end set to the start, the reset left out) before the call. A notice template may use only
  its own kind's placeholders, which differ by kind: generated wording keeps none.
"""

import datetime
import os
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


def _clock(text):
    try:
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)
    except (AttributeError, ValueError):
        return None


def _fix_opening_hours(body):
    hours = body.get("opening_hours") if isinstance(body, dict) else None
    if not isinstance(hours, list):
        return
    kept, taken = [], {}
    for session in hours:
        if not isinstance(session, dict):
            kept.append(session)
            continue
        opens, closes = _clock(session.get("opens")), _clock(session.get("closes"))
        if opens is None or closes is None or not isinstance(session.get("day"), str):
            kept.append(session)
            continue
        if closes <= opens:
            if opens >= 23 * 60 + 59:
                continue
            closes = opens + 1
            session["closes"] = f"{closes // 60:02d}:{closes % 60:02d}"
        day = session.get("day")
        if any(o < closes and opens < c for o, c in taken.get(day, [])):
            continue
        taken.setdefault(day, []).append((opens, closes))
        kept.append(session)
    body["opening_hours"] = kept


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _fix_spans(case):
    body = case.body if isinstance(case.body, dict) else {}
    starts, ends = _date(body.get("starts_on")), _date(body.get("ends_on"))
    if starts and ends and (ends < starts or (ends - starts).days > 366):
        body["ends_on"] = body["starts_on"]
    if isinstance(body.get("reset"), dict) and body.get("condition") != "ok":
        del body["reset"]
    # A reset's time is checked against the clock and the device's last hand-over: leave it to
    # default to now.
    if isinstance(body.get("reset"), dict) and isinstance(body["reset"].get("performed_at"), str):
        del body["reset"]["performed_at"]
    if case.operation.path.endswith("/resets") and isinstance(body.get("performed_at"), str):
        del body["performed_at"]
    if "/notice-templates/" in case.operation.path:
        for key in ("subject", "body"):
            if isinstance(body.get(key), str):
                body[key] = body[key].replace("{", "").replace("}", "") or "Notice"
    query = case.query if isinstance(case.query, dict) else {}
    if case.operation.path.endswith("/calendar"):
        start = _date(query.get("from")) or datetime.date.today()
        end = _date(query.get("to"))
        if end and (end < start or (end - start).days >= 366):
            query["to"] = start.isoformat()


PARTNER_EVENTS = ["job.assigned", "job.changed", "device.status_changed", "wipe.recorded"]


def _fix_webhooks(case):
    """A schema-valid URL may still be refused (private ranges, plain http): point it at a public
    https host. A partner hears only of its own work: keep to its event types."""
    if not case.operation.path.startswith("/api/v1/webhooks") or not isinstance(case.body, dict):
        return
    url = case.body.get("url")
    if isinstance(url, str) and re.match(r"^https?://", url) and 10 <= len(url) <= 2000:
        case.body["url"] = "https://partner.example.org/hooks"
    events = case.body.get("event_types")
    if os.environ.get("SCHEMATHESIS_ROLE") == "partner" and isinstance(events, list) and events:
        if all(isinstance(e, str) for e in events):
            kept = [e for e in events if e in PARTNER_EVENTS]
            case.body["event_types"] = kept or ["job.assigned"]


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if _is_missing_parameter_case(case):
        return
    _fix_opening_hours(case.body)
    _fix_spans(case)
    _fix_webhooks(case)
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
