"""Integrations pages for governance admins: API keys (shown once) and webhook endpoints."""

import secrets

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from governance.roles import AdminRequiredMixin
from integrations.keys import create_api_key, revoke_api_key
from integrations.models import ApiKey, Scope, WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.webhooks import UnsafeWebhookTarget, check_registration


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Which system uses the key, e.g. “Workday sync”.")
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https", label="URL")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_registration(url)
        except UnsafeWebhookTarget as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@method_decorator(never_cache, name="dispatch")
class ApiKeyListView(AdminRequiredMixin, View):
    """List keys and create one; the new key's secret is in this one response only."""

    template_name = "integrations/api_keys.html"

    def get(self, request):
        return self._render(request, ApiKeyForm())

    def post(self, request):
        form = ApiKeyForm(request.POST)
        issued = None
        if form.is_valid():
            issued = create_api_key(
                name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], actor=request.user
            )
            form = ApiKeyForm()
        return self._render(request, form, issued=issued, status=200 if issued or form.is_bound is False else 400)

    def _render(self, request, form, issued=None, status=200):
        keys = ApiKey.objects.select_related("created_by").order_by("revoked_at", "name", "id")
        return render(request, self.template_name, {"form": form, "keys": keys, "issued": issued}, status=status)


class ApiKeyRevokeView(AdminRequiredMixin, View):
    def post(self, request, pk):
        api_key = get_object_or_404(ApiKey, pk=pk)
        revoke_api_key(api_key=api_key, actor=request.user)
        messages.success(request, f"The key “{api_key.name}” ({api_key.prefix}) is revoked.")
        return redirect("integrations:api-keys")


@method_decorator(never_cache, name="dispatch")
class WebhookListView(AdminRequiredMixin, View):
    template_name = "integrations/webhooks.html"

    def get(self, request):
        return self._render(request, WebhookForm())

    def post(self, request):
        form = WebhookForm(request.POST)
        created = None
        if form.is_valid():
            created = WebhookEndpoint.objects.create(secret=secrets.token_urlsafe(32), **form.cleaned_data)
            form = WebhookForm()
        return self._render(request, form, created=created, status=200 if created else 400)

    def _render(self, request, form, created=None, status=200):
        endpoints = WebhookEndpoint.objects.order_by("id")
        deliveries = WebhookDelivery.objects.select_related("endpoint").order_by("-created_at", "-id")[:50]
        context = {"form": form, "endpoints": endpoints, "deliveries": deliveries, "created": created}
        return render(request, self.template_name, context, status=status)


class WebhookToggleView(AdminRequiredMixin, View):
    def post(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        WebhookEndpoint.objects.filter(pk=pk).update(active=not endpoint.active)
        messages.success(request, f"{endpoint.url} is {'paused' if endpoint.active else 'active again'}.")
        return redirect("integrations:webhooks")
