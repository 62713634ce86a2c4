"""The extension's endpoints (/api/extension/v1/): pair, status, signals. Thin: validate,
call a selector or a service. None accepts a session or an API key; status and signals take
only a device token (DeviceTokenAuthentication), and what they read or write is that
device's employee's, never anyone else's. Described in the OpenAPI schema (/api/schema/) under
the tag "Browser extension", with a security scheme of its own (deviceToken)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotAuthenticated, PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from attestations.services.attest import BusyTryAgain, DuplicateSubmission, VersionNoLongerCurrent
from browser_extension import observations, selectors, services
from browser_extension.api import serializers as s
from browser_extension.api.authentication import DeviceTokenAuthentication, failed_wait, record_failure
from browser_extension.api.permissions import IsPairedDevice
from browser_extension.api.throttling import DeviceRateThrottle
from governance.net import client_ip
from platforms.models import Platform
from policies.selectors import employee_stances


class PairingRefusedError(APIException):
    status_code = status.HTTP_401_UNAUTHORIZED


class ObservationRefusedError(APIException):
    """An observation the server did not record; status and code from ObservationRefused."""

    def __init__(self, refused: observations.ObservationRefused):
        self.status_code = refused.status
        super().__init__(refused.message, refused.code)


class SignalsOff(PermissionDenied):
    default_detail = (
        "Usage signals are off: the policy in force for you does not turn them on, so nothing was recorded."
    )
    default_code = "usage_signals_off"


def _with_code(exc, context):
    """The product's problem-details body, plus ``code``: a word the extension can act on."""
    response = api_settings.EXCEPTION_HANDLER(exc, context)
    if response is not None and isinstance(response.data, dict):
        codes = exc.get_codes() if isinstance(exc, APIException) else None
        response.data["code"] = codes if isinstance(codes, str) else "invalid"
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            response["WWW-Authenticate"] = 'Bearer realm="extension"'
    return response


TAG = "Browser extension"
DEVICE_ONLY = (
    "No scope: a paired browser's device token (`deviceToken`), for its own employee only; API keys and "
    "sessions are refused. Errors carry a `code` the extension acts on (e.g. `revoked`, `no_token`)."
)


class ExtensionView(APIView):
    access_note = DEVICE_ONLY  # what the schema says a caller needs (integrations.api.schema)
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsPairedDevice]
    throttle_classes = [DeviceRateThrottle]

    def get_exception_handler(self):
        return _with_code

    def permission_denied(self, request, message=None, code=None):
        if request.auth is None:
            raise NotAuthenticated(IsPairedDevice.message, "no_token")
        super().permission_denied(request, message, code)

    def employee(self):
        return self.request.auth.employee


class PairView(ExtensionView):
    """POST {code, device_name}: a valid one-time code becomes this browser's device token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    access_note = (
        "No scope and no token: a one-time pairing code from the employee's My AI tools page. A refused code "
        "answers 401 with a `code` (`unknown_code`, `used_code`, `expired_code`, `invalid_code`, `inactive`)."
    )

    @extend_schema(
        tags=[TAG],
        operation_id="extension_pair",
        request=s.PairSerializer,
        responses={201: s.PairedSerializer},
    )
    def post(self, request):
        wait = failed_wait(request)
        if wait is not None:
            raise Throttled(wait, "Too many refused pairing codes from this address; wait and try again.")
        body = s.PairSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            device, token = services.pair_device(
                code=body.validated_data["code"],
                device_name=body.validated_data["device_name"],
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except services.PairingRefused as refused:
            record_failure(request)
            raise PairingRefusedError(refused.message, refused.code) from None
        return Response(
            {
                "token": token,
                "device": {"id": device.pk, "name": device.name, "created_at": device.created_at.isoformat()},
                "employee": {"name": device.employee.full_name},
            },
            status=status.HTTP_201_CREATED,
        )


class StatusView(ExtensionView):
    """GET: the device's employee's stance, policy version and status per catalog tool."""

    @extend_schema(tags=[TAG], operation_id="extension_status", responses={200: s.StatusSerializer})
    def get(self, request):
        return Response(
            selectors.extension_status(
                employee=self.employee(), today=timezone.localdate(), absolute=request.build_absolute_uri
            )
        )


class SignalsView(ExtensionView):
    """POST [{platform, day}, ...]: the tools this browser opened, per day. Only when the
    policy in force for the employee turns usage signals on (403 `usage_signals_off` otherwise,
    nothing stored). 1 to 100 rows; a day after the server's today or more than
    EXTENSION_SIGNAL_MAX_AGE_DAYS back, or a tool the catalog does not have, refuses the whole
    request (400)."""

    @extend_schema(
        tags=[TAG],
        operation_id="extension_signals",
        request=s.SignalSerializer(many=True),
        responses={200: s.RecordedSerializer},
    )
    def post(self, request):
        employee = self.employee()
        if not selectors.usage_signals_on(employee_stances(employee=employee)):
            raise SignalsOff()
        if not isinstance(request.data, list):
            raise ValidationError({"non_field_errors": ["Send a JSON list of {platform, day} objects."]})
        named = [row.get("platform") for row in request.data[: s.MAX_SIGNALS] if isinstance(row, dict)]
        slugs = sorted({slug for slug in named if isinstance(slug, str)})  # an object or a list is no id
        context = {
            "today": timezone.localdate(),
            "platform_ids": dict(Platform.objects.filter(slug__in=slugs).values_list("slug", "pk")),
        }
        body = s.signals_serializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            recorded = services.record_usage_signals(
                employee=employee, signals=[(row["platform"], row["day"]) for row in body.validated_data]
            )
        return Response({"recorded": recorded})


class ObservationsView(ExtensionView):
    """POST {tool, obligation, answers: [{setting, value, revision, probe_revision}]}: "Attest what
    the browser sees". Records the device's employee's attestation of that tool in the ledger with
    its source (observed by the extension) and each probe's revision; refused with a ``code``
    when the extension may be wrong (README, "Browser extension")."""

    @extend_schema(
        tags=[TAG],
        operation_id="extension_observations",
        request=s.ObservationSerializer,
        responses={201: s.ObservedRecordSerializer},
    )
    def post(self, request):
        body = s.ObservationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        employee = self.employee()
        try:
            record = observations.attest_observed(
                employee=employee,
                tool=data["tool"],
                obligation_id=data.get("obligation"),
                observed=[observations.Observed(**answer) for answer in data["answers"]],
                request_meta={"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")},
            )
        except observations.ObservationRefused as refused:
            raise ObservationRefusedError(refused) from None
        except (BusyTryAgain, DuplicateSubmission, VersionNoLongerCurrent) as conflict:
            refused = observations.ObservationRefused(conflict.messages[0], "try_again", status.HTTP_409_CONFLICT)
            raise ObservationRefusedError(refused) from None
        return Response(
            {
                "record": record.pk,
                "hash": record.hash,
                "source": record.source,
                "compliant": record.compliant,
                "receipt_url": request.build_absolute_uri(reverse("me-record", args=[record.pk])),
            },
            status=status.HTTP_201_CREATED,
        )
