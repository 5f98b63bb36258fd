"""What a user may do in an organization. One place computes it; services and views ask it."""

from dataclasses import dataclass, field

from organizations.roles import ALL_ROLES, FULL_ACCESS

IMPERSONATION_FLAGS = ("impersonate_seller", "impersonate_supplier", "impersonate_buyer")
# The permission that lets a contributor impersonate a core user of each kind (CoreUser.kind).
IMPERSONATION_FLAG_OF_USER_KIND = {"admin": "impersonate_seller", "supplier": "impersonate_supplier",
                                   "buyer": "impersonate_buyer"}


@dataclass(frozen=True)
class Membership:
    """Effective permissions of one user in one organization (the owner has everything)."""

    organization: object
    user: object
    is_owner: bool = False
    is_admin: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    impersonate_seller: bool = False
    impersonate_supplier: bool = False
    impersonate_buyer: bool = False
    contributor: object | None = None

    @classmethod
    def for_owner(cls, organization, user) -> "Membership":
        return cls(
            organization=organization,
            user=user,
            is_owner=True,
            is_admin=True,
            roles=frozenset(ALL_ROLES),
            impersonate_seller=True,
            impersonate_supplier=True,
            impersonate_buyer=True,
        )

    @classmethod
    def for_contributor(cls, contributor) -> "Membership":
        return cls(
            organization=contributor.organization,
            user=contributor.user,
            is_admin=contributor.is_admin,
            roles=frozenset(contributor.roles),
            impersonate_seller=contributor.impersonate_seller,
            impersonate_supplier=contributor.impersonate_supplier,
            impersonate_buyer=contributor.impersonate_buyer,
            contributor=contributor,
        )

    # What the actor may do ------------------------------------------------------------
    @property
    def can_manage_contributors(self) -> bool:
        return self.is_admin

    @property
    def can_rename(self) -> bool:
        return self.is_admin

    @property
    def can_view_activity(self) -> bool:
        return self.is_admin

    @property
    def can_transfer(self) -> bool:
        return self.is_owner

    @property
    def can_delete(self) -> bool:
        return self.is_owner

    @property
    def token_roles(self) -> list[str]:
        """Roles of a marketplace token minted for this member (owner: FullAccess)."""
        if self.is_owner:
            return [FULL_ACCESS]
        return sorted(self.roles)

    def holds_role(self, role: str) -> bool:
        return self.is_owner or FULL_ACCESS in self.roles or role in self.roles

    def holds_flag(self, flag: str) -> bool:
        return bool(getattr(self, flag))

    @property
    def can_impersonate(self) -> bool:
        """Holds at least one of the impersonation permissions."""
        return any(self.holds_flag(flag) for flag in IMPERSONATION_FLAGS)

    def sorted_roles(self) -> list[str]:
        return [FULL_ACCESS] if self.is_owner else sorted(self.roles)
