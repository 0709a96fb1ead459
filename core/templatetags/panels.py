from django import template
from django.utils.safestring import mark_safe

from core import panels as page_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str, obj=None) -> str:
    """`{% panels "slot" obj %}`: what higher floors add to this page (core/panels.py)."""
    request = context.get("request")
    if request is None:
        return ""
    # Each panel is a rendered, auto-escaped template.
    return mark_safe(page_panels.render(slot, request=request, obj=obj))  # noqa: S308
