"""What the console's page tests do over and over: address a console page, press Send in the
request builder, read the history entry a request left, submit a rendered form as it is."""

from django.urls import reverse

from console.models import ConsoleRequest


def url(org, name="console", **kwargs):
    """The address of a console page of `org` (`name` in console/urls.py)."""
    return reverse(f"console:{name}", kwargs={"env": org.environment.lower(), "oc_id": org.oc_id, **kwargs})


def send(client, org, op, **fields):
    """Send in the request builder (an htmx post): operation `op` with these builder fields."""
    return client.post(url(org, "send"), {"op": op, **fields}, HTTP_HX_REQUEST="true")


def latest(user):
    """The user's newest history entry (None before their first request)."""
    return ConsoleRequest.objects.filter(user=user).order_by("-id").first()


def form_as_sent(form) -> dict:
    """What a browser submits for a rendered form (a tests.a11y Element) left as it is (inputs and
    textareas: enough for the webhook form, which has no select)."""
    data = {}
    for field in form.find_all():
        name, kind = field.attrs.get("name"), field.attrs.get("type")
        if not name or "disabled" in field.attrs:
            continue
        if field.tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in field.attrs:
                data.setdefault(name, []).append(field.attrs.get("value") or "on")
        elif field.tag == "input":
            data[name] = field.attrs.get("value") or ""
        elif field.tag == "textarea":
            data[name] = "".join(field.text_parts).removeprefix("\n")  # the parser keeps the newline browsers drop
    return data
