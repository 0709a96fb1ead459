"""The public transparency report and its CSV export (the same figures)."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from disputes.forms.notices import TransparencyForm, last_full_month
from disputes.selectors.transparency import transparency_report, transparency_rows


def _period(request) -> tuple[TransparencyForm, tuple | None]:
    """The chosen period, or the last full calendar month when none is given."""
    if not request.GET:
        start, end = last_full_month()
        return TransparencyForm(initial={"start": start, "end": end}), (start, end)
    form = TransparencyForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, (form.cleaned_data["start"], form.cleaned_data["end"])


@require_GET
def report(request):
    form, period = _period(request)
    report = transparency_report(start=period[0], end=period[1]) if period else None
    query = request.GET.urlencode()
    context = {"form": form, "report": report, "query": query}
    return render(request, "disputes/transparency.html", context, status=200 if period else 400)


@require_GET
def report_csv(request):
    form, period = _period(request)
    if period is None:
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    report = transparency_report(start=period[0], end=period[1])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"transparency-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["section", "item", "value"])
    writer.writerows(transparency_rows(report))
    return response
