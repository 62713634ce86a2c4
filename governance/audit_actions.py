"""How pages name an audit event's action; the stored action stays the machine name."""

ACTION_PHRASES = {
    "account.created": "Account created",
    "account.deprovisioned": "Account deprovisioned",
    "account.roles_synced": "Roles synchronized",
    "account.sign_in_refused": "Sign-in refused",
    "account.signed_in": "Signed in",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "attestation.submitted": "Attestation submitted",
    "catalog.loaded": "Catalog loaded",
    "catalog.platform.created": "Platform added",
    "catalog.platform.updated": "Platform details changed",
    "catalog.setting.created": "Setting added",
    "catalog.setting.revised": "Setting changed (people confirm it again)",
    "catalog.setting.updated": "Setting details changed",
    "catalog.setting.verified": "Setting verified",
    "catalog.platform.verified": "Platform verified",
    "department.moved": "Department moved",
    "employee.account_linked": "Account linked to the employee",
    "employee.created_just_in_time": "Employee created at first sign-in",
    "employee.email_changed": "E-mail address changed",
    "employee.personal_data_erased": "Personal data erased after the retention period",
    "employee.personal_data_erased_on_decision": "Personal data erased early on an admin's decision",
    "employee.rekeyed": "HR id changed",
    "employees.upserted": "Employees imported from HR",
    "exception.approved": "Exception approved",
    "extension.device_paired": "Browser extension paired",
    "extension.device_revoked": "Browser extension revoked",
    "extension.pairing_code_created": "Browser extension pairing code created",
    "extension.usage_signals_purged": "Usage signals past their retention period deleted",
    "exception.denied": "Exception denied",
    "exception.requested": "Exception requested",
    "exceptions.expired": "Exceptions expired",
    "identity.link_approved": "Sign-in link approved",
    "identity.link_refused": "Sign-in link refused",
    "identity.link_requested": "Sign-in link requested",
    "identity.subject_linked": "Single sign-on identity linked",
    "obligations.reopened_for_setting": "Obligations reopened for a changed setting",
    "obligations.rescoped": "Obligations rescoped",
    "policy.acknowledged": "Policy acknowledged",
    "policy.created": "Policy created",
    "policy_version.deleted": "Draft deleted",
    "policy_version.drafted": "Draft created",
    "policy_version.edited": "Version edited",
    "policy_version.published": "Version published",
    "trust_settings.updated": "Trust page settings changed",
    "policy_version.retired": "Version retired",
    "rule.added": "Rule added",
    "rule.edited": "Rule edited",
    "rule.removed": "Rule removed",
    "rule.setting_removed": "Required setting removed",
    "rule.setting_required": "Setting required",
}


def action_phrase(action: str) -> str:
    """A human phrase for an audit action; an action without one reads as its words."""
    if action in ACTION_PHRASES:
        return ACTION_PHRASES[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
