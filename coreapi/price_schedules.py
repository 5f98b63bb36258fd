"""Price schedules: what a schedule's fields must hold (PriceBreaks, quantities, sale dates,
Currency), PriceBreaks shown by Quantity, and PriceSchedules.SavePriceBreak / DeletePriceBreak
(`/v1/priceschedules/{priceScheduleID}/PriceBreaks`), mounted as the resource's own operations.

Checks apply to what a write sets only (a PATCH of the Name of a schedule stored before them still
works); each refusal is a 400 InvalidRequest whose Data names the field.
"""

import re

from django.db import transaction

from coreapi import schemas as s
from coreapi.errors import MSG_REQUIRED, CoreObjectNotFound, InvalidRequest
from coreapi.resources import Operation, Resource

MSG_QUANTITY_MIN = "{field} must be at least 1."
MSG_NOT_NEGATIVE = "{field} must not be negative."
MSG_DUPLICATE_QUANTITY = "{field}: another price break has Quantity {quantity}; each Quantity may have one price break."
MSG_MIN_OVER_MAX = "MinQuantity ({min}) must not be greater than MaxQuantity ({max})."
MSG_SALE_ENDS_BEFORE_START = "SaleStart must not be after SaleEnd."
MSG_CURRENCY = "Currency must be a three-letter ISO 4217 currency code, such as USD or EUR."
MSG_NO_PRICE_BREAK = "Price schedule {schedule} has no price break for quantity {quantity}."
MSG_QUANTITY_PARAM = "quantity is required: the Quantity of the price break to delete."
PRICES = ("Price", "SalePrice", "SubscriptionPrice", "BundlePrice")
PRICE_BREAK_FIELDS = ("Quantity", *PRICES)  # the SDK's PriceBreak
CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def _refuse(message: str, field: str, value=None) -> None:
    raise InvalidRequest(message, data={"Field": field, "Value": value})


def price_break_check(price_break: dict, field: str) -> None:
    """One PriceBreak (`field`: how the request names it, "PriceBreaks.1" or "" for SavePriceBreak's
    body): Quantity and Price given, Quantity at least 1, no negative price."""
    prefix = f"{field}." if field else ""
    for name in ("Quantity", "Price"):
        if price_break.get(name) is None:
            _refuse(MSG_REQUIRED.format(field=f"{prefix}{name}"), f"{prefix}{name}")
    if price_break["Quantity"] < 1:
        _refuse(MSG_QUANTITY_MIN.format(field=f"{prefix}Quantity"), f"{prefix}Quantity", price_break["Quantity"])
    for name in PRICES:
        value = price_break.get(name)
        if value is not None and value < 0:
            _refuse(MSG_NOT_NEGATIVE.format(field=f"{prefix}{name}"), f"{prefix}{name}", value)


def price_breaks_checked(price_breaks: list[dict]) -> list[dict]:
    """A schedule's PriceBreaks as sent: each checked, one per Quantity; sorted by Quantity."""
    seen = set()
    for index, price_break in enumerate(price_breaks):
        field = f"PriceBreaks.{index}"
        price_break_check(price_break, field)
        if price_break["Quantity"] in seen:
            _refuse(MSG_DUPLICATE_QUANTITY.format(field=f"{field}.Quantity", quantity=price_break["Quantity"]),
                    f"{field}.Quantity", price_break["Quantity"])  # fmt: skip
        seen.add(price_break["Quantity"])
    return sorted(price_breaks, key=lambda price_break: price_break["Quantity"])


def sorted_breaks(price_breaks) -> list:
    """PriceBreaks by Quantity (a schedule stored before they were sorted on save, too)."""
    if not isinstance(price_breaks, list):
        return price_breaks
    return sorted(price_breaks, key=lambda b: (not isinstance(b, dict) or not isinstance(b.get("Quantity"), int),
                                               b.get("Quantity") if isinstance(b, dict) else 0))  # fmt: skip


def price_schedule_before_save(caller, obj, data: dict, creating: bool) -> None:
    """PriceSchedules' before_save: the checks of what this write sets."""
    if "PriceBreaks" in data:
        obj.price_breaks = price_breaks_checked(obj.price_breaks or [])
    low, high = obj.min_quantity, obj.max_quantity
    if ("MinQuantity" in data or "MaxQuantity" in data) and low is not None and high is not None and low > high:
        field = "MaxQuantity" if "MaxQuantity" in data else "MinQuantity"
        _refuse(MSG_MIN_OVER_MAX.format(min=low, max=high), field, data[field])
    if ("SaleStart" in data or "SaleEnd" in data) and obj.sale_start and obj.sale_end and obj.sale_start > obj.sale_end:
        field = "SaleEnd" if "SaleEnd" in data else "SaleStart"
        _refuse(MSG_SALE_ENDS_BEFORE_START, field, data[field])
    currency = data.get("Currency")
    if currency:
        if not CURRENCY.match(currency):
            _refuse(MSG_CURRENCY, "Currency", currency)
        obj.currency = currency.upper()


def _same_quantity(price_break, quantity: int) -> bool:
    return isinstance(price_break, dict) and price_break.get("Quantity") == quantity


class PriceScheduleResource(Resource):
    """PriceSchedules, with PriceBreaks shown by Quantity, and SavePriceBreak / DeletePriceBreak."""

    def __post_init__(self):
        super().__post_init__()
        path = f"{self.path}/{{{self.id_param}}}/PriceBreaks"  # the SDK's casing
        self.operations = (
            Operation(
                op="SavePriceBreak", verb="POST", path=path, run=self.price_break_save, body=s.PriceBreak,
                response=self.schema, required=("Quantity", "Price"),
                summary="Create or update a price schedule price break",
                description="Adds the price break, or replaces the one with its Quantity; returns the price schedule.",
            ),
            Operation(
                op="DeletePriceBreak", verb="DELETE", path=path, run=self.price_break_delete,
                query={"quantity": int | None}, summary="Delete a price schedule price break",
                description="Deletes the price break with that `quantity` (404 when the schedule has none).",
            ),
        )  # fmt: skip

    def serialize(self, obj, extra: dict | None = None) -> dict:
        """PriceBreaks sorted by Quantity, each with every field of the SDK's PriceBreak (null when
        not set), as a schedule read back shows them whichever fields were sent."""
        out = super().serialize(obj, extra)
        if "PriceBreaks" in out:
            out["PriceBreaks"] = [
                {name: b.get(name) for name in PRICE_BREAK_FIELDS} if isinstance(b, dict) else b
                for b in sorted_breaks(out["PriceBreaks"]) or []
            ]
        return out

    def _schedule(self, caller, path_params: dict):
        """The schedule a price break operation changes, locked until commit; a supplier user's own only."""
        obj = self.get_object(caller, {}, path_params[self.id_param], lock=True)
        self._check_owner(caller, obj)
        return obj

    @transaction.atomic
    def price_break_save(self, caller, path_params: dict, query: dict, data: dict) -> dict:
        """PriceSchedules.SavePriceBreak: add the break, or replace the one with its Quantity."""
        price_break_check(data, "")
        obj = self._schedule(caller, path_params)
        kept = [b for b in obj.price_breaks or [] if not _same_quantity(b, data["Quantity"])]
        obj.price_breaks = sorted_breaks([*kept, data])
        self._save(caller, obj, {}, creating=False)  # the other breaks as they are: only this one is checked
        return self.serialize_many([obj])[0]

    @transaction.atomic
    def price_break_delete(self, caller, path_params: dict, query: dict, data) -> None:
        """PriceSchedules.DeletePriceBreak: remove the break with that quantity (404 when there is none)."""
        quantity = query.get("quantity")
        if quantity is None:
            raise InvalidRequest(MSG_QUANTITY_PARAM, data={"Parameter": "quantity", "Value": None})
        obj = self._schedule(caller, path_params)
        kept = [b for b in obj.price_breaks or [] if not _same_quantity(b, quantity)]
        if len(kept) == len(obj.price_breaks or []):
            message = MSG_NO_PRICE_BREAK.format(schedule=obj.oc_id, quantity=quantity)
            raise CoreObjectNotFound("PriceBreak", str(quantity), message=message)
        obj.price_breaks = kept
        self._save(caller, obj, {}, creating=False)
