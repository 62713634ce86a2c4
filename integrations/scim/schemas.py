"""The static SCIM discovery documents."""

from django.conf import settings
from django.urls import reverse

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

MAX_RESULTS = 1000


def base_url():
    """The SCIM base URL (absolute, no trailing slash): the Users endpoint's parent."""
    return settings.SITE_URL + reverse("scim-users").removesuffix("/Users")


def _attr(
    name,
    type_="string",
    *,
    required=False,
    multi=False,
    mutability="readWrite",
    uniqueness="none",
    sub=None,
    description="",
):
    attribute = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": False,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub:
        attribute["subAttributes"] = sub
    return attribute


def user_schema():
    return {
        "schemas": [SCHEMA],
        "id": CORE_USER,
        "name": "User",
        "description": "An employee from the HR system.",
        "attributes": [
            _attr("userName", required=True, uniqueness="server", description="The work e-mail address."),
            _attr("externalId", description="The HR system's id (same as employeeNumber)."),
            _attr("displayName"),
            _attr("name", "complex", sub=[_attr("formatted"), _attr("givenName"), _attr("familyName")]),
            _attr("title"),
            _attr("active", "boolean", description="false terminates the employee; history stays."),
            _attr("emails", "complex", multi=True, sub=[_attr("value"), _attr("type"), _attr("primary", "boolean")]),
            _attr("addresses", "complex", multi=True, sub=[_attr("type"), _attr("country")]),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base_url()}/Schemas/{CORE_USER}"},
    }


def enterprise_schema():
    return {
        "schemas": [SCHEMA],
        "id": ENTERPRISE_USER,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            _attr("employeeNumber", description="The HR system's id."),
            _attr("department", description="Department code (or its exact name)."),
            _attr(
                "manager",
                "complex",
                sub=[_attr("value", description="The manager's SCIM id."), _attr("displayName", mutability="readOnly")],
            ),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base_url()}/Schemas/{ENTERPRISE_USER}"},
    }


def service_provider_config():
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": settings.SITE_URL + reverse("api-docs"),
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "API key",
                "description": "Authorization: Bearer <API key> holding the employees:write scope.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url()}/ServiceProviderConfig"},
    }


def resource_types():
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Employees",
            "schema": CORE_USER,
            "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base_url()}/ResourceTypes/User"},
        }
    ]
