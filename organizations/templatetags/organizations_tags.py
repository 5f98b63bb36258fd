from django import template

from organizations import selectors

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
