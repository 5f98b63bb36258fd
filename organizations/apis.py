"""Portal API: organizations (marketplaces), contributors and their access, the signed-in user's
invitations, the confirmation window for dangerous actions, and API-console tokens.

Thin: every operation parses input, calls one organizations service or selector (they check the
actor's permissions and raise ApplicationError subclasses) and shapes the answer.

Addressing: `/organizations/{id}` names an organization by its Id. A Production organization and
its Staging twin share the Id; without `?environment=` the Sandbox/Production one is meant, and
`?environment=Staging` picks the twin. An organization the caller cannot see is a 404, exactly like
one that does not exist.
"""

from contextlib import contextmanager

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from accounts.apis import UserOut, user_out, verified_email_exists
from accounts.models import User
from coreapi import selectors as core_selectors
from coreapi.schemas import OCBool
from organizations import environments, selectors, services
from organizations.models import Contributor, Environment, Invitation, Organization
from organizations.permissions import Membership
from portal.api_lists import Fld, ListFields, ListParams, PageParams, list_page, list_queryset, list_response, paginate
from portal.apiauth.services import wait_text
from portal.common.errors import ApplicationError, ConfirmationRequiredError, NotFoundError, PermissionError_
from portal.common.ninja_compat import Status

router = Router(tags=["Organizations"])

ERR_ORG_NOT_FOUND = "Organization {id} not found"
ERR_CONTRIBUTOR_NOT_FOUND = "Contributor {username} not found"
ERR_ID_MISMATCH = "The Id in the body ({body}) differs from the Id in the URL ({path})."
ERR_CREATE_SANDBOX_ONLY = (
    "New organizations are Sandbox organizations. Production organizations are created on request "
    "(Organizations > Request Production in the portal); a Staging twin is created by the Production owner."
)
ERR_REGION_FIXED = "The region of an existing organization cannot be changed."
ERR_ENVIRONMENT_FIXED = (
    "The Environment of an existing organization cannot be changed: {id} is a {environment} organization. "
    "Leave Environment out, or send {environment}."
)
ERR_CONFIRMATION_REQUIRED = (
    "Confirm this action first: POST /me/verifyemail emails you a code, and POST /confirmation with "
    "{\"Code\": \"...\"} opens a 5-minute window for one transfer or delete."
)
ERR_TOKEN_PARAMS = "Send both clientid and username (a token for that user), or neither (your own access)."
ERR_NO_CONSOLE_ACCESS = (
    "You need an impersonation permission or the ApiClientReader role in this organization to list its API clients."
)
ERR_REMOTE_CORE_API = "API clients can only be listed for organizations on the built-in core API."


# --- schemas ------------------------------------------------------------------------------------
class RegionIn(BaseModel):  # a plain model: a string "usw" must not validate as an empty Region
    Id: str | None = None
    Name: str | None = None
    AzureRegion: str | None = None


class RegionOut(Schema):
    Id: str
    Name: str
    AzureRegion: str


class OwnerOut(Schema):
    Username: str | None
    Name: str | None
    Email: str


class OrganizationOut(Schema):
    Id: str
    Name: str
    CoreApiUrl: str
    Environment: str
    Region: RegionOut
    Owner: OwnerOut


class OrganizationIn(Schema):
    Id: str | None = Field(None, max_length=200)
    ID: str | None = Field(None, max_length=200, description="Accepted as a synonym of Id.")
    Name: str | None = Field(None, max_length=1000)
    Environment: str | None = Field(None, description="Sandbox for a new organization (the default).")
    Region: RegionIn | None = Field(None, description="Region of a new organization; default usw (US-West).")


class OrganizationTransferIn(Schema):
    Username: str = Field(..., max_length=200)


class ConfirmationIn(Schema):
    Code: str = Field(..., max_length=50)


class VerifyEmailOut(Schema):
    SentTo: str


class UserAssignmentOut(Schema):
    User: UserOut
    Roles: list[str]
    IsAdmin: bool
    Accepted: bool


class OrgAssignmentIn(Schema):
    # booleans as the Portal API (.NET) takes them: true/false or "true"/"false" in any case, not "yes" or 1
    Roles: list[str] | None = Field(None, max_length=200)
    IsAdmin: OCBool = False
    ImpersonateSeller: OCBool | None = None
    ImpersonateSupplier: OCBool | None = None
    ImpersonateBuyer: OCBool | None = None


class ContributorDetailOut(Schema):
    IsAdmin: bool
    ImpersonateSeller: bool
    ImpersonateSupplier: bool
    ImpersonateBuyer: bool
    InheritedRoles: list[str]
    UserAssignment: UserAssignmentOut
    TeamAssignments: list[dict]
    User: UserOut


class ApiClientOut(Schema):
    # The contract's ClientSecret is left out on purpose: secrets are not listed (a client's secret is
    # shown once, where it is made, and only its hash is kept for the newer ones).
    Id: str
    AppName: str | None
    Active: bool
    AllowAnyBuyer: bool
    AllowAnySupplier: bool
    AllowSeller: bool
    IsAnonBuyer: bool
    AssignedBuyerCount: int = Field(..., description="Buyers the client is assigned to (ApiClientAssignments)")
    AssignedSupplierCount: int = Field(..., description="Suppliers the client is assigned to (ApiClientAssignments)")
    AssignedWebhookCount: int = Field(..., description="Webhooks whose ApiClientIDs include the client")


class OrderCloudUserOut(Schema):
    Username: str
    UserId: str
    FirstName: str | None
    LastName: str | None
    Email: str | None
    CommerceRole: str
    CompanyId: str | None
    CompanyName: str | None
    UserActive: bool


class OrderCloudTokenOut(Schema):
    access_token: str
    refresh_token: str | None = None
    token_type: str = "bearer"
    expires_in: int
    coreuser_roles: list[str]
    portaluser_roles: list[str]
    granted_roles: list[str]


class EnvironmentParam(Schema):
    environment: str | None = Field(
        None, description="Sandbox, Staging or Production (any case): picks the Staging twin that shares a Production Id.",
        json_schema_extra={"enum": ["Sandbox", "Staging", "Production"]},
    )


class TokenParams(EnvironmentParam):
    clientid: str | None = Field(None, max_length=200)
    username: str | None = Field(None, max_length=200)


class ApiClientListParams(PageParams, EnvironmentParam):
    search: str | None = None


ORGANIZATION_FIELDS = ListFields(
    filters={
        "ID": "oc_id",
        "Name": "name",
        "Environment": "environment",
        "Region": "region",
        "Region.Id": "region",
        "Owner.Username": "owner__username",
        "Owner.ID": "owner__username",
        "Owner.Email": "owner__email",
        "Owner.Name": "owner__name",
    },
    search={
        "ID": "oc_id",
        "Name": "name",
        "Owner.ID": "owner__username",
        "Owner.Username": "owner__username",
        "Owner.Email": "owner__email",
        "Owner.FirstName": "owner__name",
        "Owner.LastName": "owner__name",
        "Owner.Name": "owner__name",
    },
    sort={
        "ID": "oc_id",
        "Name": "name",
        "Environment": "environment",
        "Region": "region",
        "Owner.Email": "owner__email",
        "Owner.Username": "owner__username",
    },
    default_sort=("name", "oc_id", "environment"),
)

CONTRIBUTOR_FIELDS = ListFields(
    filters={"Username": "username", "Name": "name", "Email": "email"},
    search={"Username": "username", "Name": "name", "Email": "email"},
    sort={"Username": "username", "Name": "name", "Email": "email"},
    default_sort=("username",),
)

API_CLIENT_FIELDS = ListFields(  # ApiClients.List's filters (the SDK's `filters`), as the items spell them
    filters={
        "ID": "oc_id",
        "AppName": "app_name",
        "Active": Fld("active", "bool"),
        "AllowAnyBuyer": Fld("allow_any_buyer", "bool"),
        "AllowAnySupplier": Fld("allow_any_supplier", "bool"),
        "AllowSeller": Fld("allow_seller", "bool"),
        "IsAnonBuyer": Fld("is_anon_buyer", "bool"),
    },
    default_sort=("app_name", "oc_id"),
)

# --- helpers ------------------------------------------------------------------------------------
def organization_out(org: Organization) -> dict:
    region = environments.REGIONS.get(org.region)
    owner = org.owner
    return {
        "Id": org.oc_id,
        "Name": org.name,
        "CoreApiUrl": org.core_api_url,
        "Environment": org.environment,
        "Region": {
            "Id": org.region,
            "Name": region.name if region else org.region,
            "AzureRegion": region.azure_region if region else "",
        },
        "Owner": {"Username": owner.username, "Name": owner.name or None, "Email": owner.email},
    }


def _environment(request: HttpRequest, explicit: str | None = None) -> str | None:
    return explicit or _query_any_case(request, "environment")


def _query_any_case(request: HttpRequest, name: str) -> str | None:
    """A query parameter in any letter case (`environment`, `Environment`; `clientID`)."""
    for key, value in request.GET.items():
        if key.lower() == name and value:
            return value
    return None


def _org(request: HttpRequest, oc_id: str, environment: str | None = None) -> Organization:
    try:
        return selectors.organization_get(actor=request.auth, oc_id=oc_id, environment=_environment(request, environment))
    except NotFoundError as exc:
        raise NotFoundError(
            ERR_ORG_NOT_FOUND.format(id=oc_id), extra={"ObjectType": "Organization", "ObjectID": oc_id}
        ) from exc


@contextmanager
def _not_found_as(object_type: str, object_id: str):
    """A service's NotFoundError in the contract's shape: Data {ObjectType, ObjectID}, and the
    message "{ObjectType} {ObjectID} not found" (portal.api writes it from the Data)."""
    try:
        yield
    except NotFoundError as exc:
        if isinstance(exc.extra, dict) and exc.extra.get("ObjectType"):
            raise
        raise NotFoundError(exc.message, extra={"ObjectType": object_type, "ObjectID": object_id}) from exc


def _assignment(user: User, *, roles, is_admin: bool, accepted: bool) -> dict:
    return {"User": user_out(user), "Roles": sorted(roles), "IsAdmin": is_admin, "Accepted": accepted}


def _membership_assignment(membership: Membership) -> dict:
    return _assignment(membership.user, roles=membership.sorted_roles(), is_admin=membership.is_admin, accepted=True)


def _contributor_detail(membership: Membership) -> dict:
    return {
        "IsAdmin": membership.is_admin,
        "ImpersonateSeller": membership.impersonate_seller,
        "ImpersonateSupplier": membership.impersonate_supplier,
        "ImpersonateBuyer": membership.impersonate_buyer,
        "InheritedRoles": [],
        "UserAssignment": _membership_assignment(membership),
        "TeamAssignments": [],
        "User": user_out(membership.user),
    }


def _confirmed(action):
    """Runs `action(confirmed)` inside one transaction with the caller's confirmation window, which
    is used up only if the action succeeds."""

    def run(user: User):
        with transaction.atomic():
            confirmed = services.confirmation_consume(user=user)
            try:
                return action(confirmed)
            except PermissionError_ as exc:
                if exc.message == services.ERR_CONFIRMATION_REQUIRED:
                    raise ConfirmationRequiredError(ERR_CONFIRMATION_REQUIRED) from exc
                raise

    return run


# --- organizations ------------------------------------------------------------------------------
@router.get(
    "/organizations",
    response=list_page(OrganizationOut),
    summary="Organizations you own or contribute to (filters: Environment, ID, Name, Region, Owner.Username...)",
    operation_id="Organizations_List",
)
def organization_list(request: HttpRequest, params: Query[ListParams]):
    qs = selectors.organization_list(actor=request.auth)
    return list_response(qs, request=request, params=params, fields=ORGANIZATION_FIELDS, serialize=organization_out)


@router.get(
    "/organizations/{id}", response=OrganizationOut, summary="One organization", operation_id="Organizations_Get"
)
def organization_get(request: HttpRequest, id: str, params: Query[EnvironmentParam]):  # noqa: A002
    return organization_out(_org(request, id, params.environment))


def _error_doc(status: int, description: str) -> dict:
    """openapi_extra for an error answer the shared ones (portal.api) do not cover."""
    return {"responses": {status: {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiErrorsOut"}}},
    }}}


@router.put(
    "/organizations/{id}",
    response={200: OrganizationOut, 201: OrganizationOut},
    summary="Create a Sandbox organization with this Id, or rename yours (admins)",
    openapi_extra=_error_doc(409, "The Id is someone else's organization in this environment, or your deleted one (IdExists)"),
    operation_id="Organizations_Save",
)
def organization_save(request: HttpRequest, id: str, payload: OrganizationIn, params: Query[EnvironmentParam]):  # noqa: A002
    """The address (`?environment=`, else the body's Environment) picks the organization as documented;
    the body's Environment must then be the organization's own: it cannot be changed by PUT. A rename
    that sent another Environment got the create-path "New organizations are Sandbox organizations"
    (a Sandbox org with Environment=Production), or it was silently ignored (?environment=Production
    with Environment=Sandbox)."""
    body_id = payload.Id or payload.ID
    if body_id and body_id.strip().lower() != id.lower():  # Ids are case-insensitive, as /organizations/ACME
        raise ApplicationError(ERR_ID_MISMATCH.format(body=body_id, path=id))
    address_environment = _environment(request, params.environment)
    environment = address_environment or payload.Environment
    existing = _organization_or_none(request, id, environment)
    if existing is not None:
        return Status(200, organization_out(_organization_update(request, existing, payload)))
    if any(env and env.strip().lower() != "sandbox" for env in (environment, payload.Environment)):
        if not address_environment:
            # the address alone names one of yours, in another environment than the body's
            _environment_unchanged(_organization_or_none(request, id, None, ambiguous_is_none=True), payload)
        raise ApplicationError(ERR_CREATE_SANDBOX_ONLY, extra={"Field": "Environment"})
    region = _region_id(payload.Region) or environments.DEFAULT_REGION
    try:
        org = services.organization_create(actor=request.auth, oc_id=id, name=payload.Name or "", region=region)
    except services.IdTakenError:
        # Two PUTs of one new Id at once (a client's retry, a double submit): the one that lost
        # the race finds the organization its twin request just created and saves over it, as it
        # would have a moment later, instead of 409 IdExists for the caller's own organization.
        try:
            existing = selectors.organization_get(actor=request.auth, oc_id=id, environment=Environment.SANDBOX)
        except NotFoundError:
            existing = None
        if existing is None or existing.owner_id != request.auth.pk:
            raise
        return Status(200, organization_out(_organization_update(request, existing, payload)))
    return Status(201, organization_out(org))


def _organization_or_none(request: HttpRequest, oc_id: str, environment: str | None, *,
                          ambiguous_is_none: bool = False) -> Organization | None:
    try:
        return selectors.organization_get(actor=request.auth, oc_id=oc_id, environment=environment)
    except NotFoundError:
        return None
    except ApplicationError as exc:
        if ambiguous_is_none and exc.message == selectors.ERR_ID_AMBIGUOUS.format(id=oc_id.strip()):
            return None
        raise


def _environment_unchanged(existing: Organization | None, payload: OrganizationIn) -> None:
    """400 on Environment when the body's Environment is not `existing`'s own."""
    wanted = (payload.Environment or "").strip()
    if existing is not None and wanted and wanted.lower() != existing.environment.lower():
        raise ApplicationError(ERR_ENVIRONMENT_FIXED.format(id=existing.oc_id, environment=existing.environment),
                               extra={"Field": "Environment"})


def _region_id(region: RegionIn | None) -> str | None:
    """The region a body names: by Id, or else by Name or AzureRegion (as GET /me/regions spells
    them). Region {Name: "Europe-West"} without an Id made a US-West organization, whose region
    can never change; a name that is no region's is passed on for the service to refuse."""
    if region is None:
        return None
    if region.Id and region.Id.strip():
        return region.Id
    for given, attribute in ((region.Name, "name"), (region.AzureRegion, "azure_region")):
        if given and given.strip():
            for candidate in environments.REGIONS.values():
                if getattr(candidate, attribute).lower() == given.strip().lower():
                    return candidate.id
            return given
    return None


def _organization_update(request: HttpRequest, existing: Organization, payload: OrganizationIn) -> Organization:
    _environment_unchanged(existing, payload)
    region = _region_id(payload.Region)
    if region and region.strip().lower() != existing.region:
        raise ApplicationError(ERR_REGION_FIXED)
    return services.organization_rename(actor=request.auth, organization=existing, name=payload.Name or "")


@router.delete(
    "/organizations/{id}",
    response={204: None},
    summary="Delete (owner only; needs an open confirmation window). Restorable for 7 days in the portal.",
    operation_id="Organizations_Delete",
)
def organization_delete(request: HttpRequest, id: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _org(request, id, params.environment)
    _confirmed(lambda confirmed: services.organization_delete(actor=request.auth, organization=org, confirmed=confirmed))(
        request.auth
    )
    return Status(204, None)


@router.post(
    "/organizations/{id}/transfer",
    response={204: None},
    summary="Transfer ownership to an accepted contributor (owner only; needs an open confirmation window)",
    operation_id="Organizations_Transfer",
)
def organization_transfer(
    request: HttpRequest,
    id: str,  # noqa: A002
    payload: OrganizationTransferIn,
    params: Query[EnvironmentParam],
):
    org = _org(request, id, params.environment)
    _confirmed(
        lambda confirmed: services.organization_transfer(
            actor=request.auth, organization=org, new_owner_username=payload.Username, confirmed=confirmed
        )
    )(request.auth)
    return Status(204, None)


# --- contributors and access --------------------------------------------------------------------
@router.get(
    "/organizations/{id}/contributors",
    response=list_page(UserOut),
    summary="The owner and accepted contributors",
    operation_id="Organizations_ListContributors",
)
def contributor_list(request: HttpRequest, id: str, params: Query[ListParams], env: Query[EnvironmentParam]):  # noqa: A002
    org = _org(request, id, env.environment)
    contributors = selectors.contributor_list(actor=request.auth, organization=org)
    users = User.objects.filter(pk__in=[org.owner_id, *contributors.values_list("user_id", flat=True)]).annotate(
        email_verified=verified_email_exists()
    )
    return list_response(
        users, request=request, params=params, fields=CONTRIBUTOR_FIELDS, serialize=user_out,
        exclude_filters=["environment"],
    )


@router.get(
    "/organizations/{id}/contributors/{username}",
    response=ContributorDetailOut,
    summary="A contributor's effective access",
    operation_id="Organizations_GetContributor",
)
def contributor_get(request: HttpRequest, id: str, username: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _org(request, id, params.environment)
    try:
        membership = selectors.member_permissions_get(actor=request.auth, organization=org, username=username)
    except NotFoundError as exc:
        raise NotFoundError(
            ERR_CONTRIBUTOR_NOT_FOUND.format(username=username),
            extra={"ObjectType": "Contributor", "ObjectID": username},
        ) from exc
    return _contributor_detail(membership)


@router.get(
    "/organizations/{id}/access/users",
    response=list_page(UserAssignmentOut),
    summary="Everyone with access, and pending invitations (Accepted=false)",
    operation_id="Organizations_ListUserAssignments",
)
def user_assignment_list(request: HttpRequest, id: str, params: Query[PageParams], env: Query[EnvironmentParam]):  # noqa: A002
    org = _org(request, id, env.environment)
    contributors: list[Contributor] = list(selectors.contributor_list(actor=request.auth, organization=org))
    invitations: list[Invitation] = list(selectors.invitation_list_for_organization(actor=request.auth, organization=org))
    # every user's "Verified" in one query, not one per row
    people = {org.owner_id, *(c.user_id for c in contributors), *(i.invitee_id for i in invitations)}
    users = {u.pk: u for u in User.objects.filter(pk__in=people).annotate(email_verified=verified_email_exists())}
    for row in [*contributors, *invitations]:
        if isinstance(row, Contributor):
            row.user = users[row.user_id]
        else:
            row.invitee = users[row.invitee_id]
    owner = Membership.for_owner(org, users[org.owner_id])
    rows = [_membership_assignment(owner)]
    rows += [_assignment(c.user, roles=c.roles, is_admin=c.is_admin, accepted=True) for c in contributors]
    rows += [_assignment(i.invitee, roles=i.roles, is_admin=i.is_admin, accepted=False) for i in invitations]
    return paginate(rows, page=params.page, page_size=params.pageSize, serialize=lambda row: row)


class AuditEntryOut(Schema):
    ID: int
    Date: str
    Actor: str | None = Field(None, description="Username of who did it (None: the system or a deleted user)")
    ActorUsername: str | None = Field(
        None, description="The actor's username when it was done, kept after the account is deleted (None: the system)"
    )
    Action: str
    Target: str
    Details: dict


@router.get(
    "/organizations/{id}/activity",
    response=list_page(AuditEntryOut),
    summary="The organization's audit log, newest first (Organization Admins)",
    operation_id="Organizations_ListActivity",
)
def activity_list(request: HttpRequest, id: str, params: Query[PageParams], env: Query[EnvironmentParam]):  # noqa: A002
    org = _org(request, id, env.environment)
    entries = selectors.audit_list(actor=request.auth, organization=org)
    return paginate(
        entries,
        page=params.page,
        page_size=params.pageSize,
        serialize=lambda e: {
            "ID": e.pk,
            "Date": e.created_at.isoformat().replace("+00:00", "Z"),
            "Actor": e.actor.username if e.actor_id else None,
            "ActorUsername": e.actor_username or None,
            "Action": e.action,
            "Target": e.target,
            "Details": e.details or {},
        },
    )


@router.put(
    "/organizations/{id}/access/users/{username}",
    response=UserAssignmentOut,
    summary="Invite a portal user, or change a contributor's access (admins)",
    description=(
        "OrgAssignmentRequest {Roles, IsAdmin} plus optional ImpersonateSeller, ImpersonateSupplier and "
        "ImpersonateBuyer booleans (omitted = unchanged). A user who is not a contributor is invited "
        "(Accepted=false until they accept); re-inviting updates the pending invitation."
    ),
    operation_id="Organizations_SaveUserAssignment",
)
def user_assignment_save(
    request: HttpRequest,
    id: str,  # noqa: A002
    username: str,
    payload: OrgAssignmentIn,
    params: Query[EnvironmentParam],
):
    org = _org(request, id, params.environment)
    with _not_found_as("User", username):
        saved = services.contributor_save(
            actor=request.auth,
            organization=org,
            username=username,
            roles=payload.Roles or [],
            is_admin=payload.IsAdmin,
            impersonate_seller=payload.ImpersonateSeller,
            impersonate_supplier=payload.ImpersonateSupplier,
            impersonate_buyer=payload.ImpersonateBuyer,
        )
    if isinstance(saved, Invitation):
        return _assignment(saved.invitee, roles=saved.roles, is_admin=saved.is_admin, accepted=False)
    return _assignment(saved.user, roles=saved.roles, is_admin=saved.is_admin, accepted=True)


@router.delete(
    "/organizations/{id}/access/users/{username}",
    response={204: None},
    summary="Remove a contributor or revoke an invitation (admins; anyone may remove themselves)",
    operation_id="Organizations_DeleteUserAssignment",
)
def user_assignment_delete(request: HttpRequest, id: str, username: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _org(request, id, params.environment)
    with _not_found_as("Contributor", username):
        services.contributor_remove(actor=request.auth, organization=org, username=username)
    return Status(204, None)


# --- the signed-in user's invitations and confirmations -----------------------------------------
INVITATION_CLOSED_DOC = {"responses": {410: {
    "description": "The invitation expired (InvitationExpired) or an admin withdrew it (InvitationRevoked)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiErrorsOut"}}},
}}}


@contextmanager
def _invitation_answer(org_id: str):
    """Accept/decline: an invitation that expired or was withdrawn is a 410 saying so
    (InvitationExpired / InvitationRevoked, Data {ObjectType: OrgInvite, ObjectID}); none at all
    stays a 404 "OrgInvite {orgId} not found"."""
    with _not_found_as("OrgInvite", org_id):
        try:
            yield
        except services.InvitationClosedError as exc:
            exc.extra = {"ObjectType": "OrgInvite", "ObjectID": org_id}
            raise


@router.get(
    "/me/orginvites",
    response=list_page(OrganizationOut),
    summary="Your pending invitations (the organizations that invited you)",
    operation_id="CurrentUser_ListOrgInvites",
    tags=["Me"],
)
def me_org_invite_list(request: HttpRequest, params: Query[PageParams]):
    invitations = list(selectors.invitation_list_for_user(user=request.auth))
    return paginate(
        invitations, page=params.page, page_size=params.pageSize, serialize=lambda i: organization_out(i.organization)
    )


@router.post(
    "/me/orginvites/{orgId}/accept",
    response={204: None},
    summary="Accept an invitation: the organization appears in your list",
    openapi_extra=INVITATION_CLOSED_DOC,
    operation_id="CurrentUser_AcceptOrgInvite",
    tags=["Me"],
)
def me_org_invite_accept(request: HttpRequest, orgId: str, params: Query[EnvironmentParam]):  # noqa: N803
    with _invitation_answer(orgId):
        org = selectors.invitation_organization_get(
            user=request.auth, oc_id=orgId, environment=_environment(request, params.environment)
        )
        services.invitation_accept(actor=request.auth, organization=org)
    return Status(204, None)


@router.post(
    "/me/orginvites/{orgId}/decline",
    response={204: None},
    summary="Decline an invitation",
    openapi_extra=INVITATION_CLOSED_DOC,
    operation_id="CurrentUser_DeclineOrgInvite",
    tags=["Me"],
)
def me_org_invite_decline(request: HttpRequest, orgId: str, params: Query[EnvironmentParam]):  # noqa: N803
    with _invitation_answer(orgId):
        org = selectors.invitation_organization_get(
            user=request.auth, oc_id=orgId, environment=_environment(request, params.environment)
        )
        services.invitation_decline(actor=request.auth, organization=org)
    return Status(204, None)


@router.post(
    "/me/verifyemail",
    response=VerifyEmailOut,
    summary="Email yourself a 6-digit code (valid 5 minutes) for POST /confirmation",
    operation_id="CurrentUser_VerifyEmail",
    tags=["Me"],
)
def me_verify_email(request: HttpRequest):
    try:
        return {"SentTo": services.confirmation_code_send(user=request.auth)}
    except services.CodeThrottledError as exc:  # the cooldown after a send (its message says how long)
        exc.retry_after = _confirmation_code_wait(request.auth, verify=False)
        raise


@router.post(
    "/confirmation",
    response={204: None},
    summary="Confirm with the emailed code: opens a 5-minute window for one transfer or delete",
    operation_id="Accounts_Confirm",
    tags=["Me"],
)
def confirmation(request: HttpRequest, payload: ConfirmationIn):
    try:
        services.confirmation_confirm(user=request.auth, code=payload.Code)
    except services.CodeThrottledError as exc:  # wrong codes: "Wait a few seconds" said neither how long nor when
        wait = _confirmation_code_wait(request.auth, verify=True)
        error = services.CodeThrottledError(services.ERR_CODE_THROTTLED_WAIT.format(wait=wait_text(wait)))
        error.retry_after = wait
        raise error from exc
    return Status(204, None)


def _confirmation_code_wait(user: User, *, verify: bool) -> int:
    """Seconds until the confirmation code may be checked again (verify) or sent again: django-otp's
    throttle after wrong codes (1, 2, 4… seconds) or the cooldown after a send."""
    import math

    from django.conf import settings
    from django.utils import timezone

    from organizations.models import ActionCodeDevice

    device = ActionCodeDevice.objects.filter(
        user=user, name=services._device_name(services.CodeAction.CONFIRMATION, None)
    ).first()
    allowed, info = (device.verify_is_allowed() if verify else device.generate_is_allowed()) if device else (True, None)
    until = (info or {}).get("locked_until" if verify else "next_generation_at")
    if allowed or until is None:
        return 1 if verify else settings.OTP_EMAIL_COOLDOWN_DURATION
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


# --- API console: clients, their users, tokens -------------------------------------------------
def _console_membership(request: HttpRequest, org: Organization) -> Membership:
    membership = selectors.membership_get(actor=request.auth, organization=org)
    may = (
        membership.impersonate_seller
        or membership.impersonate_buyer
        or membership.impersonate_supplier
        or membership.holds_role("ApiClientReader")
        or membership.holds_role("ApiClientAdmin")
    )
    if not may:
        raise PermissionError_(ERR_NO_CONSOLE_ACCESS)
    if not environments.is_builtin(org.core_api_url):
        raise ApplicationError(ERR_REMOTE_CORE_API)
    return membership


def _marketplace(org: Organization) -> dict:
    return {"environment": environments.environment_slug(org.environment), "marketplace_id": org.oc_id}


@router.get(
    "/organizations/{id}/apiclients",
    response=list_page(ApiClientOut),
    summary="API clients of the organization's marketplace (for the API console)",
    operation_id="ApiClients_List",
    tags=["ApiClients"],
)
def api_client_list(request: HttpRequest, id: str, params: Query[ApiClientListParams]):  # noqa: A002
    org = _org(request, id, params.environment)
    _console_membership(request, org)
    clients = core_selectors.api_client_queryset(**_marketplace(org), search=params.search)
    clients = list_queryset(
        clients, request=request, params=ListParams(page=params.page, pageSize=params.pageSize),
        fields=API_CLIENT_FIELDS, exclude_filters=["environment"],
    )
    page = paginate(clients, page=params.page, page_size=params.pageSize, serialize=lambda client: client)
    counts = _api_client_counts(page["Items"])
    page["Items"] = [_api_client_out(core_selectors.api_client_row(c), counts.get(c.oc_id, {})) for c in page["Items"]]
    return page


def _api_client_counts(clients: list) -> dict[str, dict[str, int]]:
    """{client Id: {AssignedBuyerCount, AssignedSupplierCount, AssignedWebhookCount}} for a page of
    one marketplace's clients, in two queries whatever the page size (not three per client): the
    assignments counted as the core API's ApiClient counts them, and the marketplace's webhooks'
    ApiClientIDs (a JSON list, which SQLite cannot search) read once."""
    from django.db.models import Count, Q

    from coreapi.models import ApiClientAssignment, Webhook

    if not clients:
        return {}
    marketplace_id, ids = clients[0].marketplace_id, [c.oc_id for c in clients]
    counts = {i: {"AssignedBuyerCount": 0, "AssignedSupplierCount": 0, "AssignedWebhookCount": 0} for i in ids}
    rows = (
        ApiClientAssignment.objects.filter(marketplace_id=marketplace_id, api_client_id__in=ids)
        .values("api_client_id")
        .annotate(buyers=Count("pk", filter=~Q(buyer_id="")), suppliers=Count("pk", filter=~Q(supplier_id="")))
    )
    for row in rows:
        counts[row["api_client_id"]].update(AssignedBuyerCount=row["buyers"], AssignedSupplierCount=row["suppliers"])
    for client_ids in Webhook.objects.filter(marketplace_id=marketplace_id).values_list("api_client_ids", flat=True):
        for client_id in set(client_ids or []) if isinstance(client_ids, list) else ():
            if client_id in counts:
                counts[client_id]["AssignedWebhookCount"] += 1
    return counts


def _api_client_out(c: dict, counts: dict | None = None) -> dict:
    counts = counts or {}
    return {
        "Id": c["ID"],
        "AppName": c.get("AppName"),
        "Active": c["Active"],
        "AllowAnyBuyer": c["AllowAnyBuyer"],
        "AllowAnySupplier": c["AllowAnySupplier"],
        "AllowSeller": c["AllowSeller"],
        "IsAnonBuyer": c["IsAnonBuyer"],
        "AssignedBuyerCount": counts.get("AssignedBuyerCount", 0),
        "AssignedSupplierCount": counts.get("AssignedSupplierCount", 0),
        "AssignedWebhookCount": counts.get("AssignedWebhookCount", 0),
    }


@router.get(
    "/organizations/{id}/apiclients/{clientid}/users",
    response=list_page(OrderCloudUserOut),
    summary="Core users who can sign in through this API client and whom you may impersonate",
    operation_id="ApiClients_ListUsers",
    tags=["ApiClients"],
)
def api_client_user_list(request: HttpRequest, id: str, clientid: str, params: Query[ApiClientListParams]):  # noqa: A002
    org = _org(request, id, params.environment)
    membership = _console_membership(request, org)
    allowed = {
        role
        for role, may in (
            ("Seller", membership.impersonate_seller),
            ("Buyer", membership.impersonate_buyer),
            ("Supplier", membership.impersonate_supplier),
        )
        if may
    }
    users = core_selectors.api_client_user_queryset(
        **_marketplace(org), client_id=clientid, search=params.search, commerce_roles=allowed
    )
    page = paginate(users, page=params.page, page_size=params.pageSize, serialize=lambda u: u)
    page["Items"] = [
        {
            "Username": u["Username"],
            "UserId": u["ID"],
            "FirstName": u.get("FirstName"),
            "LastName": u.get("LastName"),
            "Email": u.get("Email"),
            "CommerceRole": u["CommerceRole"],
            "CompanyId": u.get("CompanyID"),
            "CompanyName": u.get("CompanyName"),
            "UserActive": u["Active"],
        }
        for u in core_selectors.api_client_user_rows(**_marketplace(org), users=page["Items"])
    ]
    return page


@router.get(
    "/organizations/{id}/token",
    response=OrderCloudTokenOut,
    summary="A core API token for this marketplace with exactly your data access",
    description=(
        "Without parameters: a token for you (a user that does not exist in the marketplace) whose roles are "
        "your Roles in this organization (the owner: FullAccess). With clientid and username: a token for that "
        "core user through that API client, with the roles you both hold; needs the matching Impersonate* "
        "permission."
    ),
    operation_id="ApiClients_GetToken",
    tags=["ApiClients"],
)
def organization_token(request: HttpRequest, id: str, params: Query[TokenParams]):  # noqa: A002
    # in any case (`clientID`, `Username`): read as `clientid` only, they were ignored and the
    # caller got a token of their own access (the owner's FullAccess) instead of the user's
    client_id = params.clientid or _query_any_case(request, "clientid")
    username = params.username or _query_any_case(request, "username")
    if bool(client_id) != bool(username):
        raise ApplicationError(ERR_TOKEN_PARAMS)
    org = _org(request, id, params.environment)
    return services.organization_token(
        actor=request.auth, organization=org, client_id=client_id or None, username=username or None
    )


# --- staging restore and the [BETA] staging restore webhook (issue #7) ---------------------------
# These name the Staging org: without ?environment= the Staging twin with this Id is meant. A
# Sandbox or Production org is a 400 ("only Staging organizations"); outsiders get 404, members
# who are not Organization Admins 403.
from organizations import selectors_restore, services_restore  # noqa: E402


class StagingRestoreWebhookIn(Schema):
    URL: str | None = Field(None, max_length=2000, description="Required: where to POST after each restore.")
    HashKey: str | None = Field(None, max_length=200, description="Signs the body: X-oc-hash = base64(HMAC-SHA256).")


class StagingRestoreWebhookOut(Schema):
    URL: str
    HashKey: str


class RestoreTableOut(Schema):
    Resource: str
    Label: str
    RowsCopied: int
    RowsRemoved: int
    Milliseconds: float


class StagingRestoreOut(Schema):
    ID: int
    OrganizationID: str
    Environment: str
    Status: str = Field(..., description="Queued, Running, Succeeded or Failed")
    Trigger: str = Field(..., description="Manual or Schedule")
    RequestedBy: str | None
    DateQueued: str
    DateStarted: str | None
    DateFinished: str | None
    TablesDone: int
    TablesTotal: int
    PercentDone: int
    RowsCopied: int
    Report: list[RestoreTableOut]
    Error: str | None


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _table_out(t: dict) -> dict:
    return {"Resource": t["resource"], "Label": t.get("label", t["resource"]), "RowsCopied": t["rows_copied"],
            "RowsRemoved": t.get("rows_removed", 0), "Milliseconds": t.get("ms", 0)}


def staging_restore_out(run) -> dict:
    progress = selectors_restore.staging_restore_progress(restore=run)
    return {
        "ID": run.pk,
        "OrganizationID": run.organization.oc_id,
        "Environment": run.organization.environment,
        "Status": run.get_status_display(),
        "Trigger": "Schedule" if run.trigger == "schedule" else "Manual",
        "RequestedBy": run.requested_by.username if run.requested_by else None,
        "DateQueued": _iso(run.created_at),
        "DateStarted": _iso(run.started_at),
        "DateFinished": _iso(run.finished_at),
        "TablesDone": progress.done,
        "TablesTotal": progress.total,
        "PercentDone": progress.percent,
        "RowsCopied": sum(t.get("rows_copied", 0) for t in progress.tables),
        "Report": [_table_out(t) for t in progress.tables],
        "Error": run.error or None,
    }


def _restore_org(request: HttpRequest, oc_id: str) -> Organization:
    """The Staging org with this Id; failing that, the visible org with this Id (the services then
    answer "only Staging organizations"); failing that, 404."""
    explicit = _environment(request)
    if explicit:
        return _org(request, oc_id, explicit)
    try:
        return _org(request, oc_id, "Staging")
    except NotFoundError:
        return _org(request, oc_id)


def _webhook_out(hook) -> dict:
    return {"URL": hook.url, "HashKey": hook.hash_key}


@router.get(
    "/organizations/{id}/stagingrestorewebhook",
    response=StagingRestoreWebhookOut,
    summary="[BETA] The Staging organization's restore webhook (Organization Admins)",
    operation_id="Organizations_GetStagingRestoreWebhook",
)
def staging_restore_webhook_get(request: HttpRequest, id: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _restore_org(request, id)
    with _not_found_as("StagingRestoreWebhook", id):
        hook = services_restore.restore_webhook_get(actor=request.auth, organization=org)
    return _webhook_out(hook)


@router.put(
    "/organizations/{id}/stagingrestorewebhook",
    response=StagingRestoreWebhookOut,
    summary="[BETA] Set the URL (required) and HashKey POSTed after each restore of this Staging organization",
    operation_id="Organizations_SaveStagingRestoreWebhook",
)
def staging_restore_webhook_save(request: HttpRequest, id: str, payload: StagingRestoreWebhookIn,  # noqa: A002
                                 params: Query[EnvironmentParam]):  # fmt: skip
    org = _restore_org(request, id)
    hook = services_restore.restore_webhook_save(
        actor=request.auth, organization=org, url=payload.URL or "", hash_key=payload.HashKey or ""
    )
    return _webhook_out(hook)


@router.delete(
    "/organizations/{id}/stagingrestorewebhook",
    response={204: None},
    summary="[BETA] Remove the restore webhook",
    operation_id="Organizations_DeleteStagingRestoreWebhook",
)
def staging_restore_webhook_delete(request: HttpRequest, id: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _restore_org(request, id)
    with _not_found_as("StagingRestoreWebhook", id):
        services_restore.restore_webhook_delete(actor=request.auth, organization=org)
    return Status(204, None)


class RestoreWebhookTestOut(Schema):
    DeliveryID: str = Field(..., description="The test payload's DeliveryID, the same on each of its attempts")


@router.post(
    "/organizations/{id}/stagingrestorewebhook/test",
    response={202: RestoreWebhookTestOut},
    summary="[BETA] Send a signed payload with Test=true to the restore webhook (delivered in the background)",
    description="Answers the payload's DeliveryID: its attempts are listed under that ID by "
                "`GET …/stagingrestorewebhook/deliveries` (and sent in the X-Portal-Delivery header).",
    operation_id="Organizations_TestStagingRestoreWebhook",
)
def staging_restore_webhook_test(request: HttpRequest, id: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _restore_org(request, id)
    with _not_found_as("StagingRestoreWebhook", id):
        payload = services_restore.restore_webhook_test(actor=request.auth, organization=org)
    return Status(202, {"DeliveryID": payload["DeliveryID"]})


class RestoreWebhookDeliveryOut(Schema):
    DeliveryID: str = Field(..., description="The same on every attempt of one payload (its DeliveryID)")
    RestoreID: int | None = Field(..., description="null for a test payload")
    Test: bool
    Attempt: int
    Final: bool = Field(..., description="No attempt follows this one: delivered, a failure that is not retried "
                        "(3xx, 4xx other than 408/429, a refused URL) or the last attempt")
    URL: str = Field(..., description="Where it was POSTed (a user:password in it is shown as ***)")
    StatusCode: int | None = Field(..., description="null when no answer came (network error, timeout, refused)")
    LatencyMs: int | None
    Error: str | None
    Date: str


def _delivery_out(d) -> dict:
    from portal.common.outbound import url_for_log

    return {"DeliveryID": d.delivery_id, "RestoreID": d.restore_id, "Test": d.test, "Attempt": d.attempt,
            "Final": d.final, "URL": url_for_log(d.url), "StatusCode": d.status_code, "LatencyMs": d.latency_ms, "Error": d.error or None,
            "Date": _iso(d.created_at)}


@router.get(
    "/organizations/{id}/stagingrestorewebhook/deliveries",
    response=list_page(RestoreWebhookDeliveryOut),
    summary="[BETA] Every attempt to POST the restore webhook, newest first (what the Staging restore tab lists)",
    operation_id="Organizations_ListStagingRestoreWebhookDeliveries",
)
def staging_restore_webhook_deliveries(request: HttpRequest, id: str, params: Query[PageParams],  # noqa: A002
                                       env: Query[EnvironmentParam]):  # fmt: skip
    org = _restore_org(request, id)
    deliveries = selectors_restore.restore_webhook_delivery_list(actor=request.auth, organization=org)
    return paginate(deliveries, page=params.page, page_size=params.pageSize, serialize=_delivery_out)


@router.post(
    "/organizations/{id}/stagingrestores",
    response={202: StagingRestoreOut},
    summary="Restore this Staging organization from its Production twin now (Organization Admins)",
    description="Queued at once; poll GET /organizations/{id}/stagingrestores/{restoreID} for progress. "
                "409 RestoreRunning when a restore is already queued or running; 503 ServiceUnavailable when "
                "the task queue is down (nothing is started).",
    openapi_extra=_error_doc(409, "A restore of this organization is already queued or running (RestoreRunning)"),
    operation_id="Organizations_StartStagingRestore",
)
def staging_restore_start(request: HttpRequest, id: str, params: Query[EnvironmentParam]):  # noqa: A002
    org = _restore_org(request, id)
    run = services_restore.staging_restore_start(actor=request.auth, organization=org)
    run.refresh_from_db()  # eager mode (embedded) has finished it already
    return Status(202, staging_restore_out(run))


@router.get(
    "/organizations/{id}/stagingrestores",
    response=list_page(StagingRestoreOut),
    summary="Restores of this Staging organization, newest first",
    operation_id="Organizations_ListStagingRestores",
)
def staging_restore_list(request: HttpRequest, id: str, params: Query[PageParams], env: Query[EnvironmentParam]):  # noqa: A002
    org = _restore_org(request, id)
    runs = selectors_restore.staging_restore_list(actor=request.auth, organization=org).select_related("organization")
    return paginate(runs, page=params.page, page_size=params.pageSize, serialize=staging_restore_out)


@router.get(
    "/organizations/{id}/stagingrestores/{restoreID}",
    response=StagingRestoreOut,
    summary="One restore: status, progress table by table, and the per-resource report",
    operation_id="Organizations_GetStagingRestore",
)
def staging_restore_get(request: HttpRequest, id: str, restoreID: str, params: Query[EnvironmentParam]):  # noqa: A002,N803
    org = _restore_org(request, id)
    with _not_found_as("StagingRestore", restoreID):
        run = selectors_restore.staging_restore_get(actor=request.auth, organization=org, pk=restoreID)
    return staging_restore_out(run)
