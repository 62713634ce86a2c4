"""Authentication backends: which password may sign in, and which sessions single sign-on opened.

Every password door (the sign-in page, the admin's, anything calling ``authenticate``) goes
through django-axes first and then ``PasswordBackend``, so the lockout counts every try and
the sign-in policy holds everywhere. No other backend checks a password."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from identity.selectors import password_allowed


class PasswordBackend(ModelBackend):
    """Django's password check, refused (as a failed try, with the same answer as a wrong
    password) for accounts that may not use a password while passwords are switched off."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not password_allowed(user):
            return None
        return user


class SingleSignOnBackend(AuthenticationBackend):
    """The backend allauth records on sessions that single sign-on opened; it checks no password."""

    def authenticate(self, request, **credentials):
        return None
