"""`/v1/me/addresses`: a buyer user's addresses (Me.ListAddresses / GetAddress / CreateAddress /
SaveAddress / PatchAddress / DeleteAddress).

A buyer user sees the buyer's addresses assigned to it (Addresses.SaveAssignment): to it directly,
to one of its user groups or to the whole buyer, with Shipping / Billing true when one of those
assignments says so; and its own addresses. Me.CreateAddress makes an own address: private, as the
SDK says ("only accessible to the user who created them"), so no other user and no Addresses.List
shows it, Editable, with the Shipping / Billing the user gives. Save, Patch and Delete change only
the user's own addresses; any other, seen or not, is not found. Other users (admin, supplier) have
no addresses here: their list is empty and their writes are refused.
"""

from dataclasses import replace

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When

from coreapi import definitions as d
from coreapi import models as m
from coreapi import schemas as s
from coreapi.auth import Caller
from coreapi.errors import CoreObjectNotFound, InsufficientRoles
from coreapi.me import anonymous_refuse
from coreapi.querying import apply_filters, list_params_parse, page_slice
from coreapi.resources import Resource, exists_locked
from coreapi.selectors import user_group_ids

ME_ADDRESS_READ = ("MeAddressAdmin", "Shopper")
ME_ADDRESS_WRITE = ("MeAddressAdmin",)
MSG_BUYER_USERS_ONLY = "Only buyer users have addresses of their own."


class OwnAddressResource(Resource):
    """The buyer user's own addresses: the rows of its buyer (`buyerID`, its CompanyID) it owns. The
    ID must be unique among all the buyer's addresses (`_rows`), shared or another user's own."""

    def queryset(self, caller, path_params: dict, *, lock: bool = False):
        return self._rows(caller, path_params, lock=lock).filter(owner_user_id=caller.user_id)


def _own_address_before_save(caller, obj, data, creating):
    """A new own address belongs to the user, which is kept until commit (exists_locked): deleted
    meanwhile, its DELETE waits and takes the address with it, or came first (404 User)."""
    d.address_country_check(caller, obj, data, creating)
    if not creating:
        return
    users = m.CoreUser.objects.filter(marketplace_id=caller.marketplace_pk, kind=m.UserKind.BUYER,
                                      company_id=obj.buyer_id, oc_id=caller.user_id)  # fmt: skip
    if not exists_locked(users):
        raise CoreObjectNotFound("User", caller.user_id)
    obj.owner_user_id = caller.user_id


ME_OWN_ADDRESSES = OwnAddressResource(
    object_type="Address",
    sdk="Me",
    model=m.Address,
    schema=s.BuyerAddress,
    path="/me/addresses",
    id_param="addressID",
    read_roles=ME_ADDRESS_READ,
    write_roles=ME_ADDRESS_WRITE,
    required=("Street1", "City", "Country"),
    readonly=("ID", "DateCreated", "Editable"),  # the SDK's BuyerAddress: the ID is generated
    parent=d.BUYER_PARENT,
    scope={"supplier_id": ""},
    search_fields=d.ADDRESS_SEARCH_FIELDS,
    computed={"Editable": lambda obj: True},
    before_save=_own_address_before_save,
    tag="Me",
)


def _buyer_path(caller: Caller) -> dict:
    return {"buyerID": caller.claims.company_id}


def _is_buyer_user(caller: Caller) -> bool:
    return caller.user_type == m.UserKind.BUYER and bool(caller.user_id)


def _assignments(caller: Caller):
    """The buyer's address assignments that apply to the user: to it, one of its groups, the buyer."""
    mp, buyer, user_id = caller.marketplace_pk, caller.claims.company_id, caller.user_id
    user = m.CoreUser.objects.filter(marketplace_id=mp, kind=m.UserKind.BUYER, company_id=buyer, oc_id=user_id).first()
    groups = user_group_ids(marketplace_pk=mp, user=user) if user else []
    return m.AddressAssignment.objects.filter(marketplace_id=mp, buyer_id=buyer).filter(
        Q(user_id=user_id) | Q(user_id="", user_group_id__in=groups) | Q(user_id="", user_group_id="")
    )


# BuyerAddress's computed fields, as columns the list filters and sorts on (annotated by _visible)
_COMPUTED = {"Shipping": "me_shipping", "Billing": "me_billing", "Editable": "me_editable"}
ME_ADDRESSES_SPEC = replace(
    d.ADDRESSES.list_spec,
    columns={**d.ADDRESSES.list_spec.columns, **_COMPUTED},
    annotated={column: BooleanField() for column in _COMPUTED.values()},
)


def _visible(caller: Caller):
    """The addresses the user sees (none for a user who is not a buyer's), each annotated with its
    Shipping / Billing (an own address: as the user gave them; a shared one: whether one of the
    assignments that apply says so) and Editable (its own)."""
    if not _is_buyer_user(caller):
        return m.Address.objects.none()
    assignments = _assignments(caller)
    qs = m.Address.objects.filter(marketplace_id=caller.marketplace_pk, buyer_id=caller.claims.company_id, supplier_id="")
    qs = qs.filter(Q(owner_user_id=caller.user_id) | Q(owner_user_id="", oc_id__in=assignments.values("address_id")))
    own = Q(owner_user_id=caller.user_id)
    applying = assignments.filter(address_id=OuterRef("oc_id"))

    def flag(column: str, assigned: str):
        return Case(When(own, then=F(column)), default=Exists(applying.filter(**{assigned: True})),
                    output_field=BooleanField())  # fmt: skip

    return qs.annotate(
        me_shipping=flag("shipping", "is_shipping"),
        me_billing=flag("billing", "is_billing"),
        me_editable=Case(When(own, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def _serialize(row) -> dict:
    extra = {"Shipping": row.me_shipping, "Billing": row.me_billing, "Editable": row.me_editable}
    return ME_OWN_ADDRESSES.serialize(row, extra)


def me_addresses_list(caller: Caller, request) -> dict:
    caller.require(ME_ADDRESS_READ)
    params = list_params_parse(request, ME_ADDRESSES_SPEC)
    rows, meta = page_slice(apply_filters(_visible(caller), ME_ADDRESSES_SPEC, params), params)
    return {"Items": [_serialize(row) for row in rows], "Meta": meta}


def me_address_get(caller: Caller, address_id: str) -> dict:
    caller.require(ME_ADDRESS_READ)
    row = _visible(caller).filter(oc_id=address_id).first()
    if row is None:
        raise CoreObjectNotFound("Address", address_id)
    return _serialize(row)


def writer_check(caller: Caller) -> None:
    caller.require(ME_ADDRESS_WRITE)
    anonymous_refuse(caller, ME_ADDRESS_WRITE)  # the addresses of a user every anonymous shopper shares
    if not _is_buyer_user(caller):
        raise InsufficientRoles(ME_ADDRESS_WRITE, message=MSG_BUYER_USERS_ONLY)


def me_address_create(caller: Caller, data: dict) -> dict:
    writer_check(caller)
    obj = ME_OWN_ADDRESSES.create(caller, _buyer_path(caller), data)
    return ME_OWN_ADDRESSES.serialize(obj)


def me_address_save(caller: Caller, address_id: str, data: dict) -> dict:
    """Replace one of the user's own addresses ("Update an address": it creates none)."""
    writer_check(caller)
    with transaction.atomic():  # locked: deleted meanwhile, it is not created again
        ME_OWN_ADDRESSES.get_object(caller, _buyer_path(caller), address_id, lock=True)  # not its own: 404
        obj, _created = ME_OWN_ADDRESSES.save(caller, _buyer_path(caller), address_id, data)
    return ME_OWN_ADDRESSES.serialize(obj)


def me_address_patch(caller: Caller, address_id: str, data: dict) -> dict:
    writer_check(caller)
    obj = ME_OWN_ADDRESSES.patch(caller, _buyer_path(caller), address_id, data)
    return ME_OWN_ADDRESSES.serialize(obj)


def me_address_delete(caller: Caller, address_id: str) -> None:
    writer_check(caller)
    ME_OWN_ADDRESSES.delete(caller, _buyer_path(caller), address_id)
