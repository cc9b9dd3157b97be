from django.http import Http404
from django.shortcuts import render

from . import codes
from .models import Region


def browse(request, code: str = ""):
    """Province to village, with a name search inside the region shown."""
    region = None
    if code:
        try:
            codes.level_of(code)
        except codes.InvalidRegionCode:
            raise Http404 from None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise Http404
    q = request.GET.get("q", "").strip()[:50]
    results = None
    if q:
        queryset = Region.objects.active().filter(name__contains=q)
        if region is not None:
            queryset = queryset.within(region.code)
        results = list(queryset.select_related("parent").order_by("code")[:100])
    children = Region.objects.filter(parent=region, active=True) if region else Region.objects.filter(level=1, active=True)
    return render(request, "regions/browse.html", {
        "region": region, "path": region.path() if region else [], "children": children.order_by("code"),
        "q": q, "results": results,
    })
