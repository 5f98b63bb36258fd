"""Portal API: the signed-in user (`/me`, `/me/regions`) and the user directory (`/portalusers`).

The directory finds users by username or name prefix (accounts.selectors.user_search) and never
exposes an email address; an empty search lists nobody, so the directory cannot be enumerated.
"""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from ninja import Query, Router, Schema

from accounts import selectors
from accounts.models import User
from portal.api_lists import PageParams, list_page, paginate
from portal.common.errors import NotFoundError

router = Router(tags=["Me", "PortalUsers"])

ERR_USER_NOT_FOUND = "User {username} not found"


class UserOut(Schema):
    Username: str | None
    Name: str | None
    Email: str
    TermsAccepted: str | None = None
    Country: str | None = None
    Region: str | None = None
    SCAdmin: bool = False
    Verified: bool = False


class UserSearchResultOut(Schema):
    Username: str
    Name: str | None


class RegionOut(Schema):
    Id: str
    Name: str
    AzureRegion: str


class DevRegionAccessOut(Schema):
    Region: RegionOut
    CanCreateQa: bool = False
    CanCreateProduction: bool = False
    CanCreateSandbox: bool = True


class PortalUserListParams(PageParams):
    search: str | None = None


def verified_email_exists():
    """An Exists() for annotating users with `email_verified` (their email is a confirmed address),
    so that a list serializes every user's "Verified" without one query per row."""
    return Exists(EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True))


def user_out(user: User) -> dict:
    verified = getattr(user, "email_verified", None)  # annotated by lists: verified_email_exists()
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
    return {
        "Username": user.username,
        "Name": user.name or None,
        "Email": user.email,
        "SCAdmin": user.is_staff,
        "Verified": verified,
    }


def user_search_result_out(user: User) -> dict:
    return {"Username": user.username, "Name": user.name or None}


def _region_access(user: User) -> list[dict]:
    from organizations import selectors as org_selectors

    rows = []
    for row in org_selectors.region_access(user=user):
        region = row["Region"]
        if not isinstance(region, dict):  # an organizations.environments.Region
            region = {"Id": region.id, "Name": region.name, "AzureRegion": region.azure_region}
        rows.append(
            {
                "Region": region,
                "CanCreateQa": False,
                "CanCreateSandbox": bool(row.get("CanCreateSandbox", True)),
                "CanCreateProduction": bool(row.get("CanCreateProduction", False)),
            }
        )
    return rows


@router.get("/me", response=UserOut, summary="The signed-in portal user", operation_id="CurrentUser_Get", tags=["Me"])
def me_get(request: HttpRequest):
    return user_out(request.auth)


@router.get(
    "/me/regions",
    response=list_page(DevRegionAccessOut),
    summary="Regions where the signed-in user may create organizations",
    operation_id="CurrentUser_ListRegions",
    tags=["Me"],
)
def me_regions_list(request: HttpRequest, params: Query[PortalUserListParams]):
    rows = _region_access(request.auth)
    if params.search:
        needle = params.search.strip().lower()
        rows = [r for r in rows if needle in r["Region"]["Id"].lower() or needle in r["Region"]["Name"].lower()]
    return paginate(rows, page=params.page, page_size=params.pageSize, serialize=lambda r: r)


@router.get(
    "/portalusers",
    response=list_page(UserSearchResultOut),
    summary="Find portal users by username or name (at most 10; never their email)",
    operation_id="PortalUsers_List",
    tags=["PortalUsers"],
)
def portal_user_list(request: HttpRequest, params: Query[PortalUserListParams]):
    users = list(selectors.user_search(query=params.search or ""))
    return paginate(users, page=params.page, page_size=params.pageSize, serialize=user_search_result_out)


@router.get(
    "/portalusers/{username}",
    response=UserSearchResultOut,
    summary="One portal user by username",
    operation_id="PortalUsers_Get",
    tags=["PortalUsers"],
)
def portal_user_get(request: HttpRequest, username: str):
    user = selectors.user_get_by_username(username=username)
    if user is None or not user.username:
        raise NotFoundError(
            ERR_USER_NOT_FOUND.format(username=username), extra={"ObjectType": "User", "ObjectID": username}
        )
    return user_search_result_out(user)
