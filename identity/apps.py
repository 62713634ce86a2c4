from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity and single sign-on"

    def ready(self):
        from allauth.account.signals import user_logged_in

        from identity import saml

        user_logged_in.connect(saml.remember_session, dispatch_uid="identity.saml.remember_session")
