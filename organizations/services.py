"""Writes for organizations, contributors, invitations, production requests and action codes.

Every function is keyword-only, runs in a transaction, checks the actor's permissions itself and
raises ApplicationError subclasses whose messages are the constants below. Emails go out when the
transaction commits.
"""

import hashlib
import json
import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_get_by_username, user_verified_emails
from accounts.validators import ERR_NAME_CHARACTERS as NAME_CHARACTERS_INVALID
from accounts.validators import validate_person_name
from organizations import environments
from organizations.models import (
    OC_ID_INVALID,
    OC_ID_MAX_LENGTH,
    OC_ID_RE,
    ActionCodeDevice,
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
from organizations.permissions import IMPERSONATION_FLAG_OF_USER_KIND, IMPERSONATION_FLAGS, Membership
from organizations.presenters import access_summary
from organizations.roles import ROLE_SET
from portal.common.errors import ApplicationError, ConfirmationRequiredError, NotFoundError, PermissionError_

# --- messages -----------------------------------------------------------------------------------
ERR_ID_REQUIRED = "Enter an Id."
ERR_ID_INVALID = OC_ID_INVALID
ERR_ID_TOO_LONG = f"The Id can be at most {OC_ID_MAX_LENGTH} characters long."
ERR_ID_TAKEN = "An organization with this Id already exists in this environment."
ERR_ID_TAKEN_DELETED = (
    "You deleted an organization with this Id: restore it under Deleted organizations, or choose another Id."
)
ERR_NAME_REQUIRED = "Enter a name."
ERR_NAME_TOO_LONG = "The name can be at most 200 characters long."
ERR_NAME_CHARACTERS = NAME_CHARACTERS_INVALID  # line breaks, tabs, control and text-direction characters
ERR_REGION_INVALID = "Unknown region. Choose US-West, US-East, Australia-East, Europe-West or Japan-East."
ERR_REGION_UNAVAILABLE = "This environment is not available in that region."
ERR_ORG_NOT_FOUND = "Organization not found."
ERR_NOT_ADMIN = "Only organization admins can do this."
ERR_NOT_OWNER = "Only the owner can do this."
ERR_CONFIRMATION_REQUIRED = "Confirm this action with the code we emailed you."
ERR_USER_NOT_FOUND = "No portal user has this username."
ERR_PICKED_USER_GONE = "The user you picked no longer has an active portal account: nothing was sent. Choose again."
ERR_SELF_INVITE = "You cannot invite yourself or change your own access."
ERR_OWNER_ACCESS_FIXED = "The owner has every permission; their access cannot be changed."
ERR_CANNOT_REMOVE_OWNER = "The owner cannot be removed from the organization."
ERR_OWNER_CANNOT_LEAVE = "The owner cannot leave the organization. Transfer it to another contributor first."
ERR_UNKNOWN_ROLE = "Unknown role: {role}."
ERR_GRANT_ROLE_NOT_HELD = "You cannot grant a role you do not hold yourself."
ERR_GRANT_FLAG_NOT_HELD = "You cannot grant an impersonation permission you do not hold yourself."
ERR_CONTRIBUTOR_NOT_FOUND = "This user is not a contributor and has no pending invitation."
ERR_ALREADY_CONTRIBUTOR = "{username} is already a contributor. Use Edit next to their name to change their access."
ERR_ALREADY_INVITED = (
    "{username} already has a pending invitation. Use Edit next to it under Pending invitations to change the "
    "access it offers; saving it sends the invitation again."
)
ERR_INVITE_NOT_FOUND = "You have no pending invitation to this organization."
ERR_INVITE_EXPIRED = "This invitation has expired. Ask an organization admin to invite you again."
ERR_INVITE_REVOKED = "The invitation to {organization} was withdrawn by an organization admin."
ERR_INVITE_CHANGED = (
    "The invitation to {organization} changed since you opened this page: it now offers {access}. Nothing was "
    "accepted: accept or decline it as it is now."
)
ERR_TRANSFER_TO_SELF = "You already own this organization."
ERR_TRANSFER_NOT_CONTRIBUTOR = "Ownership can only be transferred to a contributor who has accepted their invitation."
ERR_TRANSFER_CHOSEN_GONE = (
    "{username} is no longer a contributor of this organization: ownership can only be transferred to a contributor "
    "who has accepted their invitation. Choose the new owner again."
)
ERR_NOT_DELETED = "This organization is not deleted."
ERR_RESTORE_TOO_LATE = "This organization was deleted more than 7 days ago and can no longer be restored."
ERR_STAGING_NOT_PRODUCTION = "Only a Production organization can have a Staging twin."
ERR_STAGING_EXISTS = "This organization already has a Staging twin."
ERR_STAGING_LEFTOVER = (
    "The Id {id} is still used in Staging by the twin of an earlier Production organization with this Id (deleted "
    "for good), which belongs to someone else, so this organization cannot have a Staging twin. It can once that "
    "Staging organization is deleted for good: ask its owner, or the portal's staff."
)
ERR_ID_TAKEN_STAGING = (
    "The Id {id} is still used in Staging by another user's organization (the twin of an earlier Production "
    "organization with this Id): a Production organization with this Id could have no Staging twin. Choose another Id."
)
ERR_REASON_REQUIRED = "Tell us what the Production organization is for."
ERR_PRODUCTION_PENDING = "A production request for this Id is already pending."
ERR_STAFF_ONLY = "Only staff can decide production requests."
ERR_APPROVE_STAGING_LEFTOVER = (
    "The Id {id} is still used in Staging by another user's organization (the twin of an earlier Production "
    "organization with this Id): approved, this Production organization could have no Staging twin. Reject the "
    "request and ask for another Id."
)
ERR_APPROVE_REQUESTER_INACTIVE = (
    "{username}'s account is deactivated: approved, the Production organization would belong to an account that "
    "cannot sign in. Reactivate the account first, or reject the request."
)
ERR_REQUEST_DECIDED = "This request has already been decided."
ERR_REJECT_MESSAGE_REQUIRED = "Tell the requester why the request is rejected."
ERR_CODE_ACTION_INVALID = "Unknown action."
ERR_CODE_COOLDOWN_WAIT = "A code was sent less than {wait} ago. Check your email, or wait a moment before sending another."
ERR_CODE_COOLDOWN = ERR_CODE_COOLDOWN_WAIT.format(wait="a minute")  # with the default OTP_EMAIL_COOLDOWN_DURATION
ERR_CODE_NONE = "There is no valid code: it was already used or never sent. Send a new code."
ERR_CODE_EXPIRED = "This code has expired. Send a new code."
ERR_CODE_WRONG = "This code is not correct. Check the latest email and try again."
ERR_CODE_THROTTLED = "Too many wrong codes. Wait a few seconds before trying again."
ERR_CODE_THROTTLED_WAIT = "Too many wrong codes. Try again in {wait}."
ERR_CODE_UNDELIVERED = (
    "We could not email the code to {to}. Check that the email address in your profile can receive mail,"
    " then send a new code."
)
ERR_REMOTE_TOKEN = "Tokens can only be minted for organizations on the built-in core API."
ERR_IMPERSONATION_NOT_ALLOWED = "You do not have permission to impersonate this kind of user."


class OrganizationError(ApplicationError):
    pass


class IdTakenError(OrganizationError):
    status_code = 409
    code = "IdExists"


class AlreadyContributorError(OrganizationError):
    """The invite form named someone who already is a contributor (ERR_ALREADY_CONTRIBUTOR) or has a
    pending invitation (ERR_ALREADY_INVITED)."""


class InvitationClosedError(OrganizationError):
    """The invitation can no longer be answered (410 Gone): it expired (InvitationExpiredError) or
    an admin withdrew it (InvitationRevokedError). Said as such, not as "no invitation"."""

    status_code = 410
    code = "InvitationClosed"


class InvitationExpiredError(InvitationClosedError):
    code = "InvitationExpired"


class InvitationRevokedError(InvitationClosedError):
    code = "InvitationRevoked"


class InvitationChangedError(OrganizationError):
    """Accept pressed on an offer that is no longer the one shown (an admin changed the access)."""


class CodeError(ApplicationError):
    """A confirmation code was refused (wrong, expired, used, throttled, or sent too often)."""

    code = "InvalidCode"


class CodeThrottledError(CodeError):
    status_code = 429
    code = "TooManyRequests"


# --- helpers ------------------------------------------------------------------------------------
def _now():
    return timezone.now()


def _audit(*, organization, actor, action, target: str = "", details: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        organization=organization, actor=actor, actor_username=getattr(actor, "username", "") or "",
        action=action, target=target, details=details or {},
    )
    entry.full_clean()
    entry.save()
    return entry


EMAIL_SUBJECT_PREFIX = f"{settings.PORTAL_NAME}: "


def _email(*, to: User, template: str, context: dict, address: str | None = None) -> None:
    """Render organizations/emails/<template>.txt (first line: subject) and send it on commit, to
    `address` (default: to.email). Subjects start with "<PORTAL_NAME>: ", as allauth's account
    emails do (ACCOUNT_EMAIL_SUBJECT_PREFIX)."""
    text = render_to_string(f"organizations/emails/{template}.txt", {"PORTAL_NAME": settings.PORTAL_NAME, **context})
    subject, _, body = text.strip().partition("\n")
    subject = f"{EMAIL_SUBJECT_PREFIX}{subject.strip()}"
    address = address or to.email
    transaction.on_commit(lambda: send_mail(subject.strip(), body.strip() + "\n", None, [address]))


def _membership(*, actor, organization: Organization) -> Membership:
    """The actor's permissions, or NotFoundError when they cannot see the organization. Reads the
    actor's Contributor row only when the rule (membership_from) needs it."""
    contributor = None
    if (getattr(actor, "is_authenticated", False) and not organization.is_deleted
            and organization.owner_id != actor.pk):
        contributor = Contributor.objects.filter(organization=organization, user=actor).first()
    return membership_from(actor=actor, organization=organization, contributor=contributor)


def membership_from(*, actor, organization: Organization, contributor: Contributor | None) -> Membership:
    """The actor's permissions from rows already read (the organization and the actor's Contributor
    row or None); NotFoundError when they cannot see the organization. The one access rule: the
    owner holds everything, an accepted contributor their permissions, nobody else anything."""
    if actor is None or not getattr(actor, "is_authenticated", False) or organization.is_deleted:
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    if organization.owner_id == actor.pk:
        return Membership.for_owner(organization, actor)
    if contributor is None or contributor.organization_id != organization.pk or contributor.user_id != actor.pk:
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    contributor.organization = organization  # already loaded: saves a query on every access check
    contributor.user = actor
    return Membership.for_contributor(contributor)


def _require_admin(membership: Membership) -> None:
    if not membership.is_admin:
        raise PermissionError_(ERR_NOT_ADMIN)


def _require_owner(membership: Membership) -> None:
    if not membership.is_owner:
        raise PermissionError_(ERR_NOT_OWNER)


def _lock(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _lock_as(*, actor, organization: Organization) -> tuple[Organization, Membership]:
    """Lock the organization's row and read the actor's access again, from the locked row: a
    transfer, delete or removal that committed while this request waited for the lock counts (the
    access checked before waiting did not see it, so a removed admin's invite or a delete by the
    previous owner went through)."""
    org = _lock(organization)
    return org, _membership(actor=actor, organization=org)


def validate_oc_id(oc_id: str) -> str:
    oc_id = (oc_id or "").strip()
    if not oc_id:
        raise OrganizationError(ERR_ID_REQUIRED)
    if len(oc_id) > OC_ID_MAX_LENGTH:
        raise OrganizationError(ERR_ID_TOO_LONG)
    if not OC_ID_RE.match(oc_id):
        raise OrganizationError(ERR_ID_INVALID)
    return oc_id


def validate_name(name: str) -> str:
    """An organization's name is one line of visible text, as a person's is (accounts.validators):
    it is written into the subject line of the emails about it ("... invited you to <name>",
    "<name> was deleted"), where a line break split the subject and put the rest of the name, as a
    line of its own, into the email's text; text-direction controls turn the text around it."""
    name = (name or "").strip()
    if not name:
        raise OrganizationError(ERR_NAME_REQUIRED)
    if len(name) > 200:
        raise OrganizationError(ERR_NAME_TOO_LONG)
    try:
        validate_person_name(name)
    except ValidationError as exc:
        raise OrganizationError(ERR_NAME_CHARACTERS) from exc
    return name


def _validate_region(environment: str, region: str) -> str:
    region = (region or "").strip().lower()
    if region not in environments.REGIONS:
        raise OrganizationError(ERR_REGION_INVALID)
    if not environments.core_api_url(environment, region):
        raise OrganizationError(ERR_REGION_UNAVAILABLE)
    return region


def _id_taken(environment: str, oc_id: str) -> bool:
    return Organization.objects.filter(environment=environment, oc_id__iexact=oc_id).exists()


def _staging_leftover(*, oc_id: str, owner: User) -> Organization | None:
    """The Staging organization holding `oc_id` when it belongs to someone other than `owner`.

    A Staging twin outlives its Production organization (deleted for good) and keeps the Id: a
    Production organization later given that Id by someone else is not its twin (the restore
    refuses to copy into it) and can have no twin of its own, so such an Id is not given out."""
    leftover = Organization.objects.filter(environment=Environment.STAGING, oc_id__iexact=oc_id).first()
    return leftover if leftover is not None and leftover.owner_id != owner.pk else None


def _check_id_free(*, actor: User, environment: str, oc_id: str) -> None:
    """IdTakenError when the Id is in use in that environment; when it is the actor's own deleted
    (restorable) organization, the message says so: it is in no list of theirs but Deleted
    organizations, and "already exists" sent them looking for it."""
    taken = Organization.objects.filter(environment=environment, oc_id__iexact=oc_id).first()
    if taken is None:
        return
    if taken.is_deleted and taken.owner_id == actor.pk:
        raise IdTakenError(ERR_ID_TAKEN_DELETED)
    raise IdTakenError(ERR_ID_TAKEN)


def _core():
    from coreapi import services as core_services

    return core_services


def _marketplace_suspend(org: Organization, *, suspended: bool) -> None:
    """A deleted (restorable) organization's built-in marketplace issues and accepts no token."""
    if environments.is_builtin(org.core_api_url):
        _core().marketplace_suspend(
            environment=environments.environment_slug(org.environment), marketplace_id=org.oc_id, suspended=suspended
        )


def _minted_tokens_revoke(org: Organization, user: User) -> None:
    """A contributor lost some or all access: the core tokens the portal minted for them in this
    organization (console, "Reveal my token", the Portal API's token endpoint) stop working at once,
    not when they expire; a refresh gives the access still held."""
    if environments.is_builtin(org.core_api_url):
        _core().portal_user_tokens_revoke(
            environment=environments.environment_slug(org.environment), marketplace_id=org.oc_id,
            portal_username=user.username,
        )


def _access_reduced(before: dict, after: dict) -> bool:
    """Whether a contributor's access snapshot lost a role or an impersonation permission."""
    return bool(set(before["roles"]) - set(after["roles"])) or any(before[f] and not after[f] for f in IMPERSONATION_FLAGS)


def _marketplace_create(org: Organization) -> None:
    """Create the org's marketplace in the built-in core API, in this transaction (same database),
    so an org never exists without its marketplace or vice versa. Remote core APIs: nothing to do
    (the operator's OrderCloud provisions marketplaces)."""
    if not environments.is_builtin(org.core_api_url):
        return
    core = _core()
    try:
        core.marketplace_create(
            environment=environments.environment_slug(org.environment), marketplace_id=org.oc_id, name=org.name
        )
    except core.MarketplaceExists as exc:
        raise IdTakenError(ERR_ID_TAKEN) from exc


def _org_create(*, actor: User, oc_id: str, name: str, region: str, environment: str) -> Organization:
    if _id_taken(environment, oc_id):
        raise IdTakenError(ERR_ID_TAKEN)
    org = Organization(oc_id=oc_id, name=name, region=region, environment=environment, owner=actor)
    try:
        org.full_clean()
    except ValidationError as exc:
        raise OrganizationError(" ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a concurrent create won the race
        raise IdTakenError(ERR_ID_TAKEN) from exc
    _marketplace_create(org)
    return org


# --- organizations ------------------------------------------------------------------------------
@transaction.atomic
def organization_create(*, actor: User, oc_id: str, name: str, region: str = environments.DEFAULT_REGION) -> Organization:
    """A new organization is always a Sandbox, owned by the actor, with its marketplace."""
    oc_id = validate_oc_id(oc_id)
    name = validate_name(name)
    region = _validate_region(Environment.SANDBOX, region)
    _check_id_free(actor=actor, environment=Environment.SANDBOX, oc_id=oc_id)
    org = _org_create(actor=actor, oc_id=oc_id, name=name, region=region, environment=Environment.SANDBOX)
    _audit(organization=org, actor=actor, action=AuditAction.ORG_CREATE, target=org.oc_id,
           details={"name": name, "environment": org.environment, "region": region})
    return org


@transaction.atomic
def organization_rename(*, actor: User, organization: Organization, name: str) -> Organization:
    membership = _membership(actor=actor, organization=organization)
    _require_admin(membership)
    name = validate_name(name)
    org, membership = _lock_as(actor=actor, organization=organization)
    _require_admin(membership)
    old = org.name
    if old == name:
        return org
    org.name = name
    org.full_clean()
    org.save(update_fields=["name", "updated_at"])
    if environments.is_builtin(org.core_api_url):
        core = _core()
        if hasattr(core, "marketplace_rename"):
            core.marketplace_rename(
                environment=environments.environment_slug(org.environment), marketplace_id=org.oc_id, name=name
            )
    _audit(organization=org, actor=actor, action=AuditAction.ORG_RENAME, target=org.oc_id,
           details={"from": old, "to": name})
    return org


@transaction.atomic
def organization_delete(*, actor: User, organization: Organization, confirmed: bool) -> None:
    """Soft delete (owner only, confirmed by an emailed code): the org disappears at once and can
    be restored by the owner for PORTAL_ORG_RESTORE_DAYS days; then organizations_purge_due()
    deletes it for good."""
    membership = _membership(actor=actor, organization=organization)
    _require_owner(membership)
    if not confirmed:
        raise ConfirmationRequiredError(ERR_CONFIRMATION_REQUIRED)
    org, membership = _lock_as(actor=actor, organization=organization)
    _require_owner(membership)
    now = _now()
    org.deleted_at = now
    org.purge_after = now + timedelta(days=settings.PORTAL_ORG_RESTORE_DAYS)
    org.save(update_fields=["deleted_at", "purge_after", "updated_at"])
    organization.deleted_at, organization.purge_after = org.deleted_at, org.purge_after
    _marketplace_suspend(org, suspended=True)  # its API stops answering until it is restored
    _audit(organization=org, actor=actor, action=AuditAction.ORG_DELETE, target=org.oc_id,
           details={"purge_after": org.purge_after.isoformat()})
    _email(to=actor, template="deleted", context={"organization": org})


@transaction.atomic
def organization_restore(*, actor: User, organization: Organization) -> Organization:
    org = _lock(organization)
    if org.owner_id != getattr(actor, "pk", None):
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    if not org.is_deleted:
        raise OrganizationError(ERR_NOT_DELETED)
    if org.purge_after and org.purge_after <= _now():
        raise OrganizationError(ERR_RESTORE_TOO_LATE)
    org.deleted_at = None
    org.purge_after = None
    org.save(update_fields=["deleted_at", "purge_after", "updated_at"])
    _marketplace_suspend(org, suspended=False)
    _audit(organization=org, actor=actor, action=AuditAction.ORG_RESTORE, target=org.oc_id)
    return org


def organizations_purge_due(*, now=None) -> int:
    """Delete for good every soft-deleted organization whose restore window has passed, with its
    marketplace in the built-in core API. Returns how many were purged. Run by Celery beat."""
    now = now or _now()
    purged = 0
    for pk in Organization.objects.filter(deleted_at__isnull=False, purge_after__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            org = Organization.objects.select_for_update().filter(pk=pk, deleted_at__isnull=False).first()
            if org is None or org.purge_after > now:
                continue
            if environments.is_builtin(org.core_api_url):
                _core().marketplace_delete(
                    environment=environments.environment_slug(org.environment), marketplace_id=org.oc_id
                )
            _audit(organization=None, actor=None, action=AuditAction.ORG_PURGE, target=org.oc_id,
                   details={"environment": org.environment, "name": org.name, "deleted_at": org.deleted_at.isoformat()})
            org.delete()
            purged += 1
    return purged


def _transfer_target(*, actor: User, organization: Organization, new_owner_username: str, lock: bool,
                     new_owner_id: int | None = None) -> Contributor:
    """The accepted contributor the organization can be transferred to, or OrganizationError.

    new_owner_id (the Settings form: the person the owner chose, by account id): that person
    whatever their username is now, never whoever holds the username shown when it was chosen
    (renames meanwhile); refused naming them by their current username when they are no longer an
    accepted contributor (or their account was deactivated). Without it: the username given (the
    Portal API's contract)."""
    if new_owner_id is not None:
        chosen = User.objects.filter(pk=new_owner_id).first()
        new_owner = chosen if chosen is not None and chosen.is_active else None
    else:
        chosen, new_owner = None, user_get_by_username(username=new_owner_username)
    if new_owner is not None and new_owner.pk == actor.pk:
        raise OrganizationError(ERR_TRANSFER_TO_SELF)
    contributors = Contributor.objects.filter(organization=organization, user=new_owner).select_related("user")
    contributor = (contributors.select_for_update() if lock else contributors).first() if new_owner else None
    if contributor is None:
        if chosen is not None:
            raise OrganizationError(ERR_TRANSFER_CHOSEN_GONE.format(username=chosen.username))
        raise OrganizationError(ERR_TRANSFER_NOT_CONTRIBUTOR)
    return contributor


def organization_transfer_check(
    *, actor: User, organization: Organization, new_owner_username: str = "", new_owner_id: int | None = None
) -> None:
    """Before the emailed code is used up: would the transfer to this user be accepted? (The
    transfer itself checks again, under lock.)"""
    _require_owner(_membership(actor=actor, organization=organization))
    _transfer_target(actor=actor, organization=organization, new_owner_username=new_owner_username, lock=False,
                     new_owner_id=new_owner_id)


@transaction.atomic
def organization_transfer(
    *, actor: User, organization: Organization, new_owner_username: str = "", confirmed: bool,
    new_owner_id: int | None = None,
) -> Organization:
    """Owner only, confirmed by an emailed code. The new owner must be an accepted contributor;
    the old owner stays on as an Organization Admin (FullAccess, all impersonation). Both are emailed.
    new_owner_id, when given, names the new owner by account id (see _transfer_target)."""
    membership = _membership(actor=actor, organization=organization)
    _require_owner(membership)
    if not confirmed:
        raise ConfirmationRequiredError(ERR_CONFIRMATION_REQUIRED)
    org, membership = _lock_as(actor=actor, organization=organization)
    _require_owner(membership)
    contributor = _transfer_target(actor=actor, organization=org, new_owner_username=new_owner_username, lock=True,
                                   new_owner_id=new_owner_id)
    new_owner = contributor.user
    contributor.delete()
    _owner_hand_over(organization=org, old_owner=actor, new_owner=new_owner)
    organization.owner = new_owner
    _audit(organization=org, actor=actor, action=AuditAction.ORG_TRANSFER, target=new_owner.username,
           details={"from": actor.username, "to": new_owner.username})
    twin = _staging_twin_transfer(production=org, old_owner=actor, new_owner=new_owner)
    context = {"organization": org, "staging_twin": twin}
    _email(to=new_owner, template="transfer_new_owner", context={**context, "old_owner": actor})
    _email(to=actor, template="transfer_old_owner", context={**context, "new_owner": new_owner})
    return org


def _owner_hand_over(*, organization: Organization, old_owner: User, new_owner: User) -> None:
    """The new owner owns it; the old owner stays on as an Organization Admin with full access."""
    Contributor.objects.update_or_create(
        organization=organization,
        user=old_owner,
        defaults={"is_admin": True, "roles": ["FullAccess"], "impersonate_seller": True,
                  "impersonate_supplier": True, "impersonate_buyer": True},
    )
    organization.owner = new_owner
    organization.save(update_fields=["owner", "updated_at"])


def _staging_twin_transfer(*, production: Organization, old_owner: User, new_owner: User) -> Organization | None:
    """A Production organization's Staging twin (deleted or not) goes with it when its owner owned
    both: left behind, the old owner kept a twin that the new owner could not see (nor create
    again), into which every restore copied Production's data, even after the new owner removed
    them from Production. As in the transfer, the old owner stays on as an Organization Admin."""
    if production.environment != Environment.PRODUCTION:
        return None
    twin = (Organization.objects.select_for_update()
            .filter(environment=Environment.STAGING, oc_id__iexact=production.oc_id).first())
    if twin is None or twin.owner_id != old_owner.pk:
        return None
    Contributor.objects.filter(organization=twin, user=new_owner).delete()
    Invitation.objects.filter(organization=twin, invitee=new_owner, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, decided_at=_now(), updated_at=_now())  # they own it now
    _owner_hand_over(organization=twin, old_owner=old_owner, new_owner=new_owner)
    _audit(organization=twin, actor=old_owner, action=AuditAction.ORG_TRANSFER, target=new_owner.username,
           details={"from": old_owner.username, "to": new_owner.username, "along_with": "the Production organization"})
    return twin


def staging_twin_refusal(*, production: Organization, staging: Organization) -> str:
    """Why `production` cannot get a Staging twin while `staging` holds its Id: it has one, or
    `staging` is left from an earlier Production organization with this Id (made before this one,
    owned by someone else: not its twin, see services_restore)."""
    if staging.created_at < production.created_at and staging.owner_id != production.owner_id:
        return ERR_STAGING_LEFTOVER.format(id=production.oc_id)
    return ERR_STAGING_EXISTS


@transaction.atomic
def staging_twin_create(*, actor: User, production_org: Organization) -> Organization:
    """The owner of a Production org creates its Staging twin: same Id, name and region."""
    membership = _membership(actor=actor, organization=production_org)
    _require_owner(membership)
    if production_org.environment != Environment.PRODUCTION:
        raise OrganizationError(ERR_STAGING_NOT_PRODUCTION)
    taken = Organization.objects.filter(environment=Environment.STAGING, oc_id__iexact=production_org.oc_id).first()
    if taken is not None:
        raise OrganizationError(staging_twin_refusal(production=production_org, staging=taken))
    region = _validate_region(Environment.STAGING, production_org.region)
    org = _org_create(actor=actor, oc_id=production_org.oc_id, name=production_org.name, region=region,
                      environment=Environment.STAGING)
    _audit(organization=org, actor=actor, action=AuditAction.STAGING_CREATE, target=org.oc_id,
           details={"production": production_org.pk})
    # the Production organization's log says it too: its admins look there for what became of it
    _audit(organization=production_org, actor=actor, action=AuditAction.STAGING_CREATE, target=org.oc_id,
           details={"staging": org.pk})
    return org


# --- production requests ------------------------------------------------------------------------
@transaction.atomic
def production_request_create(*, actor: User, oc_id: str, name: str, region: str, reason: str) -> ProductionRequest:
    """Ask staff for a Production organization. Every active staff member with a verified email
    address is emailed there (who asked, for what, and a link to the review page); the decision is
    emailed back."""
    oc_id = validate_oc_id(oc_id)
    name = validate_name(name)
    region = _validate_region(Environment.PRODUCTION, region)
    reason = (reason or "").strip()
    if not reason:
        raise OrganizationError(ERR_REASON_REQUIRED)
    _check_id_free(actor=actor, environment=Environment.PRODUCTION, oc_id=oc_id)
    if _staging_leftover(oc_id=oc_id, owner=actor) is not None:
        raise IdTakenError(ERR_ID_TAKEN_STAGING.format(id=oc_id))
    if ProductionRequest.objects.filter(oc_id__iexact=oc_id, status=ProductionRequestStatus.PENDING).exists():
        raise OrganizationError(ERR_PRODUCTION_PENDING)
    request = ProductionRequest(requester=actor, oc_id=oc_id, name=name, region=region, reason=reason)
    request.full_clean(validate_constraints=False)  # the one-pending-request constraint: below
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a concurrent request for the same Id (a double-submit) won the race
        raise OrganizationError(ERR_PRODUCTION_PENDING) from exc
    _audit(organization=None, actor=actor, action=AuditAction.PRODUCTION_REQUEST, target=oc_id,
           details={"request": request.pk, "name": name, "region": region})
    for staff, address in _staff_to_notify(exclude=actor):
        _email(to=staff, address=address, template="production_requested", context={"request": request, "staff": staff})
    return request


def _staff_to_notify(*, exclude: User | None = None) -> list[tuple[User, str]]:
    """(staff member, address) for every active staff member, who decide production requests, not
    `exclude` (a staff member's own request). The address is a verified one (their primary verified
    address when they have several, see accounts.selectors.user_verified_emails): a staff member
    whose address was never confirmed is not emailed, and neither is one without any address.
    One email per address."""
    staff = list(User.objects.filter(is_staff=True, is_active=True).exclude(pk=getattr(exclude, "pk", None))
                 .order_by("pk"))
    addresses = user_verified_emails(users=staff)
    seen, unique = set(), []
    for user in staff:
        address = addresses.get(user.pk)
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append((user, address))
    return unique


@transaction.atomic
def production_request_decide(*, actor: User, request: ProductionRequest, approve: bool, message: str = "") -> ProductionRequest:
    """Staff approve (creates the Production org, owned by the requester) or reject with a message.
    The requester is emailed either way."""
    if not (actor and actor.is_staff):
        raise PermissionError_(ERR_STAFF_ONLY)
    req = ProductionRequest.objects.select_for_update().select_related("requester").get(pk=request.pk)
    if req.status != ProductionRequestStatus.PENDING:
        raise OrganizationError(ERR_REQUEST_DECIDED)
    message = (message or "").strip()
    if not approve and not message:
        raise OrganizationError(ERR_REJECT_MESSAGE_REQUIRED)
    if approve:
        if not req.requester.is_active:
            raise OrganizationError(ERR_APPROVE_REQUESTER_INACTIVE.format(username=req.requester.username))
        if _staging_leftover(oc_id=req.oc_id, owner=req.requester) is not None:  # asked before the check above
            raise OrganizationError(ERR_APPROVE_STAGING_LEFTOVER.format(id=req.oc_id))
        org = _org_create(actor=req.requester, oc_id=req.oc_id, name=req.name, region=req.region,
                          environment=Environment.PRODUCTION)
        req.organization = org
        req.status = ProductionRequestStatus.APPROVED
        _audit(organization=org, actor=actor, action=AuditAction.PRODUCTION_APPROVE, target=req.oc_id,
               details={"request": req.pk, "requester": req.requester.username, "message": message})
    else:
        req.status = ProductionRequestStatus.REJECTED
        _audit(organization=None, actor=actor, action=AuditAction.PRODUCTION_REJECT, target=req.oc_id,
               details={"request": req.pk, "requester": req.requester.username, "message": message})
    req.decided_by = actor
    req.decided_at = _now()
    req.decision_message = message
    req.full_clean()
    req.save()
    _email(to=req.requester, template="production_decided", context={"request": req})
    request.status, request.organization = req.status, req.organization
    return req


# --- contributors and invitations ---------------------------------------------------------------
def _clean_roles(roles) -> list[str]:
    cleaned: list[str] = []
    for role in roles or []:
        role = str(role).strip()
        if not role:
            continue
        if role not in ROLE_SET:
            raise OrganizationError(ERR_UNKNOWN_ROLE.format(role=role))
        if role not in cleaned:
            cleaned.append(role)
    return sorted(cleaned)


def _check_grants(*, membership: Membership, current, roles: list[str], is_admin: bool, flags: dict) -> None:
    """Nobody grants more than they hold: every role, admin and impersonation permission that is
    *added* must be held by the actor (the owner holds everything; FullAccess covers every role)."""
    held_before = set(current.roles) if current else set()
    for role in roles:
        if role not in held_before and not membership.holds_role(role):
            raise PermissionError_(ERR_GRANT_ROLE_NOT_HELD)
    if is_admin and not (current and current.is_admin) and not membership.is_admin:
        raise PermissionError_(ERR_NOT_ADMIN)
    for flag, value in flags.items():
        if value and not (current and getattr(current, flag)) and not membership.holds_flag(flag):
            raise PermissionError_(ERR_GRANT_FLAG_NOT_HELD)


def _keep_what_the_actor_cannot_grant(*, membership: Membership, current, roles: list[str], flags: dict):
    """Roles and impersonation permissions the actor does not hold are neither granted nor taken
    away by them: the contributor keeps theirs as they are (the page shows them disabled, and
    browsers do not send disabled checkboxes, so leaving them out must not remove them)."""
    if current is None:
        return roles, flags
    kept = [role for role in current.roles if not membership.holds_role(role)]
    roles = _clean_roles([role for role in roles if membership.holds_role(role)] + kept)
    flags = {flag: value if membership.holds_flag(flag) else getattr(current, flag) for flag, value in flags.items()}
    return roles, flags


def _access_snapshot(obj) -> dict:
    return {"is_admin": obj.is_admin, "roles": list(obj.roles), **{f: getattr(obj, f) for f in IMPERSONATION_FLAGS}}


@transaction.atomic
def contributor_save(
    *,
    actor: User,
    organization: Organization,
    username: str,
    roles: list[str],
    is_admin: bool,
    impersonate_seller: bool | None = None,
    impersonate_supplier: bool | None = None,
    impersonate_buyer: bool | None = None,
    invite_only: bool = False,
    user_id: int | None = None,
) -> Contributor | Invitation:
    """Admins only. A member: update their access. Anyone else: invite them (or update their
    pending invite, which also restarts its 14 days); they get an email and an entry in
    "My invitations". An impersonate_* of None keeps the current value (False for a new invite).
    invite_only (the page's invite form): a member is refused (ERR_ALREADY_CONTRIBUTOR) rather
    than given the invite form's access in place of theirs, and so is someone with a pending
    invitation (ERR_ALREADY_INVITED): re-inviting them from that form silently replaced the access
    it offered (often with none). Their invitation's Edit, and the Portal API's PUT, update it.
    user_id (the person picked in the invite form's search, by account id): that person whatever
    their username is now, never whoever took the username shown when they were picked."""
    membership = _membership(actor=actor, organization=organization)
    _require_admin(membership)
    org, membership = _lock_as(actor=actor, organization=organization)
    _require_admin(membership)
    if user_id is not None:
        user = User.objects.filter(pk=user_id, is_active=True, username__isnull=False).first()
        if user is None:
            raise NotFoundError(ERR_PICKED_USER_GONE)
    else:
        user = user_get_by_username(username=username)
    if user is None:
        raise NotFoundError(ERR_USER_NOT_FOUND)
    if user.pk == actor.pk:
        raise OrganizationError(ERR_SELF_INVITE)
    if user.pk == org.owner_id:
        raise OrganizationError(ERR_OWNER_ACCESS_FIXED)
    roles = _clean_roles(roles)
    is_admin = bool(is_admin)
    requested = {"impersonate_seller": impersonate_seller, "impersonate_supplier": impersonate_supplier,
                 "impersonate_buyer": impersonate_buyer}

    contributor = Contributor.objects.select_for_update().filter(organization=org, user=user).first()
    if contributor is not None and invite_only:
        raise AlreadyContributorError(ERR_ALREADY_CONTRIBUTOR.format(username=user.username))
    invitation = None
    if contributor is None:
        invitation = (
            Invitation.objects.select_for_update()
            .filter(organization=org, invitee=user, status=InvitationStatus.PENDING)
            .first()
        )
        if invitation is not None and invite_only and not invitation.is_expired:  # expired: listed nowhere, re-invited
            raise AlreadyContributorError(ERR_ALREADY_INVITED.format(username=user.username))
    current = contributor or invitation
    flags = {f: (v if v is not None else bool(current and getattr(current, f))) for f, v in requested.items()}
    _check_grants(membership=membership, current=current, roles=roles, is_admin=is_admin, flags=flags)
    roles, flags = _keep_what_the_actor_cannot_grant(membership=membership, current=current, roles=roles, flags=flags)

    values = {"roles": roles, "is_admin": is_admin, **flags}
    if contributor is not None:
        before = _access_snapshot(contributor)
        for key, value in values.items():
            setattr(contributor, key, value)
        contributor.full_clean()
        contributor.save()
        after = _access_snapshot(contributor)
        if _access_reduced(before, after):
            _minted_tokens_revoke(org, user)
        if before != after:
            _audit(organization=org, actor=actor, action=AuditAction.PERMISSION_CHANGE, target=user.username,
                   details={"before": before, "after": after})
        return contributor

    expires_at = _now() + timedelta(days=settings.PORTAL_INVITATION_DAYS)
    if invitation is not None:
        for key, value in values.items():
            setattr(invitation, key, value)
        invitation.invited_by = actor
        invitation.expires_at = expires_at
        action = AuditAction.INVITE_UPDATE
    else:
        invitation = Invitation(organization=org, invitee=user, invited_by=actor, expires_at=expires_at, **values)
        action = AuditAction.INVITE
    invitation.full_clean()
    invitation.save()
    _audit(organization=org, actor=actor, action=action, target=user.username, details=_access_snapshot(invitation))
    _email(to=user, template="invitation", context={"organization": org, "invitation": invitation, "inviter": actor})
    return invitation


REMOVED, REVOKED, LEFT = "removed", "revoked", "left"


@transaction.atomic
def contributor_remove(*, actor: User, organization: Organization, username: str) -> str:
    """An admin removes a contributor or revokes a pending invite; a contributor may remove
    themselves. The owner can be neither removed nor leave (transfer first). Returns what was
    done: REMOVED, REVOKED (a pending invitation) or LEFT."""
    _membership(actor=actor, organization=organization)
    org, membership = _lock_as(actor=actor, organization=organization)
    # a deactivated account too (user_get_by_username finds active ones only): it is still listed
    # among the contributors or invitations, and taking its access away must work
    user = User.objects.filter(username__iexact=(username or "").strip()).first() if (username or "").strip() else None
    if user is not None and user.pk == org.owner_id:
        raise OrganizationError(ERR_OWNER_CANNOT_LEAVE if membership.is_owner else ERR_CANNOT_REMOVE_OWNER)
    if user is not None and user.pk == actor.pk:
        Contributor.objects.filter(organization=org, user=actor).delete()
        _minted_tokens_revoke(org, actor)
        _audit(organization=org, actor=actor, action=AuditAction.CONTRIBUTOR_LEAVE, target=actor.username)
        return LEFT
    _require_admin(membership)
    if user is None:
        raise NotFoundError(ERR_CONTRIBUTOR_NOT_FOUND)
    contributor = Contributor.objects.filter(organization=org, user=user).first()
    if contributor is not None:
        snapshot = _access_snapshot(contributor)
        contributor.delete()
        _minted_tokens_revoke(org, user)
        _audit(organization=org, actor=actor, action=AuditAction.CONTRIBUTOR_REMOVE, target=user.username,
               details=snapshot)
        return REMOVED
    invitation = Invitation.objects.filter(organization=org, invitee=user, status=InvitationStatus.PENDING).first()
    if invitation is None:
        raise NotFoundError(ERR_CONTRIBUTOR_NOT_FOUND)
    invitation.status = InvitationStatus.REVOKED
    invitation.decided_at = _now()
    invitation.save(update_fields=["status", "decided_at", "updated_at"])
    _audit(organization=org, actor=actor, action=AuditAction.INVITE_REVOKE, target=user.username)
    return REVOKED


def _pending_invitation(*, actor: User, organization: Organization) -> Invitation:
    if actor is None or not actor.is_authenticated:
        raise NotFoundError(ERR_INVITE_NOT_FOUND)
    # The organization's row first, then the invitation: the order of contributor_save and
    # contributor_remove. Locking the invitation first (it joined the organization) deadlocked with
    # an admin revoking or editing the invitation at the same moment: one of them was a 500.
    org = Organization.objects.select_for_update().filter(pk=organization.pk, deleted_at__isnull=True).first()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(organization=org, invitee=actor, status=InvitationStatus.PENDING)
        .first()
        if org is not None
        else None
    )
    if invitation is None:
        raise NotFoundError(ERR_INVITE_NOT_FOUND)
    return invitation


def invitation_offer(invitation: Invitation) -> str:
    """A short digest of the access an invitation offers (admin, roles, impersonation), the version
    the invitations page's Accept carries: the same offer, re-sent or reordered, keeps it."""
    offer = {**_access_snapshot(invitation), "roles": sorted(invitation.roles)}
    return hashlib.sha256(json.dumps(offer, sort_keys=True).encode()).hexdigest()[:16]


@transaction.atomic
def invitation_accept(*, actor: User, organization: Organization, offer: str | None = None) -> Contributor:
    """Join with the access the invitation offers. `offer` (invitation_offer of what the invitee was
    shown): an admin changed the offer since (more access or less) and it is refused with
    InvitationChangedError saying what it offers now, so nobody joins with access they did not see.
    None (the Portal API): whatever it offers."""
    invitation = _pending_invitation(actor=actor, organization=organization)
    if invitation.is_expired:
        raise InvitationExpiredError(ERR_INVITE_EXPIRED)
    if offer is not None and offer != invitation_offer(invitation):
        raise InvitationChangedError(ERR_INVITE_CHANGED.format(organization=organization.name,
                                                               access=access_summary(invitation)))
    contributor, _ = Contributor.objects.update_or_create(
        organization=organization, user=actor, defaults=_access_snapshot(invitation)
    )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.decided_at = _now()
    invitation.save(update_fields=["status", "decided_at", "updated_at"])
    _audit(organization=organization, actor=actor, action=AuditAction.INVITE_ACCEPT, target=actor.username,
           details=_access_snapshot(invitation))
    return contributor


@transaction.atomic
def invitation_decline(*, actor: User, organization: Organization) -> None:
    invitation = _pending_invitation(actor=actor, organization=organization)
    invitation.status = InvitationStatus.DECLINED
    invitation.decided_at = _now()
    invitation.save(update_fields=["status", "decided_at", "updated_at"])
    _audit(organization=organization, actor=actor, action=AuditAction.INVITE_DECLINE, target=actor.username)


@transaction.atomic
def invitations_expire(*, now=None) -> int:
    """Mark pending invitations past their 14 days as expired (run by Celery beat)."""
    return Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=now or _now()).update(
        status=InvitationStatus.EXPIRED, updated_at=_now()
    )


# --- emailed confirmation codes (django-otp EmailDevice) -----------------------------------------
class CodeAction:
    TRANSFER = "transfer"
    DELETE = "delete"
    CONFIRMATION = "confirmation"  # the Portal API's POST /me/verifyemail + POST /confirmation

    LABELS = {TRANSFER: "transfer the organization", DELETE: "delete the organization",
              CONFIRMATION: "confirm a sensitive action"}


CONFIRMATION_WINDOW = timedelta(minutes=5)


def mask_email(email: str) -> str:
    """"jane@example.com" -> "j***@example.com"."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _device_name(action: str, organization: Organization | None) -> str:
    if action not in CodeAction.LABELS:
        raise OrganizationError(ERR_CODE_ACTION_INVALID)
    if action == CodeAction.CONFIRMATION:
        return "portal:confirmation"
    if organization is None:
        raise OrganizationError(ERR_CODE_ACTION_INVALID)
    return f"org:{organization.pk}:{action}"


def _check_code_actor(*, user: User, action: str, organization: Organization | None) -> None:
    if organization is not None and action in (CodeAction.TRANSFER, CodeAction.DELETE):
        _require_owner(_membership(actor=user, organization=organization))


def _duration(seconds: int) -> str:
    """60 -> "a minute", 300 -> "5 minutes", 90 -> "90 seconds"."""
    if seconds % 60 == 0:
        return "a minute" if seconds == 60 else f"{seconds // 60} minutes"
    return "a second" if seconds == 1 else f"{seconds} seconds"


@transaction.atomic
def action_code_send(*, user: User, action: str, organization: Organization | None = None) -> str:
    """Email a 6-digit code (valid 5 minutes, single use) that confirms `action` on `organization`
    only. Refused during the cooldown after a previous send. Returns the masked address."""
    name = _device_name(action, organization)
    _check_code_actor(user=user, action=action, organization=organization)
    # One send at a time per user: django-otp's devices have no unique (user, name), so two first
    # sends at once (a double-click) each created a device and emailed a code, one of them unusable,
    # and every later get_or_create found two (a 500).
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    device, _ = ActionCodeDevice.objects.select_for_update().get_or_create(
        user=user, name=name, defaults={"confirmed": False}
    )
    allowed, _info = device.generate_is_allowed()
    if not allowed:
        raise CodeThrottledError(ERR_CODE_COOLDOWN_WAIT.format(wait=_duration(settings.OTP_EMAIL_COOLDOWN_DURATION)))
    label = CodeAction.LABELS[action]
    org_text = f" {organization.name} ({organization.oc_id}, {organization.environment})" if organization else ""
    org_text = org_text.replace("{", "{{").replace("}", "}}")  # the mail is a format string: a name's braces stay text
    device.mail_subject = f"{EMAIL_SUBJECT_PREFIX}Your code to {label} is {{token}}"  # capitalised as the other subjects
    device.mail_body = (
        f"Your code to {label}{org_text} is {{token}}\n\n"
        "It is valid for 5 minutes and can be used once. If you did not ask for it, ignore this email:\n"
        "nothing happens without the code.\n"
    )
    device.generate_challenge()
    _audit(organization=organization, actor=user, action=AuditAction.CODE_SENT, target=action,
           details={"to": mask_email(user.email)})
    return mask_email(user.email)


def _code_throttled_error(locked_until) -> CodeThrottledError:
    """Wrong codes: django-otp holds the next check back (1, 2, 4... seconds); the message says how
    long ("Wait a few seconds" said neither how long nor when), and `retry_after` carries it."""
    from portal.apiauth.services import wait_text

    if locked_until is None:
        return CodeThrottledError(ERR_CODE_THROTTLED)
    wait = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    error = CodeThrottledError(ERR_CODE_THROTTLED_WAIT.format(wait=wait_text(wait)))
    error.retry_after = wait
    return error


def action_code_verify(*, user: User, action: str, organization: Organization | None = None, code: str) -> None:
    """Check a code sent by action_code_send for the same action and organization. Raises
    CodeError (wrong, expired, used/never sent) or CodeThrottledError. A failure is recorded
    (throttling, audit) even though it raises, so do not call this inside an outer transaction
    that the error would roll back."""
    name = _device_name(action, organization)
    error: CodeError | None = None
    with transaction.atomic():
        device = ActionCodeDevice.objects.select_for_update().filter(user=user, name=name).first()
        if device is None:
            error = CodeError(ERR_CODE_NONE)
        else:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                error = _code_throttled_error((info or {}).get("locked_until"))
            elif not device.token:
                from organizations.selectors import action_code_delivery_failed

                error = CodeError(
                    ERR_CODE_UNDELIVERED.format(to=mask_email(device.email or user.email))
                    if action_code_delivery_failed(user=user, action=action, organization=organization)
                    else ERR_CODE_NONE
                )
            elif device.valid_until is None or device.valid_until <= _now():
                error = CodeError(ERR_CODE_EXPIRED)
            elif not device.verify_token((code or "").strip()):
                error = CodeError(ERR_CODE_WRONG)
        if error is not None:
            _audit(organization=organization, actor=user, action=AuditAction.CODE_FAILED, target=action,
                   details={"reason": error.message})
    if error is not None:
        raise error


def _code_device_target(device: ActionCodeDevice) -> tuple[str, Organization | None]:
    """(action, organization) of a device named by _device_name."""
    if device.name == _device_name(CodeAction.CONFIRMATION, None):
        return CodeAction.CONFIRMATION, None
    if not device.name.startswith("org:"):  # an account's own code (accounts.services_reset)
        return device.name, None
    _, pk, action = device.name.split(":", 2)
    return action, Organization.objects.filter(pk=int(pk)).first()


@transaction.atomic
def action_code_undelivered(*, device_pk: int, valid_until: str) -> None:
    """The email with a code could not be delivered (its task gave up, or in-process delivery
    failed): the code is withdrawn, a new one may be sent at once (no cooldown), the activity log
    says so and the page or API call waiting for it says the email could not be sent. A failure
    reported for an older code (a newer one was sent since, or it was used) changes nothing."""
    user_id = ActionCodeDevice.objects.filter(pk=device_pk).values_list("user_id", flat=True).first()
    if user_id is None:
        return
    # the user's row, then the device: the order action_code_send locks them in (no deadlock with a
    # "Send code" clicked at the moment the mail task gives up)
    User.objects.select_for_update().only("pk").filter(pk=user_id).first()
    device = ActionCodeDevice.objects.select_for_update(of=("self",)).select_related("user").filter(pk=device_pk).first()
    if device is None or not device.token or device.valid_until is None or device.valid_until.isoformat() != valid_until:
        return
    device.token = None
    device.valid_until = _now()
    device.last_generated_timestamp = None
    device.save(update_fields=["token", "valid_until", "last_generated_timestamp"])
    action, organization = _code_device_target(device)
    _audit(organization=organization, actor=device.user, action=AuditAction.CODE_UNDELIVERED, target=action,
           details={"to": mask_email(device.email or device.user.email)})


def confirmation_code_send(*, user: User) -> str:
    """POST /me/verifyemail: email a code that opens the confirmation window."""
    return action_code_send(user=user, action=CodeAction.CONFIRMATION)


def confirmation_confirm(*, user: User, code: str) -> None:
    """POST /confirmation {Code}: a correct code opens a 5-minute window in which the Portal API
    accepts transfer and delete (confirmation_consume)."""
    action_code_verify(user=user, action=CodeAction.CONFIRMATION, code=code)


def confirmation_is_open(*, user: User) -> bool:
    device = ActionCodeDevice.objects.filter(user=user, name=_device_name(CodeAction.CONFIRMATION, None)).first()
    return bool(device and device.last_used_at and device.last_used_at > _now() - CONFIRMATION_WINDOW)


@transaction.atomic
def confirmation_consume(*, user: User) -> bool:
    """True (and closes the window) when the confirmation window is open; pass the result as
    `confirmed=` to organization_transfer / organization_delete."""
    device = (
        ActionCodeDevice.objects.select_for_update()
        .filter(user=user, name=_device_name(CodeAction.CONFIRMATION, None))
        .first()
    )
    if not (device and device.last_used_at and device.last_used_at > _now() - CONFIRMATION_WINDOW):
        return False
    device.last_used_at = None
    device.save(update_fields=["last_used_at"])
    return True


# --- marketplace tokens for the API console -------------------------------------------------------
def minted_token_roles(*, environment: str, marketplace_id: str, username: str, impersonating: str | None) -> list[str] | None:
    """For the built-in core API's refresh_token grant of a token minted by organization_token
    (settings.COREAPI_MINTED_TOKEN_ROLES): the roles the portal user `username` holds *now* in the
    organization of that marketplace, or None when they may no longer have such a token (not a
    contributor any more, the organization deleted, or impersonating a user of kind
    `impersonating` without the matching permission). The refreshed token gets at most these."""
    label = next((name for name, env in environments.environments().items() if env["slug"] == environment), None)
    organization = Organization.objects.filter(environment=label, oc_id=marketplace_id).first() if label else None
    actor = User.objects.filter(username=username, is_active=True).first() if username else None
    if organization is None or actor is None:
        return None
    try:
        membership = _membership(actor=actor, organization=organization)
    except NotFoundError:
        return None
    if impersonating:
        flag = IMPERSONATION_FLAG_OF_USER_KIND.get(impersonating)
        if flag is None or not membership.holds_flag(flag):
            return None
    return list(membership.token_roles)


def organization_token(
    *, actor: User, organization: Organization, client_id: str | None = None, username: str | None = None
) -> dict:
    """A built-in core API token for this organization carrying the actor's data access exactly
    (owner: FullAccess). With client_id + username: a token for that core user, allowed only when
    the actor holds the matching Impersonate seller/supplier/buyer permission; its roles are the
    intersection of the user's and the actor's. Raises coreapi's CoreObjectNotFound for an unknown
    client or user."""
    membership = _membership(actor=actor, organization=organization)
    if not environments.is_builtin(organization.core_api_url):
        raise OrganizationError(ERR_REMOTE_TOKEN)
    core = _core()
    slug = environments.environment_slug(organization.environment)
    if client_id or username:
        from coreapi.models import CoreUser

        # without any impersonation permission, nothing is looked up (which clients and users
        # exist is not theirs to probe); with one, an unknown user is "not found"
        if not membership.can_impersonate:
            raise PermissionError_(ERR_IMPERSONATION_NOT_ALLOWED)
        kind = (
            CoreUser.objects.filter(
                marketplace__environment=slug, marketplace__marketplace_id=organization.oc_id, username=username or ""
            )
            .values_list("kind", flat=True)
            .first()
        )
        flag = IMPERSONATION_FLAG_OF_USER_KIND.get(kind)
        if flag is not None and not membership.holds_flag(flag):
            raise PermissionError_(ERR_IMPERSONATION_NOT_ALLOWED)
    return core.organization_token_mint(
        environment=slug,
        marketplace_id=organization.oc_id,
        roles=membership.token_roles,
        portal_username=actor.username,
        client_id=client_id,
        username=username,
    )
