"""Rendering helpers of the console templates: sizes, status classes, builder field values.
(The response's collapsible JSON tree is built in the browser: console.js.)"""

import json
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from console.client import human_size

register = template.Library()


@register.filter
def filesize(n):
    return human_size(int(n or 0))


@register.filter
def ago(moment):
    """ "just now" for the last minute (timesince alone says "0 minutes"), else "5 minutes ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def status_class(status):
    try:
        status = int(status)
    except (TypeError, ValueError):
        return "err"
    return "ok" if 200 <= status < 300 else ("warn" if status < 500 else "err")


@register.filter
def oc_value(value):
    """A value of an OrderCloud error's Data as the API sent it (JSON), not as Python prints it:
    text as is, a list of texts or numbers comma-separated, anything else compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


@register.simple_tag
def field_value(state, name, index=0):
    values = (state or {}).get(name) or []
    return values[index] if len(values) > index else ""
