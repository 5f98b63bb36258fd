"""OrderCloud API roles (ApiRole in the SDK's dist/models/ApiRole.d.ts, 92 values, in SDK order).

`FullAccess` implies every role. Custom roles (any other string, from SecurityProfile.CustomRoles)
are carried through tokens unchanged. `ROLE_GROUPS` groups the roles by resource for the UI.
"""

from collections.abc import Iterable

FULL_ACCESS = "FullAccess"

ALL_ROLES: tuple[str, ...] = (
    "ApiClientAdmin",
    "ApiClientReader",
    "AddressAdmin",
    "AddressReader",
    "AdminAddressAdmin",
    "AdminAddressReader",
    "AdminUserAdmin",
    "AdminUserGroupAdmin",
    "AdminUserGroupReader",
    "AdminUserReader",
    "ApprovalRuleAdmin",
    "ApprovalRuleReader",
    "BundleAdmin",
    "BundleAssignmentAdmin",
    "BundleReader",
    "BuyerAdmin",
    "BuyerImpersonation",
    "BuyerReader",
    "BuyerUserAdmin",
    "BuyerUserReader",
    "CatalogAdmin",
    "CatalogReader",
    "CategoryAdmin",
    "CategoryReader",
    "CostCenterAdmin",
    "CostCenterReader",
    "CreditCardAdmin",
    "CreditCardReader",
    "EntitySyncConfigAdmin",
    "FullAccess",
    "IncrementorAdmin",
    "IncrementorReader",
    "LocaleReader",
    "LocaleAdmin",
    "MeAddressAdmin",
    "MeAdmin",
    "MeCreditCardAdmin",
    "MessageConfigAssignmentAdmin",
    "MeSubscriptionAdmin",
    "MeXpAdmin",
    "OrderAdmin",
    "OrderReader",
    "OverrideShipping",
    "OverrideTax",
    "OverrideUnitPrice",
    "PasswordReset",
    "PriceScheduleAdmin",
    "PriceScheduleReader",
    "ProductAdmin",
    "ProductAssignmentAdmin",
    "ProductCollectionReader",
    "ProductFacetAdmin",
    "ProductFacetReader",
    "ProductReader",
    "ProductSyncConfigAdmin",
    "PromotionAdmin",
    "PromotionReader",
    "SecurityProfileAdmin",
    "SecurityProfileReader",
    "SetSecurityProfile",
    "ShipmentAdmin",
    "ShipmentReader",
    "Shopper",
    "SpendingAccountAdmin",
    "SpendingAccountReader",
    "SubscriptionAdmin",
    "SubscriptionReader",
    "SupplierAddressAdmin",
    "SupplierAddressReader",
    "SupplierAdmin",
    "SupplierReader",
    "SupplierUserAdmin",
    "SupplierUserGroupAdmin",
    "SupplierUserGroupReader",
    "SupplierUserReader",
    "UnsubmittedOrderReader",
    "UserGroupAdmin",
    "UserGroupReader",
    "OpenIDConnectReader",
    "OpenIDConnectAdmin",
    "MessageSenderReader",
    "MessageSenderAdmin",
    "XpIndexAdmin",
    "WebhookReader",
    "WebhookAdmin",
    "IntegrationEventReader",
    "IntegrationEventAdmin",
    "TrackingEventReader",
    "TrackingEventAdmin",
    "DeliveryConfigAdmin",
    "OrderSyncConfigAdmin",
    "ErrorConfigAdmin",
)
ROLE_SET = frozenset(ALL_ROLES)

# For pickers: resource -> its roles. Every role appears exactly once (tested).
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "Full access": ("FullAccess",),
    "API clients": ("ApiClientAdmin", "ApiClientReader"),
    "Security profiles": ("SecurityProfileAdmin", "SecurityProfileReader", "SetSecurityProfile"),
    "Admin users": ("AdminUserAdmin", "AdminUserReader", "AdminUserGroupAdmin", "AdminUserGroupReader"),
    "Admin addresses": ("AdminAddressAdmin", "AdminAddressReader"),
    "Buyers": ("BuyerAdmin", "BuyerReader", "BuyerImpersonation"),
    "Buyer users": ("BuyerUserAdmin", "BuyerUserReader", "UserGroupAdmin", "UserGroupReader", "PasswordReset"),
    "Addresses": ("AddressAdmin", "AddressReader"),
    "Suppliers": ("SupplierAdmin", "SupplierReader", "SupplierAddressAdmin", "SupplierAddressReader"),
    "Supplier users": ("SupplierUserAdmin", "SupplierUserReader", "SupplierUserGroupAdmin", "SupplierUserGroupReader"),
    "Catalogs": ("CatalogAdmin", "CatalogReader", "CategoryAdmin", "CategoryReader"),
    "Products": (
        "ProductAdmin",
        "ProductReader",
        "ProductAssignmentAdmin",
        "ProductFacetAdmin",
        "ProductFacetReader",
        "ProductCollectionReader",
        "ProductSyncConfigAdmin",
        "PriceScheduleAdmin",
        "PriceScheduleReader",
        "BundleAdmin",
        "BundleAssignmentAdmin",
        "BundleReader",
    ),
    "Orders": (
        "OrderAdmin",
        "OrderReader",
        "UnsubmittedOrderReader",
        "OverrideShipping",
        "OverrideTax",
        "OverrideUnitPrice",
        "ShipmentAdmin",
        "ShipmentReader",
        "ApprovalRuleAdmin",
        "ApprovalRuleReader",
        "OrderSyncConfigAdmin",
    ),
    "Promotions": ("PromotionAdmin", "PromotionReader"),
    "Payments": (
        "CostCenterAdmin",
        "CostCenterReader",
        "CreditCardAdmin",
        "CreditCardReader",
        "SpendingAccountAdmin",
        "SpendingAccountReader",
    ),
    "Subscriptions": ("SubscriptionAdmin", "SubscriptionReader"),
    "Me (shopper)": ("MeAdmin", "MeAddressAdmin", "MeCreditCardAdmin", "MeSubscriptionAdmin", "MeXpAdmin", "Shopper"),
    "Integrations": (
        "WebhookAdmin",
        "WebhookReader",
        "IntegrationEventAdmin",
        "IntegrationEventReader",
        "MessageSenderAdmin",
        "MessageSenderReader",
        "MessageConfigAssignmentAdmin",
        "OpenIDConnectAdmin",
        "OpenIDConnectReader",
        "DeliveryConfigAdmin",
        "TrackingEventAdmin",
        "TrackingEventReader",
        "EntitySyncConfigAdmin",
        "ErrorConfigAdmin",
    ),
    "Settings": ("IncrementorAdmin", "IncrementorReader", "LocaleAdmin", "LocaleReader", "XpIndexAdmin"),
}


def split_roles(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(API roles, custom roles), each de-duplicated in first-seen order."""
    api: list[str] = []
    custom: list[str] = []
    for value in values:
        if not value:
            continue
        target = api if value in ROLE_SET else custom
        if value not in target:
            target.append(value)
    return api, custom


def expand(roles: Iterable[str]) -> frozenset[str]:
    """The effective roles: FullAccess implies every API role (custom roles are kept)."""
    roles = frozenset(roles)
    if FULL_ACCESS in roles:
        return roles | ROLE_SET
    return roles


def grant(*, requested: Iterable[str] | None, available: Iterable[str]) -> list[str]:
    """Roles a token gets: requested ∩ available (FullAccess in `available` covers every API role).

    No request (None or empty) means everything available. Asking for more is not an error.
    Custom roles are granted only when available themselves.
    """
    available = list(dict.fromkeys(available))
    if not requested:
        return available
    effective = expand(available)
    out: list[str] = []
    for role in dict.fromkeys(requested):
        if role in ROLE_SET:
            if role in effective:
                out.append(role)
        elif role in available:
            out.append(role)
    return out


def has_any(token_roles: Iterable[str], needed: Iterable[str]) -> bool:
    effective = expand(token_roles)
    return any(role in effective for role in needed)


def intersect(requested: Iterable[str], available: Iterable[str]) -> list[str]:
    """Symmetric intersection with FullAccess expanded on both sides (FullAccess kept if in both)."""
    requested = list(dict.fromkeys(requested))
    available = list(dict.fromkeys(available))
    if FULL_ACCESS in requested and FULL_ACCESS in available:
        api = [FULL_ACCESS]
    else:
        req, avail = expand(requested), expand(available)
        api = [r for r in ALL_ROLES if r in req and r in avail and r != FULL_ACCESS]
    custom = [r for r in requested if r not in ROLE_SET and r in available]
    return api + custom
