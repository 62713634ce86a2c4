"""A check of the project's own for the fuzzer run in test_schema.py (loaded with SCHEMATHESIS_HOOKS).

schemathesis.toml lets the operations that document a 422 answer it to a schema-valid request; this
check keeps that allowance narrow: every 422 must be one of the documented kinds, so a malformed
field can never hide behind it."""

import json

import schemathesis

PROBLEM_TYPE_BASE = "urn:ai-governance:problem:"
DOCUMENTED_422 = {
    "unknown-reference",  # a department, manager or filter id that names no record
    "rule-violated",  # a rule between fields and records (terminated_on, cycles, the URL's id)
    "idempotency-key-reused",  # the key was sent with another method, path or body
    "webhook-target-refused",  # the host is internal or resolves to an internal address
    "rows-refused",  # bulk: some rows refused, the others applied
}


@schemathesis.check
def unprocessable_is_a_documented_kind(ctx, response, case):
    """A 422 answer is a problem document of one of the documented types."""
    if response.status_code != 422:
        return None
    try:
        kind = json.loads(response.content).get("type", "")
    except (ValueError, AttributeError):
        raise AssertionError("A 422 answer that is not a problem document") from None
    if kind.removeprefix(PROBLEM_TYPE_BASE) not in DOCUMENTED_422:
        raise AssertionError(f"A 422 answer of an undocumented kind: {kind!r}")
    return None
