"""Reads, always scoped to the actor: an organization the actor cannot see raises the same
NotFoundError as one that does not exist (never a 403 that would leak its existence)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from organizations import environments
from organizations.models import (
    AuditAction,
    AuditEntry,
    Contributor,
    Environment,
    Invitation,
    InvitationStatus,
    Organization,
    ProductionRequest,
    ProductionRequestStatus,
)
from organizations.permissions import Membership
from organizations.services import (
    ERR_INVITE_EXPIRED,
    ERR_INVITE_NOT_FOUND,
    ERR_INVITE_REVOKED,
    ERR_NOT_ADMIN,
    ERR_ORG_NOT_FOUND,
    InvitationExpiredError,
    InvitationRevokedError,
    _membership,
)
from portal.common.errors import ApplicationError, NotFoundError, PermissionError_

ERR_SORT_INVALID = "Unknown sort field. Sort by: {allowed}."
ERR_ENVIRONMENT_INVALID = "Unknown environment. Use Sandbox, Staging or Production."
ERR_ID_AMBIGUOUS = (
    "{id} is the Id of a Sandbox and of a Production organization: add ?environment=Sandbox or "
    "?environment=Production to say which."
)

# "!" (OrderCloud) or "-" prefix = descending. Keys are case-insensitive.
ORGANIZATION_SORTS = {
    "name": "name",
    "id": "oc_id",
    "environment": "environment",
    "created": "created_at",
    "owner.username": "owner__username",
    "owner.email": "owner__email",
}
CONTRIBUTOR_SORTS = {"username": "user__username", "name": "user__name", "email": "user__email"}


def _order(qs: QuerySet, sort: str | None, allowed: dict[str, str], default: list[str]) -> QuerySet:
    if not sort:
        return qs.order_by(*default)
    fields = []
    for part in sort.split(","):
        part = part.strip()
        desc = part.startswith(("!", "-"))
        key = part.lstrip("!-").lower()
        if key not in allowed:
            raise ApplicationError(ERR_SORT_INVALID.format(allowed=", ".join(allowed)))
        fields.append(("-" if desc else "") + allowed[key])
    return qs.order_by(*fields, "pk")


def _environment(environment: str | None) -> str | None:
    if not environment:
        return None
    for value in Environment.values:
        if value.lower() == environment.strip().lower():
            return value
    raise ApplicationError(ERR_ENVIRONMENT_INVALID)


def _visible(actor) -> QuerySet[Organization]:
    if actor is None or not actor.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.alive().filter(
        Q(owner=actor) | Q(pk__in=Contributor.objects.filter(user=actor).values("organization"))
    )


def organization_list(
    *, actor: User, environment: str | None = None, search: str | None = None, sort: str | None = None
) -> QuerySet[Organization]:
    """Organizations the actor owns or has accepted an invitation to (never pending ones)."""
    qs = _visible(actor).select_related("owner")
    env = _environment(environment)
    if env:
        qs = qs.filter(environment=env)
    qs = _search(qs, search)
    return _order(qs, sort, ORGANIZATION_SORTS, ["name", "oc_id", "environment"])


def _search(qs: QuerySet[Organization], search: str | None) -> QuerySet[Organization]:
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(oc_id__icontains=search) | Q(name__icontains=search) | Q(owner__username__icontains=search))
    return qs


def organization_counts(*, actor: User, search: str | None = None) -> dict[str, int]:
    """{"All": n, "Sandbox": n, "Staging": n, "Production": n} for the filter tabs: the organizations
    organization_list shows in each environment for the same search."""
    counts = {value: 0 for value in Environment.values}
    for env in _search(_visible(actor), search).values_list("environment", flat=True):
        counts[env] += 1
    return {"All": sum(counts.values()), **counts}


def organization_get(
    *, actor: User, oc_id: str | None = None, environment: str | None = None, pk: int | None = None
) -> Organization:
    """One visible organization by pk, or by Id (+ environment). Without an environment the
    Sandbox/Production org wins over its Staging twin (they share the Id)."""
    qs = _visible(actor).select_related("owner")
    if pk is not None:
        org = qs.filter(pk=pk).first()
    else:
        qs = qs.filter(oc_id__iexact=(oc_id or "").strip())
        env = _environment(environment)
        if env:
            qs = qs.filter(environment=env)
        orgs = _sandbox_or_production_first(list(qs), oc_id=oc_id)
        org = orgs[0] if orgs else None
    if org is None:
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    return org


def _sandbox_or_production_first(orgs: list, *, oc_id: str, environment=lambda o: o.environment) -> list:
    """Organizations sharing an Id, for an address without an environment: a Production org's
    Staging twin comes last. A Sandbox and a Production org may share an Id too (the Id is unique
    per environment); the address then means neither until the environment is given: the first
    one by name was picked, so a rename changed which organization a DELETE removed."""
    orgs = sorted(orgs, key=lambda o: environment(o) == Environment.STAGING)
    if {Environment.SANDBOX, Environment.PRODUCTION} <= {environment(o) for o in orgs}:
        raise ApplicationError(ERR_ID_AMBIGUOUS.format(id=(oc_id or "").strip()))
    return orgs


def membership_get(*, actor: User, organization: Organization) -> Membership:
    """Effective permissions of the actor (the owner has everything); NotFoundError if none."""
    return _membership(actor=actor, organization=organization)


def member_permissions_get(*, actor: User, organization: Organization, username: str) -> Membership:
    """Effective permissions of `username` in an organization the actor can see (ContributorDetail)."""
    _membership(actor=actor, organization=organization)
    if organization.owner.username and organization.owner.username.lower() == (username or "").lower():
        return Membership.for_owner(organization, organization.owner)
    contributor = (
        Contributor.objects.filter(organization=organization, user__username__iexact=username)
        .select_related("user", "organization")
        .first()
    )
    if contributor is None:
        raise NotFoundError("Contributor not found.")
    return Membership.for_contributor(contributor)


def user_username_get(*, user_id: int) -> str | None:
    """The current username of the active account `user_id` (None: no such account, deactivated, or
    without a username): the person picked in the invite form's search, renamed since or not."""
    return User.objects.filter(pk=user_id, is_active=True, username__isnull=False).values_list(
        "username", flat=True).first()


def member_username_get(*, actor: User, organization: Organization, user_id: int) -> str | None:
    """The current username of this organization's owner, contributor or invitee (pending) with the
    account id `user_id`; None when there is no such person. Contributor forms and Edit links carry
    the id of the person they were shown for, so a rename meanwhile still finds that person (and never
    someone who took the old username)."""
    _membership(actor=actor, organization=organization)
    if organization.owner_id == user_id:
        return organization.owner.username
    found = Contributor.objects.filter(organization=organization, user_id=user_id).values_list(
        "user__username", flat=True).first()
    if found is None:
        found = Invitation.objects.filter(
            organization=organization, invitee_id=user_id, status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        ).values_list("invitee__username", flat=True).first()
    return found or None


def contributor_list(
    *, actor: User, organization: Organization, search: str | None = None, sort: str | None = None
) -> QuerySet[Contributor]:
    """Accepted contributors other than the owner (organization.owner holds everything)."""
    _membership(actor=actor, organization=organization)
    qs = Contributor.objects.filter(organization=organization).select_related("user")
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(user__username__icontains=search) | Q(user__name__icontains=search) | Q(user__email__icontains=search)
        )
    return _order(qs, sort, CONTRIBUTOR_SORTS, ["user__username"])


def invitation_list_for_organization(*, actor: User, organization: Organization) -> QuerySet[Invitation]:
    """Pending (not yet expired) invitations; every member may see who is invited."""
    _membership(actor=actor, organization=organization)
    return (
        Invitation.objects.filter(organization=organization, status=InvitationStatus.PENDING,
                                  expires_at__gt=timezone.now())
        .select_related("invitee", "invited_by")
        .order_by("invitee__username")
    )


invitation_list = invitation_list_for_organization  # name used by the Portal API


def invitation_answered_get(*, user: User, pk: int) -> Invitation | None:
    """The user's invitation `pk` when they already answered it and the answer still stands:
    declined, or accepted and still a contributor (the Back button, a second tab). Otherwise None."""
    invitation = (
        Invitation.objects.filter(pk=pk, invitee=user, organization__deleted_at__isnull=True,
                                  status__in=[InvitationStatus.ACCEPTED, InvitationStatus.DECLINED])
        .select_related("organization")
        .first()
    )
    if invitation is not None and invitation.status == InvitationStatus.ACCEPTED and not Contributor.objects.filter(
        organization=invitation.organization, user=user
    ).exists():
        return None
    return invitation


def invitation_closed_get(*, user: User, pk: int) -> Invitation | None:
    """The user's invitation `pk` when it can no longer be answered because it expired or an admin
    withdrew it (a page opened before that), to say so; None otherwise."""
    return (
        Invitation.objects.filter(pk=pk, invitee=user, organization__deleted_at__isnull=True)
        .filter(Q(status__in=[InvitationStatus.REVOKED, InvitationStatus.EXPIRED])
                | Q(status=InvitationStatus.PENDING, expires_at__lte=timezone.now()))
        .select_related("organization")
        .first()
    )


def invitation_to_deleted_get(*, user: User, pk: int) -> Invitation | None:
    """The user's pending invitation `pk` to an organization deleted since (restorable: it comes
    back with the organization), to say so on Accept or Decline; None otherwise."""
    return (
        Invitation.objects.filter(pk=pk, invitee=user, status=InvitationStatus.PENDING,
                                  organization__deleted_at__isnull=False)
        .select_related("organization")
        .first()
    )


def invitation_list_for_user(*, user: User) -> QuerySet[Invitation]:
    """The user's pending, unexpired invitations to organizations that still exist."""
    if user is None or not user.is_authenticated:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(invitee=user, status=InvitationStatus.PENDING, expires_at__gt=timezone.now(),
                                  organization__deleted_at__isnull=True)
        .select_related("organization", "organization__owner", "invited_by")
        .order_by("-created_at")
    )


def invitation_count_for_user(*, user: User) -> int:
    return invitation_list_for_user(user=user).count()


def invitation_organization_get(*, user: User, oc_id: str, environment: str | None = None) -> Organization:
    """The organization of one of the user's pending invitations (by Id), for accept/decline.
    An invitation that expired or was withdrawn raises InvitationExpiredError/InvitationRevokedError
    (it did exist: "not found" would be wrong); none at all, NotFoundError."""
    qs = invitation_list_for_user(user=user).filter(organization__oc_id__iexact=(oc_id or "").strip())
    env = _environment(environment)
    if env:
        qs = qs.filter(organization__environment=env)
    invitations = _sandbox_or_production_first(list(qs), oc_id=oc_id, environment=lambda i: i.organization.environment)
    invitation = invitations[0] if invitations else None
    if invitation is None:
        closed = _invitation_closed_by_id(user=user, oc_id=oc_id, environment=env)
        if closed is not None and closed.is_expired:
            raise InvitationExpiredError(ERR_INVITE_EXPIRED)
        if closed is not None:
            raise InvitationRevokedError(ERR_INVITE_REVOKED.format(organization=closed.organization.name))
        raise NotFoundError(ERR_INVITE_NOT_FOUND)
    return invitation.organization


def _invitation_closed_by_id(*, user: User, oc_id: str, environment: str | None) -> Invitation | None:
    """The user's latest invitation to the (alive) organization with this Id when it expired or was
    withdrawn, and they are neither its owner nor a contributor now; None otherwise (never invited,
    already answered, or the latest invitation still stands)."""
    if user is None or not user.is_authenticated:
        return None
    qs = (
        Invitation.objects.filter(invitee=user, organization__oc_id__iexact=(oc_id or "").strip(),
                                  organization__deleted_at__isnull=True)
        .exclude(organization__owner=user)
        .exclude(organization__in=Contributor.objects.filter(user=user).values("organization"))
        .select_related("organization")
        .order_by("-created_at", "-pk")
    )
    if environment:
        qs = qs.filter(organization__environment=environment)
    latest = qs.first()
    if latest is None or not (latest.is_expired or latest.status == InvitationStatus.REVOKED):
        return None
    return latest


def deleted_organization_list(*, actor: User) -> QuerySet[Organization]:
    """The actor's soft-deleted organizations that can still be restored."""
    if actor is None or not actor.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(owner=actor, deleted_at__isnull=False, purge_after__gt=timezone.now()).order_by(
        "-deleted_at"
    )


def deleted_organization_find(*, actor: User, environment: str, oc_id: str) -> Organization | None:
    """The actor's restorable deleted organization addressed by environment and Id, or None."""
    return deleted_organization_list(actor=actor).filter(
        environment__iexact=(environment or "").strip(), oc_id__iexact=(oc_id or "").strip()).first()


def left_organization_find(*, actor: User, environment: str, oc_id: str) -> Organization | None:
    """The live organization addressed by environment and Id that the actor left themselves and has
    not rejoined since (of their "Contributor left" and "Invitation accepted" entries there, the last
    is a leave), or None: for the second Leave of a double-click or a second tab. None for an
    organization the actor was never in, or was removed from by an admin."""
    if actor is None or not actor.is_authenticated:
        return None
    org = Organization.objects.alive().filter(
        environment__iexact=(environment or "").strip(), oc_id__iexact=(oc_id or "").strip()).first()
    if org is None:
        return None
    last = (AuditEntry.objects.filter(organization=org, actor=actor, action__in=[
        AuditAction.CONTRIBUTOR_LEAVE, AuditAction.INVITE_ACCEPT]).order_by("-created_at", "-pk").first())
    return org if last is not None and last.action == AuditAction.CONTRIBUTOR_LEAVE else None


def deleted_organization_get(*, actor: User, pk: int) -> Organization:
    org = deleted_organization_list(actor=actor).filter(pk=pk).first()
    if org is None:
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    return org


def organization_transferred_away_by(*, actor: User, organization: Organization) -> bool:
    """Did the actor, no longer its owner, once own this organization and transfer it (theirs or,
    along with its Production organization, a Staging twin)? Their pages left open from then (Delete,
    Email me a code) are told who owns it now rather than a bare "Only the owner can do this." (403);
    someone who never owned it is not."""
    if actor is None or not actor.is_authenticated or organization.owner_id == actor.pk:
        return False
    return AuditEntry.objects.filter(organization=organization, actor=actor, action=AuditAction.ORG_TRANSFER).exists()


def audit_list(*, actor: User, organization: Organization) -> QuerySet[AuditEntry]:
    """The organization's activity; admins only (non-admin members get a PermissionError)."""
    membership = _membership(actor=actor, organization=organization)
    if not membership.is_admin:
        raise PermissionError_(ERR_NOT_ADMIN)
    return AuditEntry.objects.filter(organization=organization).select_related("actor")


def staging_twin_get(*, actor: User, organization: Organization) -> Organization | None:
    """The Staging twin of a Production org (if the actor can see it)."""
    if organization.environment != Environment.PRODUCTION:
        return None
    return _visible(actor).filter(environment=Environment.STAGING, oc_id__iexact=organization.oc_id).first()


def production_twin_get(*, actor: User, organization: Organization) -> Organization | None:
    """The Production org a Staging org is the twin of (if the actor can see it)."""
    if organization.environment != Environment.STAGING:
        return None
    return _visible(actor).filter(environment=Environment.PRODUCTION, oc_id__iexact=organization.oc_id).first()


def staging_twin_exists(*, organization: Organization) -> bool:
    return Organization.objects.filter(environment=Environment.STAGING, oc_id__iexact=organization.oc_id).exists()


def staging_twin_blocked(*, organization: Organization) -> str:
    """For a Production organization whose Id is held in Staging by an organization left from an
    earlier Production organization (not its twin): why it can have no Staging twin; else ""."""
    from organizations.services import ERR_STAGING_LEFTOVER, staging_twin_refusal

    if organization.environment != Environment.PRODUCTION:
        return ""
    staging = Organization.objects.filter(environment=Environment.STAGING, oc_id__iexact=organization.oc_id).first()
    if staging is None:
        return ""
    refusal = staging_twin_refusal(production=organization, staging=staging)
    return refusal if refusal == ERR_STAGING_LEFTOVER.format(id=organization.oc_id) else ""


def production_request_list(*, actor: User) -> QuerySet[ProductionRequest]:
    """The actor's own production requests, newest first."""
    return ProductionRequest.objects.filter(requester=actor).select_related("organization", "decided_by")


def production_request_list_for_staff(*, actor: User, status: str | None = ProductionRequestStatus.PENDING):
    if not actor.is_staff:
        raise NotFoundError("Not found.")
    qs = ProductionRequest.objects.select_related("requester", "decided_by", "organization")
    if status:
        qs = qs.filter(status=status)
    return qs


def production_request_staging_conflicts(*, requests) -> set[int]:
    """Of these pending production requests, the pks of those whose Id is still held in Staging by
    someone else's organization (services.ERR_APPROVE_STAGING_LEFTOVER): approving them is refused."""
    from django.db.models.functions import Lower

    requests = list(requests)
    ids = {r.oc_id.lower() for r in requests}
    owners = dict(Organization.objects.annotate(id_lower=Lower("oc_id"))
                  .filter(environment=Environment.STAGING, id_lower__in=ids).values_list("id_lower", "owner_id"))
    return {r.pk for r in requests if r.oc_id.lower() in owners and owners[r.oc_id.lower()] != r.requester_id}


def production_request_get_for_staff(*, actor: User, pk: int) -> ProductionRequest:
    request = production_request_list_for_staff(actor=actor, status=None).filter(pk=pk).first()
    if request is None:
        raise NotFoundError("Production request not found.")
    return request


def region_access(*, user: User) -> list[dict]:
    """GET /me/regions: every region with a Sandbox core API. Anyone may create a Sandbox there;
    Production is by request (approved by staff), so only staff can create it directly."""
    can_production = bool(user and user.is_staff)
    production_regions = {r.id for r in environments.regions_for(Environment.PRODUCTION)}
    return [
        {
            "Region": {"Id": r.id, "Name": r.name, "AzureRegion": r.azure_region},
            "CanCreateSandbox": True,
            "CanCreateProduction": can_production and r.id in production_regions,
            "CanCreateQa": False,
        }
        for r in environments.regions_for(Environment.SANDBOX)
    ]


def restore_days() -> int:
    return settings.PORTAL_ORG_RESTORE_DAYS


def action_code_live(*, user: User, action: str, organization: Organization | None) -> bool:
    """True when a code emailed to `user` for `action` (on `organization`) can still be used: sent,
    not used, not withdrawn and not expired. Whoever signs in again (another browser, a new
    session) still gets the field to type it in."""
    from organizations.models import ActionCodeDevice
    from organizations.services import _device_name

    return ActionCodeDevice.objects.filter(
        user=user, name=_device_name(action, organization), token__isnull=False, valid_until__gt=timezone.now()
    ).exclude(token="").exists()


def action_code_delivery_failed(*, user: User, action: str, organization: Organization | None) -> bool:
    """True when the latest code emailed to `user` for `action` (on `organization`) could not be
    delivered (organizations.services.action_code_undelivered)."""
    latest = (
        AuditEntry.objects.filter(actor=user, target=action, organization=organization,
                                  action__in=(AuditAction.CODE_SENT, AuditAction.CODE_UNDELIVERED))
        .order_by("-created_at", "-id").values_list("action", flat=True).first()
    )
    return latest == AuditAction.CODE_UNDELIVERED


# --- a second identical submit (a double-click, a retry on a slow network) --------------------------
RESUBMIT_WINDOW = timedelta(seconds=30)


def organization_just_created(*, actor: User, environment: str, oc_id: str, name: str | None = None,
                              region: str | None = None) -> Organization | None:
    """The organization `actor` created within RESUBMIT_WINDOW in `environment` with this Id (and
    this name and region when given): a second identical submit of its form is that create's
    success, not "already exists". Anyone else's organization, an older one or a different name: None."""
    found = Organization.objects.alive().filter(
        environment=environment, oc_id__iexact=(oc_id or "").strip(), owner=actor,
        created_at__gte=timezone.now() - RESUBMIT_WINDOW,
    ).first()
    if found is None or (name is not None and found.name != (name or "").strip()):
        return None
    if region is not None and found.region != region:
        return None
    return found


def production_request_just_sent(*, actor: User, oc_id: str, name: str, region: str,
                                 reason: str) -> ProductionRequest | None:
    """`actor`'s pending production request made within RESUBMIT_WINDOW with these very values: a
    second identical submit of the form is its success, not "already pending"."""
    found = ProductionRequest.objects.filter(
        requester=actor, oc_id__iexact=(oc_id or "").strip(), status=ProductionRequestStatus.PENDING,
        created_at__gte=timezone.now() - RESUBMIT_WINDOW,
    ).first()
    if found is None or (found.name, found.region, found.reason) != ((name or "").strip(), region,
                                                                      (reason or "").strip()):
        return None
    return found
