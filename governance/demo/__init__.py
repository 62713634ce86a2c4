"""The demo organization that `make run` loads. Each step is idempotent; later features add
their own step to DEMO_STEPS in the order they depend on each other."""

DEMO_PASSWORD = "demo"

DEMO_STEPS = [
    "governance.demo.people.seed",  # departments, employees, the four demo sign-ins
    "policies.demo.seed",  # the published AI acceptable-use policy and its obligations
    "governance.demo.attestations.seed",  # a realistic mix of attestations and exceptions
    "governance.demo.jobs.seed",  # reminders, reports and 90 days of trend snapshots
    "governance.demo.integrations.seed",  # the demo API key
]
