"""django-allauth adapters: how allauth's flows fit this product's rules on identity."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up with a password: accounts come from HR records (and, when an admin
    switches it on, from single sign-on's just-in-time creation)."""

    def is_open_for_signup(self, request):
        return False
