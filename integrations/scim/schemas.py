"""The SCIM discovery documents, and the scim2-models classes built from them.

The schemas publish exactly the attributes this server stores and returns as they were sent,
so a client can rely on what it reads here (scim2-tester builds its models from them and
checks each attribute round-trips). The same documents build the scim2-models classes the
server validates and patches with (:func:`provider`), so what is published and what is
accepted cannot drift apart. Attributes a provider sends that are not published here (phone
numbers, addresses, locale...) are accepted and ignored (:data:`POLICY`).
"""

from functools import cache

from django.conf import settings
from django.urls import reverse
from scim2_models import ResourceType, Schema, ScimPolicy, ScimProvider, ServiceProviderConfig

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

MAX_RESULTS = 1000

# Real providers depart from RFC 7644 in known ways; these are the tolerances scim2-models
# names for them: attributes this server does not store are dropped (Entra ID and Okta send
# phone numbers, addresses, locales), a "remove" may carry the value to remove (Entra ID's
# group membership), and a filtered path with no match creates the entry (Entra ID's
# ``emails[type eq "work"].value`` on a user without one).
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


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
    returned="default",
    uniqueness="none",
    sub=None,
    description="",
    canonical=None,
    reference_types=None,
):
    attribute = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": False,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub:
        attribute["subAttributes"] = sub
    if canonical:
        attribute["canonicalValues"] = canonical
    if reference_types:
        attribute["referenceTypes"] = reference_types
    return attribute


def _schema(urn, name, description, attributes):
    return {
        "schemas": [SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base_url()}/Schemas/{urn}"},
    }


def user_schema():
    return _schema(
        CORE_USER,
        "User",
        "An employee. externalId (the provider's own id for the user) is kept as sent.",
        [
            _attr(
                "userName",
                required=True,
                uniqueness="server",
                description="Unique, compared without case. Filters on userName also find employees the HR "
                "system created, by their work e-mail.",
            ),
            _attr(
                "name",
                "complex",
                sub=[_attr("formatted"), _attr("givenName"), _attr("familyName")],
                description="Kept as sent; the employee's full name is displayName, else name.formatted, "
                "else givenName familyName, else userName.",
            ),
            _attr("displayName"),
            _attr("title", description="The job title."),
            _attr(
                "active",
                "boolean",
                required=True,
                description="Every User has it (a User created without it is active). false terminates the "
                "employee and ends their account's access; history stays; true again re-activates the record.",
            ),
            _attr(
                "emails",
                "complex",
                multi=True,
                required=True,
                description="The primary (else the first) address is the employee's work e-mail, where reminders go. "
                "Required unless userName is an e-mail address.",
                sub=[
                    _attr("value", required=True),
                    _attr("type", canonical=["work", "home", "other"]),
                    _attr("primary", "boolean"),
                ],
            ),
            _attr(
                "groups",
                "complex",
                multi=True,
                mutability="readOnly",
                description="The SCIM Groups the user is a member of; change them through /Groups.",
                sub=[
                    _attr("value", mutability="readOnly"),
                    _attr("$ref", "reference", mutability="readOnly", reference_types=["Group"]),
                    _attr("display", mutability="readOnly"),
                ],
            ),
        ],
    )


def enterprise_schema():
    return _schema(
        ENTERPRISE_USER,
        "EnterpriseUser",
        "Enterprise User",
        [
            _attr(
                "employeeNumber",
                uniqueness="server",
                description="The HR system's id of the employee (URL-safe, at most 64 characters). A user sent "
                "without one gets a generated id that is not shown here.",
            ),
            _attr(
                "department",
                description="A department name (or code). An unknown name creates a department of that name "
                "under the 'Unassigned' department, for an admin to place in the tree; the user is never refused.",
            ),
            _attr(
                "manager",
                "complex",
                description="value: the manager's SCIM id, employeeNumber, externalId or userName. A manager "
                "not provisioned yet is kept pending and linked when that user arrives.",
                sub=[
                    _attr("value"),
                    _attr("$ref", "reference", reference_types=["User"]),
                ],
            ),
        ],
    )


def group_schema():
    return _schema(
        CORE_GROUP,
        "Group",
        "A group at the identity provider. Governance admins map group names to the product's roles "
        "(officer, admin); members hold the roles their groups carry.",
        [
            _attr("displayName", required=True, uniqueness="server", description="Unique, compared without case."),
            _attr(
                "members",
                "complex",
                multi=True,
                description="Users only (no nested groups).",
                sub=[
                    _attr("value", mutability="immutable"),
                    _attr("$ref", "reference", mutability="immutable", reference_types=["User"]),
                    _attr("type", mutability="immutable", canonical=["User"]),
                ],
            ),
        ],
    )


def all_schemas():
    return [user_schema(), enterprise_schema(), group_schema()]


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
                "description": "Authorization: Bearer <API key> holding the employees:read and employees:write scopes.",
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
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Identity-provider groups; their names carry roles",
            "schema": CORE_GROUP,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url()}/ResourceTypes/Group"},
        },
    ]


@cache
def provider():
    """The scim2-models description of this server, built from the published documents."""
    return ScimProvider.from_discovery(
        [Schema.model_validate(s) for s in all_schemas()],
        [ResourceType.model_validate(r) for r in resource_types()],
        ServiceProviderConfig.model_validate(service_provider_config()),
        POLICY,
    )


def user_model():
    return provider().model_for("User")


def group_model():
    return provider().model_for("Group")
