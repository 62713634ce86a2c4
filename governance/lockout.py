"""Failed sign-in limits (django-axes), counted per account and per address.

- The login name is normalized exactly as sign-in looks it up (``User.objects.normalize_login``),
  so ``BF1@demo.example``, ``bf1@DEMO.EXAMPLE`` and `` bf1@demo.example`` are one account.
- An account is locked after ``AXES_FAILURE_LIMIT`` failures within the cool-off, from any
  number of addresses: moving to another address does not help a guesser.
- An address is locked after ``AXES_ADDRESS_FAILURE_LIMIT`` failures within the cool-off, across
  all accounts: one password tried on many accounts is stopped. The limit is higher than the
  account's, because one office may sign in through one address.
- A successful sign-in clears only that account's failures from that address (its owner's own
  typos); it never clears failures other accounts collected from the same address, or the
  account's failures from elsewhere.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum

from governance.models import User


def login_name(request, credentials):
    """``AXES_USERNAME_CALLABLE``: the posted login name, normalized like the account lookup."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    return User.objects.normalize_login(raw) if raw else None


class LockoutHandler(AxesDatabaseHandler):
    """The database handler with two limits (per account, per address) and a narrow reset."""

    def get_failures(self, request, credentials=None):
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        totals = {}
        if username:
            totals["account"] = Sum("failures_since_start", filter=Q(username=username))
        if address:
            totals["address"] = Sum("failures_since_start", filter=Q(ip_address=address))
        counts = recent.aggregate(**totals) if totals else {}
        by_account, by_address = counts.get("account") or 0, counts.get("address") or 0
        if by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Report the address's lock on the axes scale (the account limit) that the caller compares with.
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request, credentials=None):
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
