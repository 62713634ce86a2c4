"""What real identity providers send that scim2-models' tolerances (schemas.POLICY) do not
cover, rewritten to the RFC 7644 form before the PatchOp is read. Each rewrite is a recorded
provider request in tests/integrations/test_scim_providers.py."""

from typing import Any


def _is_manager(path: Any) -> bool:
    return isinstance(path, str) and (path.lower() == "manager" or path.lower().endswith(":manager"))


def _without_nulls(value: Any) -> Any:
    # Entra ID's members carry "$ref": null; as a remove selector it would match nothing.
    if isinstance(value, list):
        return [{k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item for item in value]
    return value


def normalized_patch(body: Any) -> Any:
    """``body`` with Entra ID's manager-as-a-string (``"manager": "<id>"``, RFC 7643 has a
    complex ``manager.value``) and null sub-attributes in member lists rewritten."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        return body
    operations = []
    for operation in body["Operations"]:
        if isinstance(operation, dict):
            operation = dict(operation)
            value = operation.get("value")
            if _is_manager(operation.get("path")) and isinstance(value, str):
                operation["value"] = {"value": value}
            elif isinstance(value, dict) and operation.get("path") is None:
                operation["value"] = {
                    k: {"value": v} if _is_manager(k) and isinstance(v, str) else v for k, v in value.items()
                }
            elif isinstance(value, list):
                operation["value"] = _without_nulls(value)
        operations.append(operation)
    return {**body, "Operations": operations}
