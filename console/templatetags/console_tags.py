"""Rendering helpers of the console templates: sizes, status classes, builder field values.
(The response's collapsible JSON tree is built in the browser: console.js.)"""

from django import template

from console.client import human_size

register = template.Library()


@register.filter
def filesize(n):
    return human_size(int(n or 0))


@register.filter
def status_class(status):
    try:
        status = int(status)
    except (TypeError, ValueError):
        return "err"
    return "ok" if 200 <= status < 300 else ("warn" if status < 500 else "err")


@register.simple_tag
def field_value(state, name, index=0):
    values = (state or {}).get(name) or []
    return values[index] if len(values) > index else ""
