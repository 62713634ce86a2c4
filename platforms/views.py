from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from platforms.models import Platform


@login_required
def platform_list(request):
    return render(request, "platforms/platform_list.html", {"platforms": Platform.objects.all()})
