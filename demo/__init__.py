"""The demo organization that `make run` loads. It sits on top of every app, so it may seed any
of them. Each step is idempotent; later features add their own step to DEMO_STEPS in the order
they depend on each other."""

DEMO_PASSWORD = "demo"

DEMO_STEPS = [
    "demo.people.seed",  # departments, employees, the four demo sign-ins
    "demo.policies.seed",  # the published AI acceptable-use policy and its obligations
    "demo.attestations.seed",  # a realistic mix of attestations and exceptions
    "demo.jobs.seed",  # reminders, reports and 90 days of trend snapshots
    "demo.integrations.seed",  # the demo API key
]
