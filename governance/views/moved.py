"""Addresses from before the split into domain apps that still reach their page.

The admin's pages are named by app label (/admin/<app>/<model>/...). Models that moved out of
the kernel kept their tables (``governance_<model>``), so their old admin addresses are found by
that table name and sent, permanently, to the same page under the new label.
"""

from django.apps import apps
from django.http import Http404, HttpResponsePermanentRedirect


def moved_admin_page(request, model, rest=""):
    for candidate in apps.get_models():
        meta = candidate._meta
        if meta.model_name == model and meta.app_label != "governance" and meta.db_table == f"governance_{model}":
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                f"/admin/{meta.app_label}/{model}/{rest}" + (f"?{query}" if query else "")
            )
    raise Http404("No such page.")
