from django import template
from django.conf import settings
from django.utils.html import format_html

from organizations import presenters, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_invitation_count(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return selectors.invitation_count_for_user(user=user)


@register.simple_tag(takes_context=True)
def dashboard_organizations(context, limit: int = 6):
    user = context["request"].user
    return selectors.organization_list(actor=user, sort="-created")[:limit]


@register.simple_tag(takes_context=True)
def dashboard_invitations(context):
    return selectors.invitation_list_for_user(user=context["request"].user)


@register.filter
def org_url(org, name="detail"):
    from organizations.views import org_url as _org_url

    return _org_url(org, name)


@register.filter
def user_label(user) -> str:
    """Text: "Olivia Owner (olivia)", or just "alice" when the username is the only name."""
    return presenters.user_label(user)


@register.filter
def user_label_html(user, style: str = ""):
    """HTML: the name (in <strong> with "strong") and the username in <small> when it differs."""
    name, handle = presenters.user_name_and_handle(user)
    shown = format_html("<strong>{}</strong>", name) if style == "strong" else name
    return format_html("{} <small>{}</small>", shown, handle) if handle else format_html("{}", shown)


@register.filter
def access_summary(obj) -> str:
    """The access a contributor holds or an invitation offers, in words."""
    return presenters.access_summary(obj)


@register.filter
def audit_details(entry) -> str:
    """An activity-log row's details as one readable line."""
    return presenters.audit_details_summary(entry)


@register.filter
def absolute(path: str) -> str:
    """An address of the portal as a full URL (for emails): settings.PORTAL_BASE_URL + path."""
    return f"{settings.PORTAL_BASE_URL}{path}"
