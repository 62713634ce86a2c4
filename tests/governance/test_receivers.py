"""Who listens to which signal is wired in one place (governance.receivers, connected in
GovernanceConfig.ready()): no model module and no other app's ready() holds a receiver."""

import pathlib
import re

from governance import receivers
from governance.events import employee_compliance_changed, report_ready
from platforms.signals import setting_revised

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICE_IMPORT = re.compile(r"^\s*(from \w+\.services\b|import \w+\.services\b)", re.M)


def test_each_signal_has_its_one_receiver_connected_at_startup():
    for signal, receiver in (
        (setting_revised, receivers.reopen_on_setting_revision),
        (employee_compliance_changed, receivers.deliver_compliance_change),
        (report_ready, receivers.deliver_report_ready),
    ):
        live = [entry[1]() for entry in signal.receivers]
        assert live.count(receiver) == 1, signal


def test_no_model_module_registers_a_receiver_that_calls_a_service():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for app in ("governance", "platforms", "policies")
        for path in (ROOT / app).rglob("*.py")
        if "/models" in path.as_posix() and SERVICE_IMPORT.search(path.read_text())
    ]
    assert offenders == []
