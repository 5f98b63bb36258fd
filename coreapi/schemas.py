"""Pydantic schemas with the SDK's field names (dist/models/*.d.ts of ordercloud-javascript-sdk 12).

Each resource has one full schema here; POST, PUT and PATCH bodies are validated against it too, and
`coreapi.resources` ignores the read-only fields and enforces the required ones (none for PATCH). The
OpenAPI document serves one schema per resource and lists what a create or replace needs on those operations
(coreapi.apis.REQUIRED_BODY_FIELDS).
"""

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from coreapi.errors import MSG_BAD_BOOL
from coreapi.tokens import MAX_ACCESS_TOKEN_MINUTES

T = TypeVar("T")

IntegrationEventTypeT = Literal["OrderCheckout", "OpenIDConnect", "OrderReturn", "AddToCart"]
PriceMarkupTypeT = Literal["NoMarkup", "AmountPerQuantity", "AmountTotal", "Percentage"]
MessageType = Literal[
    "OrderDeclined", "OrderSubmitted", "ShipmentCreated", "ForgottenPassword", "ForgottenUsername",
    "OrderSubmittedForYourApproval", "OrderSubmittedForApproval", "OrderApproved",
    "OrderSubmittedForYourApprovalHasBeenApproved", "OrderSubmittedForYourApprovalHasBeenDeclined",
    "NewUserInvitation", "OrderReturnDeclined", "OrderReturnSubmitted", "OrderReturnSubmittedForYourApproval",
    "OrderReturnSubmittedForApproval", "OrderReturnApproved", "OrderReturnSubmittedForYourApprovalHasBeenApproved",
    "OrderReturnSubmittedForYourApprovalHasBeenDeclined", "OrderReturnCompleted", "SubscriptionReminder",
    "ProductCollectionInvitationAccepted", "ProductCollectionInvitationDeclined", "OneTimePassword",
]  # fmt: skip
Xp = dict[str, Any]
# An integer inside an object the API stores as JSON (PriceBreaks, Inventory; PasswordConfig's have narrower
# ranges): 32-bit like every other integer field (those are checked by their database columns) and OrderCloud's.
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def _oc_bool(value: Any) -> bool:
    """JSON true/false, or the strings "true"/"false" in any letter case: what OrderCloud (Json.NET,
    ASP.NET model binding) accepts. Pydantic's lax mode would also take "yes", "on", "1", 1, 0 ...;
    those are a 400 here as there. JSON null never gets here (`OCBool | None`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PydanticCustomError("bool_type", MSG_BAD_BOOL)


# Every boolean of a body (and the boolean query parameters); the OpenAPI document still says boolean.
OCBool = Annotated[bool, BeforeValidator(_oc_bool)]


class OC(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Meta(OC):
    Page: int
    PageSize: int
    TotalCount: int
    TotalPages: int
    ItemRange: list[int]
    NextPageKey: str | None = None


class ListPage(OC, Generic[T]):
    Items: list[T]
    Meta: Meta


class ErrorItem(OC):
    ErrorCode: str
    Message: str
    Data: Any = None


class ErrorBody(OC):
    Errors: list[ErrorItem]


class OAuthErrorBody(OC):
    error: str
    error_description: str
    Errors: list[ErrorItem]


class AccessToken(OC):
    access_token: str
    expires_in: int
    token_type: str
    refresh_token: str | None = None


# --- authentication and authorization ---------------------------------------------------------


class ApiClient(OC):
    ID: str | None = None
    ClientSecret: str | None = None
    AccessTokenDuration: int | None = Field(None, ge=10, le=MAX_ACCESS_TOKEN_MINUTES)
    Active: OCBool | None = None
    AppName: str | None = Field(None, max_length=200)
    RefreshTokenDuration: int | None = Field(None, ge=0, le=525600)
    AnonymousTokenDuration: int | None = Field(None, ge=10, le=MAX_ACCESS_TOKEN_MINUTES)
    DefaultContextUserName: str | None = None
    xp: Xp | None = None
    AllowAnyBuyer: OCBool | None = None
    AllowAnySupplier: OCBool | None = None
    AllowSeller: OCBool | None = None
    IsAnonBuyer: OCBool | None = None
    AssignedBuyerCount: int | None = None
    AssignedSupplierCount: int | None = None
    OrderCheckoutIntegrationEventID: str | None = None
    OrderCheckoutIntegrationEventName: str | None = None
    OrderReturnIntegrationEventID: str | None = None
    OrderReturnIntegrationEventName: str | None = None
    AddToCartIntegrationEventID: str | None = None
    AddToCartIntegrationEventName: str | None = None
    MinimumRequiredRoles: list[str] | None = None
    MinimumRequiredCustomRoles: list[str] | None = None
    MaximumGrantedRoles: list[str] | None = None
    MaximumGrantedCustomRoles: list[str] | None = None


class ApiClientSecret(OC):
    ID: str | None = None
    Name: str | None = None
    Expiration: datetime | None = None


class ApiClientSecretCreateResponse(OC):
    """The create response: the only time the secret's value is shown."""

    ClientSecret: str | None = None
    ID: str | None = None
    Name: str | None = None
    Expiration: datetime | None = None


class ApiClientAssignment(OC):
    ApiClientID: str | None = None
    BuyerID: str | None = None
    SupplierID: str | None = None


def _in_range(low: int, high: int):
    """A PasswordConfig integer in its documented range (a 400 naming the field otherwise); within Int32."""
    return Annotated[int, Field(ge=low, le=high)]


class PasswordConfig(OC):
    """Enforced by coreapi.passwords. Ranges: OrderCloud's documented ones; MinimumCharacterCount
    (at most the 200 characters a password may have) and LimitPasswordReuse (at most the 24
    earlier passwords kept) are this API's."""

    LimitPasswordReuse: _in_range(0, 24) | None = None
    MaxConsecutiveDupeChars: _in_range(0, 24) | None = None
    MaximumPasswordAge: _in_range(1, 365) | None = None  # days
    MinimumPasswordAge: _in_range(0, 60) | None = None  # minutes
    AllowedFailedAttempts: _in_range(1, 9) | None = None
    LockoutDuration: _in_range(10, 1440) | None = None  # minutes
    UpperCaseRequired: OCBool | None = None
    LowerCaseRequired: OCBool | None = None
    SpecialCharacterRequired: OCBool | None = None
    NumericRequired: OCBool | None = None
    MinimumCharacterCount: _in_range(0, 200) | None = None


_PasswordConfig = PasswordConfig


class SecurityProfile(OC):
    ID: str | None = None
    Name: str | None = Field(None, max_length=200)
    Roles: list[str] | None = None
    CustomRoles: list[str] | None = None
    PasswordConfig: _PasswordConfig | None = None
    IsExternalRoleGroup: OCBool | None = None


class SecurityProfileAssignment(OC):
    SecurityProfileID: str | None = None
    BuyerID: str | None = None
    SupplierID: str | None = None
    UserID: str | None = None
    UserGroupID: str | None = None


class Locale(OC):
    ID: str | None = None
    OwnerID: str | None = None
    Currency: str | None = None
    Language: str | None = None


_Locale = Locale


class User(OC):
    FailedLoginAttempts: int | None = None
    ID: str | None = None
    CompanyID: str | None = None
    Username: str | None = Field(None, max_length=100)
    Password: str | None = None
    FirstName: str | None = Field(None, max_length=100)
    LastName: str | None = Field(None, max_length=100)
    Email: str | None = Field(None, max_length=200)
    Phone: str | None = Field(None, max_length=100)
    TermsAccepted: datetime | None = None
    Active: OCBool | None = None
    xp: Xp | None = None
    AvailableRoles: list[str] | None = None
    Locale: _Locale | None = None
    DateCreated: datetime | None = None
    LastActive: datetime | None = None
    PasswordLastSetDate: datetime | None = None


class MeCompany(OC):
    ID: str | None = None
    DefaultCatalogID: str | None = None


class MeUser(User):
    Buyer: MeCompany | None = None
    Supplier: MeCompany | None = None
    Seller: MeCompany | None = None


class MeUserPatch(OC):
    """Me.Patch's body: the fields a user changes on itself. The other MeUser fields (ID, Active,
    CompanyID, AvailableRoles, Locale, DateCreated, LastActive, PasswordLastSetDate,
    FailedLoginAttempts, Buyer, Supplier, Seller) are read-only here and ignored when sent, as a
    read-only field is on every write (an admin changes ID and Active with Users.Patch)."""

    Username: str | None = Field(None, max_length=100)
    Password: str | None = None
    FirstName: str | None = Field(None, max_length=100)
    LastName: str | None = Field(None, max_length=100)
    Email: str | None = Field(None, max_length=200)
    Phone: str | None = Field(None, max_length=100)
    TermsAccepted: datetime | None = None
    xp: Xp | None = None


class TokenPasswordReset(OC):
    """Me.ResetPasswordByToken's body: the signed-in user's new password (required)."""

    NewPassword: str | None = None


class ImpersonationConfig(OC):
    ID: str | None = None
    ImpersonationBuyerID: str | None = None
    ImpersonationGroupID: str | None = None
    ImpersonationUserID: str | None = None
    BuyerID: str | None = None
    GroupID: str | None = None
    UserID: str | None = None
    SecurityProfileID: str | None = None
    ClientID: str | None = None


class ImpersonateTokenRequest(OC):
    ClientID: str
    Roles: list[str] | None = None
    CustomRoles: list[str] | None = None


class AccessTokenBasic(OC):
    access_token: str


# --- buyers and suppliers ---------------------------------------------------------------------


class Buyer(OC):
    ID: str | None = None
    Name: str | None = Field(None, max_length=100)
    DefaultCatalogID: str | None = None
    Active: OCBool | None = None
    DateCreated: datetime | None = None
    xp: Xp | None = None


class UserGroup(OC):
    ID: str | None = None
    Name: str | None = Field(None, max_length=100)
    Description: str | None = Field(None, max_length=2000)
    xp: Xp | None = None


class UserGroupAssignment(OC):
    UserGroupID: str | None = None
    UserID: str | None = None


class Address(OC):
    ID: str | None = None
    DateCreated: datetime | None = None
    CompanyName: str | None = Field(None, max_length=100)
    FirstName: str | None = Field(None, max_length=100)
    LastName: str | None = Field(None, max_length=100)
    Street1: str | None = Field(None, max_length=100)
    Street2: str | None = Field(None, max_length=100)
    City: str | None = Field(None, max_length=100)
    State: str | None = Field(None, max_length=100)
    Zip: str | None = Field(None, max_length=100)
    Country: str | None = Field(None, max_length=100)
    Phone: str | None = Field(None, max_length=100)
    AddressName: str | None = Field(None, max_length=100)
    xp: Xp | None = None


class BuyerAddress(Address):
    """An address as a buyer user sees it (Me.ListAddresses): Shipping / Billing, whether one of its
    assignments to the user (directly, a group of the user or the whole buyer) says so, or as the
    user gave them for its own address; Editable: the user's own address (Me.CreateAddress)."""

    Shipping: OCBool | None = None
    Billing: OCBool | None = None
    Editable: OCBool | None = None


class AddressAssignment(OC):
    AddressID: str | None = None
    UserID: str | None = None
    UserGroupID: str | None = None
    IsShipping: OCBool | None = None
    IsBilling: OCBool | None = None


class Supplier(OC):
    ID: str | None = None
    Name: str | None = Field(None, max_length=100)
    Active: OCBool | None = None
    DateCreated: datetime | None = None
    AllBuyersCanOrder: OCBool | None = None
    xp: Xp | None = None


# --- integrations -----------------------------------------------------------------------------


class IntegrationEvent(OC):
    ElevatedRoles: list[str] | None = None
    ID: str | None = None
    ConfigData: Any = None
    EventType: IntegrationEventTypeT | None = None
    CustomImplementationUrl: str | None = None
    CustomAuthHeaderName: str | None = None
    CustomAuthHeaderValue: str | None = None
    Name: str | None = None
    HashKey: str | None = None


class WebhookRoute(OC):
    Route: str | None = None
    Verb: str | None = None


class Webhook(OC):
    ID: str | None = None
    Name: str | None = None
    Description: str | None = None
    Url: str | None = None
    HashKey: str | None = None
    ElevatedRoles: list[str] | None = None
    ConfigData: Any = None
    BeforeProcessRequest: OCBool | None = None
    ApiClientIDs: list[str] | None = None
    WebhookRoutes: list[WebhookRoute] | None = None
    DeliveryConfigID: str | None = None
    CustomAuthHeaderName: str | None = None
    CustomAuthHeaderValue: str | None = None


class MessageSender(OC):
    ID: str | None = None
    Name: str | None = None
    MessageTypes: list[MessageType] | None = None
    Description: str | None = None
    ElevatedRoles: list[str] | None = None
    xp: Xp | None = None
    DeliveryConfigID: str | None = None
    AllowAllBuyers: OCBool | None = None


class MessageSenderAssignment(OC):
    MessageSenderID: str | None = None
    BuyerID: str | None = None
    SupplierID: str | None = None
    UserGroupID: str | None = None
    MessageConfigName: str | None = None
    MessageConfigDescription: str | None = None


# --- product catalog --------------------------------------------------------------------------


class Catalog(OC):
    ID: str | None = None
    OwnerID: str | None = None
    Name: str | None = Field(None, max_length=100)
    Description: str | None = Field(None, max_length=2000)
    Active: OCBool | None = None
    CategoryCount: int | None = None
    xp: Xp | None = None


class CatalogAssignment(OC):
    CatalogID: str | None = None
    BuyerID: str | None = None
    ViewAllCategories: OCBool | None = None
    ViewAllProducts: OCBool | None = None


class ProductCatalogAssignment(OC):
    CatalogID: str | None = None
    ProductID: str | None = None


class Category(OC):
    ID: str | None = None
    Name: str | None = Field(None, max_length=100)
    Description: str | None = Field(None, max_length=2000)
    ListOrder: int | None = None
    Active: OCBool | None = None
    ParentID: str | None = None
    ChildCount: int | None = None
    xp: Xp | None = None


class CategoryAssignment(OC):
    CategoryID: str | None = None
    BuyerID: str | None = None
    UserGroupID: str | None = None
    Visible: OCBool | None = None
    ViewAllProducts: OCBool | None = None


class CategoryProductAssignment(OC):
    CategoryID: str | None = None
    ProductID: str | None = None
    ListOrder: int | None = None


class Inventory(OC):
    Enabled: OCBool | None = None
    NotificationPoint: Int32 | None = None
    VariantLevelTracking: OCBool | None = None
    OrderCanExceed: OCBool | None = None
    QuantityAvailable: Int32 | None = None
    LastUpdated: datetime | None = Field(None, json_schema_extra={"readOnly": True})  # the API sets it


_Inventory = Inventory


class ProductSupplier(OC):
    DefaultPriceScheduleID: str | None = None
    ID: str | None = None
    Name: str | None = None
    Active: OCBool | None = None
    DateCreated: datetime | None = None
    AllBuyersCanOrder: OCBool | None = None
    xp: Xp | None = None


class Bundle(OC):
    ID: str | None = None
    OwnerID: str | None = None
    Name: str | None = Field(None, max_length=100)
    Description: str | None = Field(None, max_length=2000)
    Active: OCBool | None = None
    xp: Xp | None = None


class BundleAssignment(OC):
    SellerID: str | None = None
    BundleID: str | None = None
    BuyerID: str | None = None
    UserGroupID: str | None = None


class BundleProductAssignment(OC):
    ProductID: str | None = None
    BundleID: str | None = None
    Required: OCBool | None = None
    DefaultQuantity: int | None = None


class BundleCatalogAssignment(OC):
    CatalogID: str | None = None
    BundleID: str | None = None


class CategoryBundleAssignment(OC):
    CategoryID: str | None = None
    BundleID: str | None = None
    ListOrder: int | None = None


class Product(OC):
    OwnerID: str | None = None
    DefaultPriceScheduleID: str | None = None
    AutoForward: OCBool | None = None
    ID: str | None = None
    ParentID: str | None = None
    IsParent: OCBool | None = None
    IsBundle: OCBool | None = None
    Name: str | None = Field(None, max_length=100)
    Description: str | None = Field(None, max_length=2000)
    QuantityMultiplier: int | None = None
    ShipWeight: float | None = None
    ShipHeight: float | None = None
    ShipWidth: float | None = None
    ShipLength: float | None = None
    Active: OCBool | None = None
    SpecCount: int | None = None
    VariantCount: int | None = None
    ShipFromAddressID: str | None = None
    Inventory: _Inventory | None = None
    DefaultSupplierID: str | None = None
    AllSuppliersCanSell: OCBool | None = None
    Returnable: OCBool | None = None
    DateCreated: datetime | None = None
    xp: Xp | None = None


class ProductAssignment(OC):
    SellerID: str | None = None
    ProductID: str | None = None
    BuyerID: str | None = None
    UserGroupID: str | None = None
    PriceScheduleID: str | None = None


class PriceBreak(OC):
    Quantity: Int32 | None = None
    Price: float | None = None
    SalePrice: float | None = None
    SubscriptionPrice: float | None = None
    BundlePrice: float | None = None


class PriceSchedule(OC):
    OwnerID: str | None = None
    ID: str | None = None
    Name: str | None = Field(None, max_length=100)
    ApplyTax: OCBool | None = None
    ApplyShipping: OCBool | None = None
    MinQuantity: int | None = None
    MaxQuantity: int | None = None
    UseCumulativeQuantity: OCBool | None = None
    RestrictedQuantity: OCBool | None = None
    PriceBreaks: list[PriceBreak] | None = None
    Currency: str | None = None
    SaleStart: datetime | None = None
    SaleEnd: datetime | None = None
    IsOnSale: OCBool | None = None
    xp: Xp | None = None


class SpecOption(OC):
    ID: str | None = None
    Value: str | None = None
    ListOrder: int | None = None
    IsOpenText: OCBool | None = None
    PriceMarkupType: PriceMarkupTypeT | None = None
    PriceMarkup: float | None = None
    xp: Xp | None = None


class Spec(OC):
    OwnerID: str | None = None
    ID: str | None = None
    ListOrder: int | None = None
    Name: str | None = None
    DefaultValue: str | None = None
    Required: OCBool | None = None
    AllowOpenText: OCBool | None = None
    DefaultOptionID: str | None = None
    DefinesVariant: OCBool | None = None
    xp: Xp | None = None
    OptionCount: int | None = None
    Options: list[SpecOption] | None = None


class SpecProductAssignment(OC):
    SpecID: str | None = None
    ProductID: str | None = None
    DefaultValue: str | None = None
    DefaultOptionID: str | None = None


class VariantInventory(OC):
    QuantityAvailable: Int32 | None = None
    NotificationPoint: Int32 | None = None
    LastUpdated: datetime | None = Field(None, json_schema_extra={"readOnly": True})  # the API sets it


class VariantSpec(OC):
    SpecID: str | None = None
    Name: str | None = None
    OptionID: str | None = None
    Value: str | None = None
    PriceMarkupType: PriceMarkupTypeT | None = None
    PriceMarkup: float | None = None


class Variant(OC):
    ID: str | None = None
    Name: str | None = Field(None, max_length=100)
    Description: str | None = Field(None, max_length=2000)
    Active: OCBool | None = None
    ShipWeight: float | None = None
    ShipHeight: float | None = None
    ShipWidth: float | None = None
    ShipLength: float | None = None
    Inventory: VariantInventory | None = None
    Specs: list[VariantSpec] | None = None
    xp: Xp | None = None


class VariantOverrides(OC):
    Active: OCBool | None = None


_PriceSchedule = PriceSchedule


class BuyerProduct(Product):
    PriceSchedule: _PriceSchedule | None = None
