"""The built-in OrderCloud-compatible core API: one row per OrderCloud object.

Design rules (see the lead's notes in issue #4 and #7):
- Every resource row belongs to one `Marketplace` (FK, CASCADE) and carries its OrderCloud ID in
  `oc_id`, unique per marketplace (or per marketplace + parent, e.g. buyer users per buyer).
- Relations between resources are OrderCloud ID strings (`buyer_id`, `default_price_schedule_id`),
  never foreign keys to other resource rows, so the staging restore can copy a marketplace table by
  table with `INSERT ... SELECT <new marketplace>, cols ... WHERE marketplace_id = <old>`.
- Free-form objects (`xp`, `Inventory`, `PriceBreaks`, role lists) are JSON columns.
Column names are the snake_case of the SDK's PascalCase field names (`AccessTokenDuration` ->
`access_token_duration`, `ID` -> `oc_id`), which is how `coreapi.resources` maps them.
"""

from django.db import models
from django.utils import timezone


class Environment(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox"
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"


class Marketplace(models.Model):
    environment = models.CharField(max_length=16, choices=Environment.choices)
    marketplace_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # set while the portal's organization is deleted but restorable: no token is issued or accepted
    suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "marketplace_id"], name="coreapi_marketplace_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.marketplace_id} ({self.environment})"


class MarketplaceOwned(models.Model):
    """Base of every resource row: the marketplace FK and the OrderCloud ID."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    oc_id = models.CharField(max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.oc_id


def _unique(model: str, *fields: str) -> list:
    name = f"coreapi_{model}_unique_" + "_".join(f.replace("_id", "") for f in fields)
    return [models.UniqueConstraint(fields=["marketplace", *fields], name=name[:60])]


def _idx(model: str, *fields: str) -> models.Index:
    return models.Index(fields=["marketplace", *fields], name=f"coreapi_{model}_{'_'.join(fields)}"[:30])


# --- Authentication and authorization ---------------------------------------------------------


class ApiClient(MarketplaceOwned):
    client_secret = models.CharField(max_length=200, blank=True, default="")
    access_token_duration = models.PositiveIntegerField(default=600)  # minutes
    active = models.BooleanField(default=True)
    app_name = models.CharField(max_length=200)
    refresh_token_duration = models.PositiveIntegerField(default=0)  # minutes; 0 = no refresh token
    anonymous_token_duration = models.PositiveIntegerField(default=600)
    default_context_user_name = models.CharField(max_length=200, blank=True, default="")
    xp = models.JSONField(default=dict, blank=True)
    allow_any_buyer = models.BooleanField(default=False)
    allow_any_supplier = models.BooleanField(default=False)
    allow_seller = models.BooleanField(default=False)
    is_anon_buyer = models.BooleanField(default=False)
    order_checkout_integration_event_id = models.CharField(max_length=100, blank=True, default="")
    order_return_integration_event_id = models.CharField(max_length=100, blank=True, default="")
    add_to_cart_integration_event_id = models.CharField(max_length=100, blank=True, default="")
    minimum_required_roles = models.JSONField(default=list, blank=True)
    minimum_required_custom_roles = models.JSONField(default=list, blank=True)
    maximum_granted_roles = models.JSONField(default=list, blank=True)
    maximum_granted_custom_roles = models.JSONField(default=list, blank=True)
    date_created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "API client"
        constraints = _unique("apiclient", "oc_id")


class ApiClientSecret(MarketplaceOwned):
    """One of an API client's secrets (ApiClients.CreateSecret): up to SECRETS_PER_CLIENT per client,
    each with an optional expiration. The value is shown once, in the create response; only its
    SHA-256 is stored (it is 64 random bytes, so a fast hash is enough)."""

    SECRETS_PER_CLIENT = 10

    api_client_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    expiration = models.DateTimeField(null=True, blank=True)
    secret_hash = models.CharField(max_length=64)
    date_created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "API client secret"
        constraints = _unique("apiclientsecret", "api_client_id", "oc_id")
        indexes = [models.Index(fields=["marketplace", "api_client_id", "secret_hash"], name="coreapi_acsecret_hash")]


class ApiClientAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    api_client_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100, blank=True, default="")
    supplier_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "API client assignment"
        constraints = _unique("apiclientassignment", "api_client_id", "buyer_id", "supplier_id")


class SecurityProfile(MarketplaceOwned):
    name = models.CharField(max_length=200)
    roles = models.JSONField(default=list, blank=True)
    custom_roles = models.JSONField(default=list, blank=True)
    password_config = models.JSONField(null=True, blank=True)
    is_external_role_group = models.BooleanField(default=False)

    class Meta:
        constraints = _unique("securityprofile", "oc_id")


class SecurityProfileAssignment(models.Model):
    """A profile given to the marketplace (all blank), a buyer, a supplier, a user group or a user."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    security_profile_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100, blank=True, default="")
    supplier_id = models.CharField(max_length=100, blank=True, default="")
    user_id = models.CharField(max_length=100, blank=True, default="")
    user_group_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = _unique(
            "secprofileassignment", "security_profile_id", "buyer_id", "supplier_id", "user_id", "user_group_id"
        )


class UserKind(models.TextChoices):
    ADMIN = "admin", "Admin user"
    BUYER = "buyer", "Buyer user"
    SUPPLIER = "supplier", "Supplier user"


class CoreUser(MarketplaceOwned):
    """Admin users, buyer users and supplier users share one table; `company_id` is the buyer or
    supplier ID ("" for admin users). Usernames are unique across the whole marketplace."""

    kind = models.CharField(max_length=10, choices=UserKind.choices)
    company_id = models.CharField(max_length=100, blank=True, default="")
    username = models.CharField(max_length=100)
    password = models.CharField(max_length=200, blank=True, default="")  # a Django password hash
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    email = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=100, blank=True, default="")
    terms_accepted = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=False)
    xp = models.JSONField(default=dict, blank=True)
    failed_login_attempts = models.PositiveIntegerField(default=0)
    date_created = models.DateTimeField(default=timezone.now)
    last_active = models.DateTimeField(null=True, blank=True)
    password_last_set_date = models.DateTimeField(null=True, blank=True)
    # the user set its current password itself (MinimumPasswordAge holds it; not one an administrator set)
    password_set_by_self = models.BooleanField(default=False)
    # signing in is refused until then (coreapi.passwords: AllowedFailedAttempts, LockoutDuration)
    locked_until = models.DateTimeField(null=True, blank=True)
    # the hashes of the user's earlier passwords, newest first, at most
    # coreapi.passwords.PASSWORD_HISTORY_LIMIT (LimitPasswordReuse); never a password itself
    password_history = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "user"  # admin, buyer and supplier users alike
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "kind", "company_id", "oc_id"], name="coreapi_user_unique_id"),
            models.UniqueConstraint(fields=["marketplace", "username"], name="coreapi_user_unique_username"),
        ]
        indexes = [_idx("user", "kind", "company_id")]


class ImpersonationConfig(MarketplaceOwned):
    impersonation_buyer_id = models.CharField(max_length=100, blank=True, default="")
    impersonation_group_id = models.CharField(max_length=100, blank=True, default="")
    impersonation_user_id = models.CharField(max_length=100, blank=True, default="")
    buyer_id = models.CharField(max_length=100, blank=True, default="")
    group_id = models.CharField(max_length=100, blank=True, default="")
    user_id = models.CharField(max_length=100, blank=True, default="")
    security_profile_id = models.CharField(max_length=100)
    client_id = models.CharField(max_length=100)

    class Meta:
        constraints = _unique("impersonationconfig", "oc_id")


class RefreshToken(models.Model):
    """A refresh token: only its SHA-256 is stored; single use (rotated) and revocable."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=100, blank=True, default="")
    user_kind = models.CharField(max_length=10, choices=UserKind.choices)
    user_id = models.CharField(max_length=100, blank=True, default="")  # "" for portal-minted admin tokens
    company_id = models.CharField(max_length=100, blank=True, default="")
    username = models.CharField(max_length=150)
    roles = models.JSONField(default=list)
    impersonator = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["marketplace", "user_kind", "user_id"], name="coreapi_refresh_user")]


REVOKED_API_CLIENT = "apiclient"
REVOKED_PORTAL_USER = "portaluser"


class TokenRevocation(models.Model):
    """The user's access tokens issued before the last RevokeUserTokens (or the user's deletion)
    are refused. Access tokens carry the user's `generation` when they were issued (claim `gen`);
    revoking adds one, and coreapi.auth refuses tokens of an older generation. Keyed by the user's
    identity, not the row: a user deleted and created again with the same ID starts after the
    old tokens' generation. Only rows younger than the longest access token lifetime matter."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    # a user's kind; or REVOKED_API_CLIENT with the client's ID as user_id: a deleted API client,
    # whose access tokens issued up to revoked_at are refused (generation unused); or
    # REVOKED_PORTAL_USER with a portal username as user_id: a contributor whose access to the
    # organization was cut, whose tokens minted by the portal (claim `pgen`) of an older generation are refused
    user_kind = models.CharField(
        max_length=10,
        choices=[*UserKind.choices, (REVOKED_API_CLIENT, "Deleted API client"), (REVOKED_PORTAL_USER, "Portal contributor")],
    )
    company_id = models.CharField(max_length=100, blank=True, default="")
    user_id = models.CharField(max_length=100)
    generation = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["marketplace", "user_kind", "company_id", "user_id"], name="coreapi_revocation_unique_user"
            )
        ]
        indexes = [models.Index(fields=["marketplace", "revoked_at"], name="coreapi_revocation_recent")]


# --- Buyers and suppliers ---------------------------------------------------------------------


class Buyer(MarketplaceOwned):
    name = models.CharField(max_length=200)
    default_catalog_id = models.CharField(max_length=100, blank=True, default="")
    active = models.BooleanField(default=False)
    date_created = models.DateTimeField(default=timezone.now)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("buyer", "oc_id")


class UserGroup(MarketplaceOwned):
    buyer_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("usergroup", "buyer_id", "oc_id")


class UserGroupAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    buyer_id = models.CharField(max_length=100)
    user_group_id = models.CharField(max_length=100)
    user_id = models.CharField(max_length=100)

    class Meta:
        constraints = _unique("usergroupassignment", "buyer_id", "user_group_id", "user_id")


class Supplier(MarketplaceOwned):
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=False)
    date_created = models.DateTimeField(default=timezone.now)
    all_buyers_can_order = models.BooleanField(default=False)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("supplier", "oc_id")


class AdminUserGroup(MarketplaceOwned):
    """A group of the marketplace's admin users (AdminUserGroups); a security profile assigned to
    it (UserGroupID, no BuyerID or SupplierID) gives its roles to its members."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "admin user group"
        constraints = _unique("adminusergroup", "oc_id")


class AdminUserGroupAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    user_group_id = models.CharField(max_length=100)
    user_id = models.CharField(max_length=100)

    class Meta:
        verbose_name = "admin user group assignment"
        constraints = _unique("adminusergroupassignment", "user_group_id", "user_id")


class SupplierUserGroup(MarketplaceOwned):
    """A group of one supplier's users (SupplierUserGroups); a security profile assigned to it
    (SupplierID and UserGroupID) gives its roles to its members."""

    supplier_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "supplier user group"
        constraints = _unique("supplierusergroup", "supplier_id", "oc_id")


class SupplierUserGroupAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    supplier_id = models.CharField(max_length=100)
    user_group_id = models.CharField(max_length=100)
    user_id = models.CharField(max_length=100)

    class Meta:
        verbose_name = "supplier user group assignment"
        constraints = _unique("supplierusergroupassignment", "supplier_id", "user_group_id", "user_id")


class Address(MarketplaceOwned):
    """An address of the marketplace (AdminAddresses: no buyer, no supplier), of a buyer (Addresses)
    or of a supplier (SupplierAddresses). A buyer user's own address (Me.CreateAddress) is private:
    `owner_user_id` names that user, and only it sees the address (not Addresses.List), with the
    Shipping / Billing it gave (`shipping`, `billing`; a shared address takes them from its
    assignments)."""

    buyer_id = models.CharField(max_length=100, blank=True, default="")
    supplier_id = models.CharField(max_length=100, blank=True, default="")
    owner_user_id = models.CharField(max_length=100, blank=True, default="")
    date_created = models.DateTimeField(default=timezone.now)
    company_name = models.CharField(max_length=100, blank=True, default="")
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    street1 = models.CharField(max_length=100, blank=True, default="")
    street2 = models.CharField(max_length=100, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    state = models.CharField(max_length=100, blank=True, default="")
    zip = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=100, blank=True, default="")
    address_name = models.CharField(max_length=100, blank=True, default="")
    xp = models.JSONField(default=dict, blank=True)
    shipping = models.BooleanField(default=False)
    billing = models.BooleanField(default=False)

    class Meta:
        verbose_name = "address"
        verbose_name_plural = "addresses"
        constraints = _unique("address", "buyer_id", "supplier_id", "oc_id")


class AddressAssignment(models.Model):
    """A buyer's address assigned to the whole buyer (no user, no group), one of its user groups or
    one of its users, for shipping and / or billing (Addresses.SaveAssignment)."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    buyer_id = models.CharField(max_length=100)
    address_id = models.CharField(max_length=100)
    user_id = models.CharField(max_length=100, blank=True, default="")
    user_group_id = models.CharField(max_length=100, blank=True, default="")
    is_shipping = models.BooleanField(default=False)
    is_billing = models.BooleanField(default=False)

    class Meta:
        verbose_name = "address assignment"
        constraints = _unique("addressassignment", "buyer_id", "address_id", "user_id", "user_group_id")


# --- Integrations -----------------------------------------------------------------------------


class IntegrationEvent(MarketplaceOwned):
    name = models.CharField(max_length=200)
    event_type = models.CharField(max_length=30, blank=True, default="")
    custom_implementation_url = models.CharField(max_length=1000)
    hash_key = models.CharField(max_length=200)
    elevated_roles = models.JSONField(default=list, blank=True)
    config_data = models.JSONField(null=True, blank=True)
    custom_auth_header_name = models.CharField(max_length=200, blank=True, default="")
    custom_auth_header_value = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = _unique("integrationevent", "oc_id")


class Webhook(MarketplaceOwned):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    url = models.CharField(max_length=1000, blank=True, default="")
    hash_key = models.CharField(max_length=200, blank=True, default="")
    elevated_roles = models.JSONField(default=list, blank=True)
    config_data = models.JSONField(null=True, blank=True)
    before_process_request = models.BooleanField(default=False)
    api_client_ids = models.JSONField(default=list, blank=True)
    webhook_routes = models.JSONField(default=list, blank=True)  # [{"Route": ..., "Verb": ...}]
    delivery_config_id = models.CharField(max_length=100, blank=True, default="")
    custom_auth_header_name = models.CharField(max_length=200, blank=True, default="")
    custom_auth_header_value = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = _unique("webhook", "oc_id")


class WebhookDelivery(models.Model):
    """One attempt to POST a webhook payload (written by coreapi.webhooks / coreapi.tasks)."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    webhook_oc_id = models.CharField(max_length=100)
    url = models.CharField(max_length=1000)
    route = models.CharField(max_length=300)
    verb = models.CharField(max_length=10)
    payload = models.JSONField(default=dict)
    status_code = models.IntegerField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    latency_ms = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    pre_hook = models.BooleanField(default=False)  # asked before the write (BeforeProcessRequest)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [_idx("whdelivery", "webhook_oc_id")]


class MessageSender(MarketplaceOwned):
    name = models.CharField(max_length=200)
    message_types = models.JSONField(default=list)
    description = models.TextField(blank=True, default="")
    elevated_roles = models.JSONField(default=list, blank=True)
    xp = models.JSONField(default=dict, blank=True)
    delivery_config_id = models.CharField(max_length=100, blank=True, default="")
    allow_all_buyers = models.BooleanField(default=False)

    class Meta:
        constraints = _unique("messagesender", "oc_id")


class MessageSenderAssignment(models.Model):
    """A message sender given to the marketplace (buyer and supplier blank), a buyer, a buyer's user
    group or a supplier."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    message_sender_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100, blank=True, default="")
    supplier_id = models.CharField(max_length=100, blank=True, default="")
    user_group_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = _unique("messagesenderassignment", "message_sender_id", "buyer_id", "supplier_id", "user_group_id")


# --- Product catalog --------------------------------------------------------------------------


class Catalog(MarketplaceOwned):
    owner_id = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=False)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("catalog", "oc_id")


class CatalogAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    catalog_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100)
    view_all_categories = models.BooleanField(default=True)
    view_all_products = models.BooleanField(default=True)

    class Meta:
        constraints = _unique("catalogassignment", "catalog_id", "buyer_id")


class ProductCatalogAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    catalog_id = models.CharField(max_length=100)
    product_id = models.CharField(max_length=100)

    class Meta:
        constraints = _unique("productcatalogassignment", "catalog_id", "product_id")
        indexes = [_idx("pcassign", "product_id")]


class Category(MarketplaceOwned):
    catalog_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    list_order = models.IntegerField(default=0)
    active = models.BooleanField(default=False)
    parent_id = models.CharField(max_length=100, blank=True, default="")
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("category", "catalog_id", "oc_id")


class CategoryProductAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    catalog_id = models.CharField(max_length=100)
    category_id = models.CharField(max_length=100)
    product_id = models.CharField(max_length=100)
    list_order = models.IntegerField(default=0)

    class Meta:
        constraints = _unique("categoryproductassignment", "catalog_id", "category_id", "product_id")


class CategoryAssignment(models.Model):
    """A category given to a buyer or one of its user groups (Categories.SaveAssignment). `visible`
    and `view_all_products` may be null: the category then takes them from its parent category."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    catalog_id = models.CharField(max_length=100)
    category_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100)
    user_group_id = models.CharField(max_length=100, blank=True, default="")
    visible = models.BooleanField(null=True, blank=True)
    view_all_products = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = _unique("categoryassignment", "catalog_id", "category_id", "buyer_id", "user_group_id")


class Product(MarketplaceOwned):
    owner_id = models.CharField(max_length=100, blank=True, default="")
    default_price_schedule_id = models.CharField(max_length=100, blank=True, default="")
    auto_forward = models.BooleanField(default=False)
    parent_id = models.CharField(max_length=100, blank=True, default="")
    is_parent = models.BooleanField(default=False)
    is_bundle = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    quantity_multiplier = models.IntegerField(default=1)
    ship_weight = models.FloatField(null=True, blank=True)
    ship_height = models.FloatField(null=True, blank=True)
    ship_width = models.FloatField(null=True, blank=True)
    ship_length = models.FloatField(null=True, blank=True)
    active = models.BooleanField(default=False)
    ship_from_address_id = models.CharField(max_length=100, blank=True, default="")
    inventory = models.JSONField(null=True, blank=True)
    default_supplier_id = models.CharField(max_length=100, blank=True, default="")
    all_suppliers_can_sell = models.BooleanField(default=False)
    returnable = models.BooleanField(default=False)
    date_created = models.DateTimeField(default=timezone.now)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("product", "oc_id")
        indexes = [_idx("product", "name")]


class ProductAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    seller_id = models.CharField(max_length=100, blank=True, default="")
    product_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100)
    user_group_id = models.CharField(max_length=100, blank=True, default="")
    price_schedule_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        # one per seller: the marketplace's and each supplier's (SellerID) pricing for a buyer or group
        constraints = _unique("productassignment", "product_id", "buyer_id", "user_group_id", "seller_id")


class ProductSupplier(models.Model):
    """A supplier that sells a product (Products.SaveSupplier), with its own default price schedule."""

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    product_id = models.CharField(max_length=100)
    supplier_id = models.CharField(max_length=100)
    default_price_schedule_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = _unique("productsupplier", "product_id", "supplier_id")
        indexes = [_idx("prodsupplier", "supplier_id")]


class Bundle(MarketplaceOwned):
    owner_id = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=False)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("bundle", "oc_id")


class BundleAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    seller_id = models.CharField(max_length=100, blank=True, default="")
    bundle_id = models.CharField(max_length=100)
    buyer_id = models.CharField(max_length=100)
    user_group_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = _unique("bundleassignment", "bundle_id", "buyer_id", "user_group_id", "seller_id")


class BundleProductAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    bundle_id = models.CharField(max_length=100)
    product_id = models.CharField(max_length=100)
    required = models.BooleanField(default=False)
    default_quantity = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = _unique("bundleproductassignment", "bundle_id", "product_id")
        indexes = [_idx("bpassign", "product_id")]


class BundleCatalogAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    catalog_id = models.CharField(max_length=100)
    bundle_id = models.CharField(max_length=100)

    class Meta:
        constraints = _unique("bundlecatalogassignment", "catalog_id", "bundle_id")


class CategoryBundleAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    catalog_id = models.CharField(max_length=100)
    category_id = models.CharField(max_length=100)
    bundle_id = models.CharField(max_length=100)
    list_order = models.IntegerField(default=0)

    class Meta:
        constraints = _unique("categorybundleassignment", "catalog_id", "category_id", "bundle_id")


class PriceSchedule(MarketplaceOwned):
    owner_id = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=200)
    apply_tax = models.BooleanField(default=False)
    apply_shipping = models.BooleanField(default=False)
    min_quantity = models.IntegerField(null=True, blank=True, default=1)
    max_quantity = models.IntegerField(null=True, blank=True)
    use_cumulative_quantity = models.BooleanField(default=False)
    restricted_quantity = models.BooleanField(default=False)
    price_breaks = models.JSONField(default=list, blank=True)
    currency = models.CharField(max_length=10, blank=True, default="")
    sale_start = models.DateTimeField(null=True, blank=True)
    sale_end = models.DateTimeField(null=True, blank=True)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("priceschedule", "oc_id")


class Spec(MarketplaceOwned):
    owner_id = models.CharField(max_length=100, blank=True, default="")
    list_order = models.IntegerField(default=0)
    name = models.CharField(max_length=200)
    default_value = models.CharField(max_length=2000, blank=True, default="")
    required = models.BooleanField(default=False)
    allow_open_text = models.BooleanField(default=False)
    default_option_id = models.CharField(max_length=100, blank=True, default="")
    defines_variant = models.BooleanField(default=False)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("spec", "oc_id")


class SpecOption(MarketplaceOwned):
    spec_id = models.CharField(max_length=100)
    value = models.CharField(max_length=2000, blank=True, default="")
    list_order = models.IntegerField(default=0)
    is_open_text = models.BooleanField(default=False)
    price_markup_type = models.CharField(max_length=20, blank=True, default="NoMarkup")
    price_markup = models.FloatField(null=True, blank=True)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("specoption", "spec_id", "oc_id")


class SpecProductAssignment(models.Model):
    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="+")
    spec_id = models.CharField(max_length=100)
    product_id = models.CharField(max_length=100)
    default_value = models.CharField(max_length=2000, blank=True, default="")
    default_option_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = _unique("specproductassignment", "spec_id", "product_id")


class Variant(MarketplaceOwned):
    """One generated variant of a product (Products.GenerateVariants): a combination of one option
    of each of the product's variant specs. `specs` keeps the combination as it was generated
    ([{"SpecID", "OptionID", "Name", "Value", "PriceMarkupType", "PriceMarkup"}], in spec order),
    so a variant outlives a later change to its specs (OrderCloud keeps such variants too); the
    read side shows the current names and values of the specs and options that still exist."""

    product_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=False)
    ship_weight = models.FloatField(null=True, blank=True)
    ship_height = models.FloatField(null=True, blank=True)
    ship_width = models.FloatField(null=True, blank=True)
    ship_length = models.FloatField(null=True, blank=True)
    inventory = models.JSONField(null=True, blank=True)
    specs = models.JSONField(default=list, blank=True)
    xp = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = _unique("variant", "product_id", "oc_id")


# --- Exact row counts -------------------------------------------------------------------------


class RowCount(models.Model):
    """How many rows a marketplace has in a counted table (`coreapi.rowcounts.COUNTED_MODELS`).

    Maintained by database triggers (migration 0002) in the same transaction as every INSERT,
    DELETE and marketplace change of the table, whatever issued it: the API, `bulk_create`, the
    staging restore's `INSERT ... SELECT`, the marketplace's CASCADE delete, raw SQL. So it is exact
    in every process, and an unfiltered list's TotalCount is one indexed row instead of a
    `COUNT(*)` over the marketplace's rows. Deliberately no foreign key: the triggers of a
    cascade delete update it while the marketplace row is being deleted.
    """

    marketplace_pk = models.BigIntegerField()
    table_name = models.CharField(max_length=63)
    row_count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["marketplace_pk", "table_name"], name="coreapi_rowcount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.table_name}@{self.marketplace_pk}: {self.row_count}"
