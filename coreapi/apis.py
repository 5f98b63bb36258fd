"""The core API as django-ninja operations, built once per environment by `build_core_api`.

Each environment gets its own NinjaAPI (own urls_namespace, own routers, own bearer verifier keyed
to that environment), mounted at /core/<environment>/ by coreapi/urls.py. OpenAPI paths read
`/v1/...` with a `servers` entry for the environment's base URL.
"""

import inspect
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError

from coreapi import definitions as d
from coreapi import schemas as s
from coreapi import product_suppliers, services, variants
from coreapi.auth import Caller, CoreBearer
from coreapi.errors import (
    MSG_BAD_BOOL_PARAM,
    MSG_BAD_PAGE,
    MSG_BAD_PAGE_SIZE,
    MSG_BODY_MISSING,
    MSG_BODY_NOT_OBJECT,
    MSG_INVALID_TOKEN,
    MSG_MISSING_TOKEN,
    MSG_QUERY_TOO_LARGE,
    MSG_REQUIRED,
    CoreApiError,
    InvalidRequest,
    OAuthError,
)
from coreapi import me_addresses
from coreapi.me import (
    ME_SAVE_REQUIRED,
    anonymous_refuse,
    me_catalog_get,
    me_catalogs_list,
    me_categories_list,
    me_category_get,
    me_get,
    me_password_reset,
    me_patch,
    me_product_get,
    me_products_list,
    me_save,
    me_spec_get,
    me_specs_list,
    me_write_check,
)
from coreapi.middleware import endpoint_not_found_data, refused_response, unreadable_message
from coreapi.models import Marketplace, UserKind
from coreapi.querying import MAX_FILTER_VALUES, MAX_SEARCH_FIELDS, MAX_SEARCH_TERMS, MAX_VALUE_LENGTH, SEARCH_TYPES
from coreapi.resources import Assignment, Resource, json_response
from coreapi.tokens import base_url
from coreapi.webhooks import WebhookWrite, prehooks_call, webhooks_fire
from portal.common import dbdown
from portal.common.jsonbody import BodyRejected, StrictJSONParser, http_error_message

logger = logging.getLogger(__name__)

P = inspect.Parameter
DEFAULT_OPS = {op: op for op in ("List", "Get", "Create", "Save", "Patch", "Delete")}
LIST_QUERY = [
    P("search", P.KEYWORD_ONLY, default=None, annotation=str | None),
    P("searchOn", P.KEYWORD_ONLY, default=None, annotation=str | None),
    P("searchType", P.KEYWORD_ONLY, default=None, annotation=str | None),
    P("sortBy", P.KEYWORD_ONLY, default=None, annotation=str | None),
    P("page", P.KEYWORD_ONLY, default=None, annotation=int | None),
    P("pageSize", P.KEYWORD_ONLY, default=None, annotation=int | None),
]
# Error responses are not declared per operation: ninja builds a pydantic model for every
# (operation, status code) pair, which made building the three environments' APIs take ~7 s.
# Every error leaves through the exception handlers (never a returned tuple), so the codes are
# added to the OpenAPI document once, in CoreNinjaAPI.get_openapi_schema.
MSG_NO_USER_TO_REVOKE = (
    "This token was issued by the portal for a contributor, not for a user of the marketplace: there are no "
    "user tokens to revoke. It ends when it expires; refreshing it gives only the access the contributor still has."
)
DOCUMENTED_ERRORS = {"400": "InvalidRequest", "401": "InvalidToken", "403": "InsufficientRoles", "404": "NotFound"}
WRITE_ERRORS = {"409": "IdExists"}
LIST_DESCRIPTION = (
    "Filters: any listed field as `Field=value` (`*` wildcard, `!` not, `>` `<` `>=` `<=`, `|` or; "
    "`Field=*` has a value, `Field=!*` has none; `xp.path=value` for extended properties). `sortBy` is a "
    "comma list, `!` for descending. `search` looks in `searchOn` (xp paths allowed) as `searchType` says "
    "(default AllTermsAnyField: every word in some field). At most "
    f"{MAX_FILTER_VALUES} filter values (each `|` alternative counts), {MAX_SEARCH_TERMS} search words, "
    f"{MAX_SEARCH_FIELDS} searchOn fields, {MAX_VALUE_LENGTH:,} characters a value or search."
)


MAX_BODY_DEPTH = 100  # objects and arrays in one another; pydantic's model_dump fails past ~250
MSG_BODY_TOO_DEEP = f"The body is nested more than {MAX_BODY_DEPTH} levels deep."
MSG_LONE_SURROGATE = (
    "{field}: a lone surrogate (\\u{code:04x}) is not a character and cannot be stored; send the character "
    "itself or both halves of its UTF-16 pair."
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class CoreJSONParser(StrictJSONParser):
    """StrictJSONParser, and: nested at most MAX_BODY_DEPTH levels (deeper, Python's and pydantic's
    recursion limits turn it into a 500 or "Cannot parse request body"); no lone UTF-16 surrogate
    (`"\\ud800"` is valid JSON, but the string cannot be encoded as UTF-8: PostgreSQL refuses it
    with a 500) in any key or value, whatever the field's type (xp, lists, IDs)."""

    def parse_body(self, request):
        try:
            data = super().parse_body(request)
        except RecursionError:
            raise BodyRejected(MSG_BODY_TOO_DEEP) from None
        _text_check(data)
        return data


def _text_check(data: Any) -> None:
    stack: list[tuple[Any, tuple, int]] = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_BODY_DEPTH:
                raise BodyRejected(MSG_BODY_TOO_DEEP)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (bad := _SURROGATE.search(key)):
                    field = ".".join(map(str, path)) or "body"
                    raise BodyRejected(MSG_LONE_SURROGATE.format(field=field, code=ord(bad.group())))
                stack.append((item, (*path, key), depth + 1))
        elif isinstance(value, str) and (bad := _SURROGATE.search(value)):
            field = ".".join(map(str, path)) or "body"
            raise BodyRejected(MSG_LONE_SURROGATE.format(field=field, code=ord(bad.group())))


class CoreNinjaAPI(NinjaAPI):
    environment: str = ""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix="/", path_params=path_params)
        schema["servers"] = [{"url": base_url(self.environment), "description": f"{self.environment} core API"}]
        _document_errors(schema)
        _document_paging(schema)
        _document_required(schema)
        _document_read_only(schema)
        return schema


# schema (component) name -> fields the API sets itself (ignored in a body): readOnly in the document
READ_ONLY_FIELDS: dict[str, tuple[str, ...]] = {}


def _document_read_only(schema: dict) -> None:
    components = schema.get("components", {}).get("schemas", {})
    for name, fields in READ_ONLY_FIELDS.items():
        properties = components.get(name, {}).get("properties", {})
        for field_name in fields:
            if field_name in properties:
                properties[field_name]["readOnly"] = True


# operationId -> the body fields a create or replace (POST, PUT) needs; one schema per resource
# serves POST, PUT and PATCH (where every field is optional), so the document says it per operation
REQUIRED_BODY_FIELDS: dict[str, tuple[str, ...]] = {}


def _document_required(schema: dict) -> None:
    """`{"allOf": [<the resource's schema>], "required": [...]}` as the body of each create/replace."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            required = REQUIRED_BODY_FIELDS.get(operation.get("operationId")) if isinstance(operation, dict) else None
            content = (operation.get("requestBody") or {}).get("content", {}).get("application/json") if required else None
            if content and "schema" in content:
                content["schema"] = {"allOf": [content["schema"]], "required": list(required)}


QUERY_TYPE_MESSAGES = {
    "page": MSG_BAD_PAGE,
    "pageSize": MSG_BAD_PAGE_SIZE,
    "overwriteExisting": MSG_BAD_BOOL_PARAM.format(name="overwriteExisting"),
}
LIST_PARAM_RULES = {
    "page": ("integer", {"minimum": 1}),
    "pageSize": ("integer", {"minimum": 1, "maximum": 100}),
    "searchType": ("string", {"enum": list(SEARCH_TYPES)}),
}


def _document_paging(schema: dict) -> None:
    """What every list enforces (400 otherwise) on its page, pageSize and searchType parameters."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query" and parameter.get("name") in LIST_PARAM_RULES:
                    kind, rules = LIST_PARAM_RULES[parameter["name"]]
                    target = parameter.setdefault("schema", {})
                    for option in target.get("anyOf", [target]):  # X | None: the X branch
                        if option.get("type") == kind:
                            option.update(rules)


def _document_errors(schema: dict) -> None:
    """Add the OrderCloud error responses to every operation of the OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = s.ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components.setdefault("ErrorBody", error_schema)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if path.endswith("oauth/token"):
                continue
            responses = operation.setdefault("responses", {})
            codes = dict(DOCUMENTED_ERRORS)
            if method in ("post", "put", "patch"):
                codes.update(WRITE_ERRORS)
            for code, error_code in codes.items():
                responses.setdefault(code, {
                    "description": f"Error (e.g. {error_code})",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                })


def _view(name: str, func, params: list[inspect.Parameter]):
    def view(request, **kwargs):
        return func(request, **kwargs)

    view.__name__ = name
    view.__qualname__ = name
    view.__signature__ = inspect.Signature([P("request", P.POSITIONAL_OR_KEYWORD), *params])
    return view


def _path_params(path: str) -> list[str]:
    import re

    return re.findall(r"{(\w+)}", path)


def _str_params(names: list[str]) -> list[inspect.Parameter]:
    return [P(n, P.KEYWORD_ONLY, annotation=str) for n in names]


def _write(request, *, route: str, verb: str, params: dict, request_body: Any) -> WebhookWrite:
    """The write as its webhooks are told about it: the caller's client, token and LogID."""
    caller: Caller = request.auth
    header = request.headers.get("Authorization", "")
    return WebhookWrite(
        marketplace=caller.marketplace_pk,
        route=route,
        verb=verb,
        route_params=params,
        query_params=dict(request.GET.items()),
        client_id=caller.claims.client_id,
        request_body=request_body,
        token_claims=caller.claims,
        user_token=header[7:] if header[:7].lower() == "bearer " else "",
        log_id=getattr(request, "oc_logid", ""),
    )


def _before(request, *, route: str, verb: str, params: dict, request_body: Any) -> None:
    """Before a write (its roles checked, nothing written yet): the pre-hooks may stop it."""
    prehooks_call(_write(request, route=route, verb=verb, params=params, request_body=request_body))


def _fire(request, *, route: str, verb: str, params: dict, request_body: Any, response_body: Any) -> None:
    """After a successful write: hand the request to coreapi.webhooks (matching, signing, delivery)."""
    write = _write(request, route=route, verb=verb, params=params, request_body=request_body)
    webhooks_fire(write, response_body=response_body)


def _mount_resource(router: Router, res: Resource) -> None:
    ops = getattr(res, "op_names", DEFAULT_OPS)
    collection = f"v1{res.path}"
    item = f"{collection}/{{{res.id_param}}}"
    parent_names = _path_params(collection)
    read = (*res.read_roles, *res.write_roles)
    write = res.write_roles
    suppliers = res.supplier_access is not None  # supplier users too (see resources.SupplierAccess)
    tags = [res.tag or res.sdk]

    # boolean query parameters of Create, Save and Patch (Categories' adjustListOrders): OCBool, as
    # GenerateVariants' overwriteExisting; the resource's create / save / patch get them as `flags`
    write_flags: tuple[str, ...] = getattr(res, "write_flags", ())
    flag_p = [P(name, P.KEYWORD_ONLY, default=None, annotation=s.OCBool | None) for name in write_flags]
    for name in write_flags:
        QUERY_TYPE_MESSAGES.setdefault(name, MSG_BAD_BOOL_PARAM.format(name=name))

    def flags_taken(kw: dict) -> dict:
        """The write's flags, taken out of `kw` (which then holds the route's parameters only)."""
        given = {name: kw.pop(name, None) for name in write_flags}
        return {"flags": {name: value for name, value in given.items() if value is not None}} if write_flags else {}

    def op_id(op: str) -> str:
        return f"{res.sdk}.{ops[op]}"

    def list_(request, **kw):
        caller: Caller = request.auth
        caller.require(read, seller_only=True, suppliers=suppliers)
        return json_response(res.list(caller, request, {k: kw[k] for k in parent_names}))

    def get_(request, **kw):
        caller: Caller = request.auth
        caller.require(read, seller_only=True, suppliers=suppliers)
        obj = res.get_object(caller, kw, kw[res.id_param])
        return json_response(res.serialize_many([obj])[0])

    def create_(request, payload, **kw):
        caller: Caller = request.auth
        flags = flags_taken(kw)
        caller.require(write, seller_only=True, suppliers=suppliers)
        data = payload.model_dump(mode="json", exclude_unset=True)
        _before(request, route=collection, verb="POST", params=kw, request_body=data)
        obj = res.create(caller, kw, data, **flags)
        body = res.serialize_many([obj])[0]
        _fire(request, route=collection, verb="POST", params=kw, request_body=data, response_body=body)
        if res.created_extra:
            body = {**res.created_extra(obj), **body}
        return json_response(body, status=201)

    def save_(request, payload, **kw):
        caller: Caller = request.auth
        flags = flags_taken(kw)
        caller.require(write, seller_only=True, suppliers=suppliers)
        data = payload.model_dump(mode="json", exclude_unset=True)
        _before(request, route=item, verb="PUT", params=kw, request_body=data)
        obj, created = res.save(caller, kw, kw[res.id_param], data, **flags)
        body = res.serialize_many([obj])[0]
        _fire(request, route=item, verb="PUT", params=kw, request_body=data, response_body=body)
        return json_response(body, status=201 if created else 200)

    def patch_(request, payload, **kw):
        caller: Caller = request.auth
        flags = flags_taken(kw)
        caller.require(write, seller_only=True, suppliers=suppliers)
        data = payload.model_dump(mode="json", exclude_unset=True)
        _before(request, route=item, verb="PATCH", params=kw, request_body=data)
        obj = res.patch(caller, kw, kw[res.id_param], data, **flags)
        body = res.serialize_many([obj])[0]
        _fire(request, route=item, verb="PATCH", params=kw, request_body=data, response_body=body)
        return json_response(body)

    def delete_(request, **kw):
        caller: Caller = request.auth
        caller.require(write, seller_only=True, suppliers=suppliers)
        _before(request, route=item, verb="DELETE", params=kw, request_body=None)
        res.delete(caller, kw, kw[res.id_param])
        _fire(request, route=item, verb="DELETE", params=kw, request_body=None, response_body=None)
        return HttpResponse(status=204)

    body = [P("payload", P.KEYWORD_ONLY, annotation=res.schema)]
    coll_p = _str_params(parent_names)
    item_p = _str_params([*parent_names, res.id_param])
    page = s.ListPage[res.schema]
    add = router.add_api_operation
    narrowing = [P(name, P.KEYWORD_ONLY, default=None, annotation=str | None) for name in res.list_query]
    add(collection, ["GET"], _view(f"{res.sdk}_{ops['List']}", list_, [*coll_p, *narrowing, *LIST_QUERY]),
        response={200: page}, operation_id=op_id("List"), tags=tags,
        summary=f"List {res.object_type} objects", description=LIST_DESCRIPTION)  # fmt: skip
    if res.readonly:
        READ_ONLY_FIELDS[res.schema.__name__] = tuple(dict.fromkeys([*READ_ONLY_FIELDS.get(res.schema.__name__, ()), *res.readonly]))
    if res.required:
        REQUIRED_BODY_FIELDS.update({op_id(name): res.required for name in ("Create", "Save") if name in ops})
    if "Create" in ops:  # variants are generated, not created
        add(collection, ["POST"], _view(f"{res.sdk}_{ops['Create']}", create_, [*coll_p, *body, *flag_p]),
            response={201: res.create_schema or res.schema}, operation_id=op_id("Create"), tags=tags,
            summary=f"Create a {res.object_type}")  # fmt: skip
    add(item, ["GET"], _view(f"{res.sdk}_{ops['Get']}", get_, item_p),
        response={200: res.schema}, operation_id=op_id("Get"), tags=tags,
        summary=f"Retrieve a {res.object_type}")  # fmt: skip
    if "Save" in ops:  # not every resource has one (ApiClient secrets: create and patch only)
        add(item, ["PUT"], _view(f"{res.sdk}_{ops['Save']}", save_, [*item_p, *body, *flag_p]),
            response={200: res.schema, 201: res.schema}, operation_id=op_id("Save"),
            tags=tags, summary=f"Create or replace a {res.object_type}")  # fmt: skip
    add(item, ["PATCH"], _view(f"{res.sdk}_{ops['Patch']}", patch_, [*item_p, *body, *flag_p]),
        response={200: res.schema}, operation_id=op_id("Patch"), tags=tags,
        summary=f"Partially update a {res.object_type}")  # fmt: skip
    if "Delete" in ops:  # variants go with their product or a GenerateVariants that overwrites
        add(item, ["DELETE"], _view(f"{res.sdk}_{ops['Delete']}", delete_, item_p),
            response={204: None}, operation_id=op_id("Delete"), tags=tags,
            summary=f"Delete a {res.object_type}")  # fmt: skip
    for operation in res.operations:  # the resource's own writes (PriceSchedules.SavePriceBreak, ...)
        operation.mount(router, res, before=_before, fire=_fire)
        if operation.required:
            REQUIRED_BODY_FIELDS[operation.operation_id(res)] = operation.required


def _mount_assignment(router: Router, a: Assignment) -> None:
    path = f"v1{a.path}"
    parent_names = _path_params(path)
    read = (*a.read_roles, *a.write_roles)
    suppliers = a.supplier_access is not None  # supplier users too, in their own supplier
    tags = [a.tag or a.sdk]

    def list_(request, **kw):
        caller: Caller = request.auth
        caller.require(read, seller_only=True, suppliers=suppliers)
        return json_response(a.list(caller, request, {k: kw[k] for k in parent_names}))

    def save_(request, payload, **kw):
        caller: Caller = request.auth
        caller.require(a.write_roles, seller_only=True, suppliers=suppliers)
        data = payload.model_dump(mode="json", exclude_unset=True)
        _before(request, route=path, verb="POST", params=kw, request_body=data)
        saved = a.save(caller, kw, data)
        _fire(request, route=path, verb="POST", params=kw, request_body=data, response_body=saved)
        return HttpResponse(status=204)

    filters = [P(name, P.KEYWORD_ONLY, default=None, annotation=str | None) for name in (*a.list_params, *a.query_params)]
    for name in a.bool_params:
        filters.append(P(name, P.KEYWORD_ONLY, default=None, annotation=s.OCBool | None))
        QUERY_TYPE_MESSAGES.setdefault(name, MSG_BAD_BOOL_PARAM.format(name=name))
    coll_p = _str_params(parent_names)
    if a.required:
        REQUIRED_BODY_FIELDS[f"{a.sdk}.{a.save_op}"] = a.required
    router.add_api_operation(
        path, ["GET"], _view(f"{a.sdk}_{a.list_op}", list_, [*coll_p, *filters, *LIST_QUERY]),
        response={200: s.ListPage[a.schema]}, operation_id=f"{a.sdk}.{a.list_op}", tags=tags,
    )  # fmt: skip
    router.add_api_operation(
        path, ["POST"], _view(f"{a.sdk}_{a.save_op}", save_, [*coll_p, P("payload", P.KEYWORD_ONLY, annotation=a.schema)]),
        response={204: None}, operation_id=f"{a.sdk}.{a.save_op}", tags=tags,
    )  # fmt: skip
    for spec in a.deletes:
        route = f"v1{spec.path}"
        names = _path_params(route)

        def delete_(request, _spec=spec, _route=route, **kw):
            caller: Caller = request.auth
            caller.require(a.write_roles, seller_only=True, suppliers=suppliers)
            query = {k: kw.get(k) for k in (*_spec.query_columns, *_spec.no_such_level)}
            _before(request, route=_route, verb="DELETE", params={**kw}, request_body=None)
            a.delete(caller, _spec, kw, query)
            _fire(request, route=_route, verb="DELETE", params={**kw}, request_body=None, response_body=None)
            return HttpResponse(status=204)

        query_p = [P(n, P.KEYWORD_ONLY, default=None, annotation=str | None) for n in (*spec.query_columns, *spec.no_such_level)]
        router.add_api_operation(
            route, ["DELETE"], _view(f"{a.sdk}_{spec.op}", delete_, [*_str_params(names), *query_p]),
            response={204: None}, operation_id=f"{a.sdk}.{spec.op}", tags=tags,
        )  # fmt: skip


def _mount_users_extras(router: Router) -> None:
    """RevokeUserTokens, UnlockUserAccount (admin, buyer, supplier users) and Users.GetAccessToken."""
    kinds = [
        (d.ADMIN_USERS, "v1/adminusers/{userID}", UserKind.ADMIN),
        (d.USERS, "v1/buyers/{buyerID}/users/{userID}", UserKind.BUYER),
        (d.SUPPLIER_USERS, "v1/suppliers/{supplierID}/users/{userID}", UserKind.SUPPLIER),
    ]
    for res, item, kind in kinds:
        names = _path_params(item)

        def revoke(request, _res=res, _kind=kind, **kw):
            caller: Caller = request.auth
            caller.require(_res.write_roles, seller_only=True)
            user = _res.get_object(caller, kw, kw["userID"])
            services.user_tokens_revoke(
                marketplace=caller.marketplace_row(),
                user_kind=_kind,
                company_id=user.company_id,
                user_id=user.oc_id,
            )
            return HttpResponse(status=204)

        def unlock(request, _res=res, **kw):
            caller: Caller = request.auth
            caller.require(_res.write_roles, seller_only=True)
            services.user_unlock(user=_res.get_object(caller, kw, kw["userID"]))
            return HttpResponse(status=204)

        router.add_api_operation(
            f"{item}/tokens", ["DELETE"], _view(f"{res.sdk}_RevokeUserTokens", revoke, _str_params(names)),
            response={204: None}, operation_id=f"{res.sdk}.RevokeUserTokens", tags=[res.tag],
        )  # fmt: skip
        router.add_api_operation(
            f"{item}/unlock", ["POST"], _view(f"{res.sdk}_UnlockUserAccount", unlock, _str_params(names)),
            response={204: None}, operation_id=f"{res.sdk}.UnlockUserAccount", tags=[res.tag],
        )  # fmt: skip

    def impersonate(request, buyerID: str, userID: str, payload: s.ImpersonateTokenRequest):
        caller: Caller = request.auth
        caller.require(("BuyerImpersonation",), seller_only=True)
        if payload.Roles is None:  # the SDK: "Required fields: ClientID, Roles" (an empty list is a list)
            raise InvalidRequest(MSG_REQUIRED.format(field="Roles"), data={"Field": "Roles"})
        d.USERS.get_object(caller, {"buyerID": buyerID}, userID)
        token = services.impersonation_token_create(
            marketplace=caller.marketplace_row(),
            impersonator=caller,
            buyer_id=buyerID,
            user_id=userID,
            client_id=payload.ClientID,
            roles=payload.Roles,
            custom_roles=payload.CustomRoles or [],
        )
        return json_response(token)

    move_route = "v1/buyers/{buyerID}/users/{userID}/moveto/{newBuyerID}"

    def move(request, buyerID: str, userID: str, newBuyerID: str, orders: str | None = None):  # noqa: N803
        caller: Caller = request.auth
        caller.require(d.USERS.write_roles, seller_only=True)
        params = {"buyerID": buyerID, "userID": userID, "newBuyerID": newBuyerID}
        _before(request, route=move_route, verb="POST", params=params, request_body=None)
        user = d.buyer_user_move(caller, buyer_id=buyerID, user_id=userID, new_buyer_id=newBuyerID, orders=orders)
        body = d.USERS.serialize_many([user])[0]
        _fire(request, route=move_route, verb="POST", params=params, request_body=None, response_body=body)
        return json_response(body, status=201)

    def across(request, search: str | None = None, searchOn: str | None = None, sortBy: str | None = None,
               page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(d.buyer_users_across_list(request.auth, request))

    router.add_api_operation(
        "v1/buyerusers", ["GET"], across, response={200: s.ListPage[s.User]}, operation_id="Users.ListAcrossBuyers",
        tags=["Buyer users"], summary="List the users of every buyer", description=LIST_DESCRIPTION,
    )  # fmt: skip
    router.add_api_operation(
        move_route, ["POST"], move, response={201: s.User}, operation_id="Users.Move", tags=["Buyer users"],
        summary="Move a user to a different buyer (orders: None, Unsubmitted or All)",
    )  # fmt: skip
    REQUIRED_BODY_FIELDS["Users.GetAccessToken"] = ("ClientID", "Roles")
    router.add_api_operation(
        "v1/buyers/{buyerID}/users/{userID}/accesstoken", ["POST"], impersonate,
        response={200: s.AccessToken}, operation_id="Users.GetAccessToken", tags=["Buyer users"],
        summary="Get an impersonation access token for a buyer user (needs BuyerImpersonation)",
    )  # fmt: skip


def _mount_products_extras(router: Router) -> None:
    """Products.GenerateVariants and Products.ListSpecs (coreapi/variants.py); mounted before the
    resources, so `/variants/generate` is not taken for a variant ID."""
    tags = ["Products"]

    generate_route = "v1/products/{productID}/variants/generate"

    def generate(request, productID: str, payload: s.VariantOverrides,
                 overwriteExisting: s.OCBool | None = None):  # fmt: skip
        data = payload.model_dump(mode="json", exclude_unset=True)
        request.auth.require(d.PRODUCTS.write_roles, seller_only=True)
        _before(request, route=generate_route, verb="POST", params={"productID": productID}, request_body=data)
        product = variants.variants_generate(
            request.auth, product_id=productID, overwrite=bool(overwriteExisting), active=data.get("Active")
        )
        body = d.PRODUCTS.serialize_many([product])[0]
        _fire(request, route=generate_route, verb="POST", params={"productID": productID}, request_body=data,
              response_body=body)  # fmt: skip
        return json_response(body, status=201)

    def specs(request, productID: str, search: str | None = None, searchOn: str | None = None,
              sortBy: str | None = None, page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(variants.product_specs_list(request.auth, request, product_id=productID))

    def suppliers(request, productID: str, search: str | None = None, searchOn: str | None = None,
                  sortBy: str | None = None, page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(product_suppliers.product_suppliers_list(request.auth, request, product_id=productID))

    supplier_route = "v1/products/{productID}/suppliers/{supplierID}"

    def supplier_save(request, productID: str, supplierID: str, defaultPriceScheduleID: str | None = None):  # noqa: N803
        request.auth.require(product_suppliers.WRITE, seller_only=True)
        params = {"productID": productID, "supplierID": supplierID}
        _before(request, route=supplier_route, verb="PUT", params=params, request_body=None)
        product_suppliers.product_supplier_save(request.auth, product_id=productID, supplier_id=supplierID,
                                                default_price_schedule_id=defaultPriceScheduleID)  # fmt: skip
        _fire(request, route=supplier_route, verb="PUT", params=params, request_body=None, response_body=None)
        return HttpResponse(status=204)

    def supplier_remove(request, productID: str, supplierID: str):  # noqa: N803
        request.auth.require(product_suppliers.WRITE, seller_only=True)
        params = {"productID": productID, "supplierID": supplierID}
        _before(request, route=supplier_route, verb="DELETE", params=params, request_body=None)
        product_suppliers.product_supplier_remove(request.auth, product_id=productID, supplier_id=supplierID)
        _fire(request, route=supplier_route, verb="DELETE", params=params, request_body=None, response_body=None)
        return HttpResponse(status=204)

    add = router.add_api_operation
    add("v1/products/{productID}/suppliers", ["GET"], suppliers, response={200: s.ListPage[s.ProductSupplier]},
        operation_id="Products.ListSuppliers", tags=tags, summary="List the suppliers that sell the product",
        description=LIST_DESCRIPTION)  # fmt: skip
    add(supplier_route, ["PUT"], supplier_save, response={204: None}, operation_id="Products.SaveSupplier", tags=tags,
        summary="Let a supplier sell the product (optionally at its own default price schedule)")  # fmt: skip
    add(supplier_route, ["DELETE"], supplier_remove, response={204: None}, operation_id="Products.RemoveSupplier",
        tags=tags, summary="Stop a supplier selling the product")  # fmt: skip
    add(generate_route, ["POST"], generate, response={201: s.Product},
        operation_id="Products.GenerateVariants", tags=tags, summary="Generate variants",
        description=variants.GENERATE_DESCRIPTION)  # fmt: skip
    add("v1/products/{productID}/specs", ["GET"], specs, response={200: s.ListPage[s.Spec]},
        operation_id="Products.ListSpecs", tags=tags, summary="List the product's specs",
        description=LIST_DESCRIPTION)  # fmt: skip


def _mount_me(router: Router) -> None:
    tags = ["Me"]

    def get(request):
        return json_response(me_get(request.auth))

    def write(request, payload, verb: str, writer):
        """Me.Patch / Me.Save: refused to an anonymous shopper before any pre-hook is asked."""
        caller: Caller = request.auth
        data = payload.model_dump(mode="json", exclude_unset=True)
        me_write_check(caller)
        _before(request, route="v1/me", verb=verb, params={}, request_body=data)
        body = writer(caller, data)
        _fire(request, route="v1/me", verb=verb, params={}, request_body=data, response_body=body)
        return json_response(body)

    def patch(request, payload: s.MeUserPatch):
        return write(request, payload, "PATCH", me_patch)

    def save(request, payload: s.MeUser):
        return write(request, payload, "PUT", me_save)

    def password(request, payload: s.TokenPasswordReset):
        # no webhooks: their payload would carry the new password
        me_password_reset(request.auth, payload.model_dump(mode="json", exclude_unset=True))
        return HttpResponse(status=204)

    def products(request, catalogID: str | None = None, categoryID: str | None = None, depth: str | None = None,
                 search: str | None = None, searchOn: str | None = None, searchType: str | None = None,
                 sortBy: str | None = None, page: int | None = None, pageSize: int | None = None,
                 sellerID: str | None = None):  # fmt: skip
        return json_response(me_products_list(request.auth, request, catalog_id=catalogID, category_id=categoryID,
                                              seller_id=sellerID))  # fmt: skip

    def product(request, productID: str, sellerID: str | None = None):
        return json_response(me_product_get(request.auth, productID, seller_id=sellerID))

    def catalogs(request, search: str | None = None, searchOn: str | None = None, sortBy: str | None = None,
                 page: int | None = None, pageSize: int | None = None, sellerID: str | None = None):  # fmt: skip
        return json_response(me_catalogs_list(request.auth, request, seller_id=sellerID))

    def catalog(request, catalogID: str):
        return json_response(me_catalog_get(request.auth, catalogID))

    def category(request, categoryID: str, catalogID: str | None = None):
        return json_response(me_category_get(request.auth, categoryID, catalog_id=catalogID))

    def categories(request, catalogID: str | None = None, productID: str | None = None, depth: str | None = None,
                   search: str | None = None, searchOn: str | None = None, sortBy: str | None = None,
                   page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(me_categories_list(request.auth, request, catalog_id=catalogID, product_id=productID))

    def variant_list(request, productID: str, search: str | None = None, searchOn: str | None = None,
                     sortBy: str | None = None, page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(variants.me_variants_list(request.auth, request, product_id=productID))

    def variant_get(request, productID: str, variantID: str):
        return json_response(variants.me_variant_get(request.auth, product_id=productID, variant_id=variantID))

    def spec_list(request, productID: str, catalogID: str | None = None, search: str | None = None,
                  searchOn: str | None = None, searchType: str | None = None, sortBy: str | None = None,
                  page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(me_specs_list(request.auth, request, product_id=productID, catalog_id=catalogID))

    def spec_get(request, productID: str, specID: str, catalogID: str | None = None):
        return json_response(me_spec_get(request.auth, product_id=productID, spec_id=specID, catalog_id=catalogID))

    def revoke(request):
        caller: Caller = request.auth
        if not caller.user_id:  # the portal's token for a contributor: no user whose tokens could end
            raise InvalidRequest(MSG_NO_USER_TO_REVOKE)
        anonymous_refuse(caller, ())  # it would end every anonymous shopper's token of the client
        services.user_tokens_revoke(
            marketplace=caller.marketplace_row(),
            user_kind=caller.user_type,
            company_id=caller.claims.company_id,
            user_id=caller.user_id,
        )
        return HttpResponse(status=204)

    def address_list(request, search: str | None = None, searchOn: str | None = None, searchType: str | None = None,
                     sortBy: str | None = None, page: int | None = None, pageSize: int | None = None):  # fmt: skip
        return json_response(me_addresses.me_addresses_list(request.auth, request))

    def address_get(request, addressID: str):  # noqa: N803
        return json_response(me_addresses.me_address_get(request.auth, addressID))

    def address_write(request, *, verb: str, route: str, params: dict, data, write):
        me_addresses.writer_check(request.auth)  # before the pre-hook webhooks hear of it
        _before(request, route=route, verb=verb, params=params, request_body=data)
        body = write()
        _fire(request, route=route, verb=verb, params=params, request_body=data, response_body=body)
        return body

    def address_create(request, payload: s.BuyerAddress):
        data = payload.model_dump(mode="json", exclude_unset=True)
        body = address_write(request, verb="POST", route="v1/me/addresses", params={}, data=data,
                             write=lambda: me_addresses.me_address_create(request.auth, data))  # fmt: skip
        return json_response(body, status=201)

    def address_save(request, addressID: str, payload: s.BuyerAddress):  # noqa: N803
        data = payload.model_dump(mode="json", exclude_unset=True)
        return json_response(address_write(
            request, verb="PUT", route="v1/me/addresses/{addressID}", params={"addressID": addressID}, data=data,
            write=lambda: me_addresses.me_address_save(request.auth, addressID, data)))  # fmt: skip

    def address_patch(request, addressID: str, payload: s.BuyerAddress):  # noqa: N803
        data = payload.model_dump(mode="json", exclude_unset=True)
        return json_response(address_write(
            request, verb="PATCH", route="v1/me/addresses/{addressID}", params={"addressID": addressID}, data=data,
            write=lambda: me_addresses.me_address_patch(request.auth, addressID, data)))  # fmt: skip

    def address_delete(request, addressID: str):  # noqa: N803
        address_write(request, verb="DELETE", route="v1/me/addresses/{addressID}", params={"addressID": addressID},
                      data=None, write=lambda: me_addresses.me_address_delete(request.auth, addressID))  # fmt: skip
        return HttpResponse(status=204)

    # what Me.Patch does not change is read-only in the MeUser the document shows
    READ_ONLY_FIELDS["MeUser"] = tuple(name for name in s.MeUser.model_fields if name not in s.MeUserPatch.model_fields)
    add = router.add_api_operation
    add("v1/me", ["GET"], get, response={200: s.MeUser}, operation_id="Me.Get", tags=tags)
    add("v1/me", ["PATCH"], patch, response={200: s.MeUser}, operation_id="Me.Patch", tags=tags,
        summary="Change your own profile", description=" ".join((s.MeUserPatch.__doc__ or "").split()))  # fmt: skip
    add("v1/me", ["PUT"], save, response={200: s.MeUser}, operation_id="Me.Save", tags=tags,
        summary="Replace your own profile", description=" ".join((me_save.__doc__ or "").split()))  # fmt: skip
    REQUIRED_BODY_FIELDS["Me.Save"] = ME_SAVE_REQUIRED
    add("v1/me/password", ["POST"], password, response={204: None}, operation_id="Me.ResetPasswordByToken", tags=tags,
        summary="Set your own password", description=" ".join((me_password_reset.__doc__ or "").split()))  # fmt: skip
    REQUIRED_BODY_FIELDS["Me.ResetPasswordByToken"] = ("NewPassword",)
    add("v1/me/products", ["GET"], products, response={200: s.ListPage[s.BuyerProduct]},
        operation_id="Me.ListProducts", tags=tags, description=LIST_DESCRIPTION)  # fmt: skip
    add("v1/me/products/{productID}", ["GET"], product, response={200: s.BuyerProduct},
        operation_id="Me.GetProduct", tags=tags)  # fmt: skip
    add("v1/me/products/{productID}/variants", ["GET"], variant_list, response={200: s.ListPage[s.Variant]},
        operation_id="Me.ListVariants", tags=tags, description=LIST_DESCRIPTION)  # fmt: skip
    add("v1/me/products/{productID}/variants/{variantID}", ["GET"], variant_get, response={200: s.Variant},
        operation_id="Me.GetVariant", tags=tags)  # fmt: skip
    add("v1/me/products/{productID}/specs", ["GET"], spec_list, response={200: s.ListPage[s.Spec]},
        operation_id="Me.ListSpecs", tags=tags, summary="List the specs of a product you can see",
        description=LIST_DESCRIPTION)  # fmt: skip
    add("v1/me/products/{productID}/specs/{specID}", ["GET"], spec_get, response={200: s.Spec},
        operation_id="Me.GetSpec", tags=tags, summary="Retrieve a spec of a product you can see")  # fmt: skip
    add("v1/me/catalogs", ["GET"], catalogs, response={200: s.ListPage[s.Catalog]},
        operation_id="Me.ListCatalogs", tags=tags)  # fmt: skip
    add("v1/me/catalogs/{catalogID}", ["GET"], catalog, response={200: s.Catalog},
        operation_id="Me.GetCatalog", tags=tags, summary="Retrieve a catalog you can see")  # fmt: skip
    add("v1/me/categories", ["GET"], categories, response={200: s.ListPage[s.Category]},
        operation_id="Me.ListCategories", tags=tags)  # fmt: skip
    add("v1/me/categories/{categoryID}", ["GET"], category, response={200: s.Category},
        operation_id="Me.GetCategory", tags=tags, summary="Retrieve a category you can see")  # fmt: skip
    add("v1/me/addresses", ["GET"], address_list, response={200: s.ListPage[s.BuyerAddress]},
        operation_id="Me.ListAddresses", tags=tags, summary="List your addresses",
        description=LIST_DESCRIPTION)  # fmt: skip
    add("v1/me/addresses", ["POST"], address_create, response={201: s.BuyerAddress}, operation_id="Me.CreateAddress",
        tags=tags, summary="Create an address of your own (only you see it)")  # fmt: skip
    add("v1/me/addresses/{addressID}", ["GET"], address_get, response={200: s.BuyerAddress},
        operation_id="Me.GetAddress", tags=tags, summary="Retrieve one of your addresses")  # fmt: skip
    add("v1/me/addresses/{addressID}", ["PUT"], address_save, response={200: s.BuyerAddress},
        operation_id="Me.SaveAddress", tags=tags, summary="Replace an address of your own")  # fmt: skip
    add("v1/me/addresses/{addressID}", ["PATCH"], address_patch, response={200: s.BuyerAddress},
        operation_id="Me.PatchAddress", tags=tags, summary="Partially update an address of your own")  # fmt: skip
    add("v1/me/addresses/{addressID}", ["DELETE"], address_delete, response={204: None},
        operation_id="Me.DeleteAddress", tags=tags, summary="Delete an address of your own")  # fmt: skip
    READ_ONLY_FIELDS["BuyerAddress"] = me_addresses.ME_OWN_ADDRESSES.readonly
    REQUIRED_BODY_FIELDS.update({"Me.CreateAddress": me_addresses.ME_OWN_ADDRESSES.required,
                                 "Me.SaveAddress": me_addresses.ME_OWN_ADDRESSES.required})  # fmt: skip
    add("v1/me/tokens", ["DELETE"], revoke, response={204: None}, operation_id="Me.RevokeTokens",
        tags=tags)  # fmt: skip


def _mount_oauth(router: Router, environment: str) -> None:
    def token(request):
        data = request.POST
        result = services.oauth_token(environment=environment, data=data, content_type=request.content_type or "")
        response = json_response(result)
        response["Cache-Control"] = "no-store"
        return response

    form = {
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            name: {"type": "string"}
                            for name in (
                                "grant_type", "client_id", "client_secret", "username", "password", "scope",
                                "refresh_token", "anonuserid",
                            )  # fmt: skip
                        },
                    }
                }
            },
            "required": True,
        }
    }
    router.add_api_operation(
        "oauth/token", ["POST"], token, auth=None, response={200: s.AccessToken, 400: s.OAuthErrorBody},
        operation_id="Auth.Token", tags=["OAuth"], openapi_extra=form,
        summary="Get an access token (password, client_credentials, refresh_token grants)",
    )  # fmt: skip


# SQLite refusing a statement for its size (its limits on expression depth, bound variables, LIKE
# patterns, string length): the request is too large, not the database down (an OperationalError,
# which would otherwise be a 503). coreapi.querying's limits keep list requests below them.
SQLITE_TOO_LARGE = (
    "Expression tree is too large",
    "too many SQL variables",
    "LIKE or GLOB pattern too complex",
    "string or blob too big",
    "parser stack overflow",
)


def _too_large_reason(exc: Exception) -> str | None:
    if not isinstance(exc, OperationalError):
        return None
    return next((reason for reason in SQLITE_TOO_LARGE if reason in str(exc)), None)


MAX_VALIDATION_ERRORS = 20  # items in one answer to a body with many invalid fields


def _error(api: NinjaAPI, request, status: int, code: str, message: str, data=None) -> HttpResponse:
    return api.create_response(
        request, {"Errors": [{"ErrorCode": code, "Message": message, "Data": data}]}, status=status
    )


def _install_error_handlers(api: NinjaAPI) -> None:
    def core_error(request, exc: CoreApiError):
        return api.create_response(request, exc.as_body(), status=exc.status_code)

    def oauth_error(request, exc: OAuthError):
        return api.create_response(request, exc.as_body(), status=exc.status_code)

    def validation_error(request, exc: ValidationError):
        first_error = exc.errors[0] if exc.errors else {}
        location = [str(p) for p in first_error.get("loc", ())]
        if location[:1] == ["query"] and len(location) > 1:
            # a query parameter of the wrong type: the same answer as the list checks give
            name = location[-1]
            value = request.GET.get(name, first_error.get("input"))
            message = QUERY_TYPE_MESSAGES.get(name) or f"{name}: {first_error.get('msg', 'invalid value')}"
            return _error(api, request, 400, "InvalidRequest", message, {"Parameter": name, "Value": value})
        if location == ["body", "payload"]:
            # the body as a whole: none (pydantic's "Field required" of a field with no name), or
            # JSON that is not an object: [], "text", 5, null ("Input should be a valid dictionary
            # or instance of Product")
            message = MSG_BODY_MISSING if first_error.get("type") == "missing" else MSG_BODY_NOT_OBJECT
            return _error(api, request, 400, "InvalidRequest", message)
        # one item per invalid field, each as the hand-written checks give it (Data {"Field": ...}),
        # so a client reads Errors[i].Data.Field whichever check refused the body
        items = []
        for e in exc.errors[:MAX_VALIDATION_ERRORS]:
            field = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "payload", "query", "path"))
            text = e.get("msg", "") or "Invalid value."
            items.append({"ErrorCode": "InvalidRequest", "Message": f"{field}: {text}" if field else text,
                          "Data": {"Field": field} if field else None})  # fmt: skip
        if not items:
            items = [{"ErrorCode": "InvalidRequest", "Message": "Invalid request.", "Data": None}]
        return api.create_response(request, {"Errors": items}, status=400)

    def auth_error(request, exc: AuthenticationError):
        return _error(api, request, 401, "InvalidToken", MSG_MISSING_TOKEN)

    def http_error(request, exc: HttpError):
        code = {400: "InvalidRequest", 401: "InvalidToken", 403: "InsufficientRoles", 404: "NotFound"}.get(
            exc.status_code, "InvalidRequest"
        )
        data = endpoint_not_found_data(request) if code == "NotFound" else None  # the SDK reads a NotFound's Data
        return _error(api, request, exc.status_code, code, http_error_message(exc) or "Invalid request.", data)

    def not_found(request, exc):
        return _error(api, request, 404, "NotFound", "Not found.", endpoint_not_found_data(request))

    def unexpected(request, exc: Exception):
        if reason := _too_large_reason(exc):
            logger.warning("core API request too large for the database on %s %s: %s", request.method, request.path, exc)
            return _error(api, request, 400, "InvalidRequest", MSG_QUERY_TOO_LARGE.format(reason=reason))
        logger.exception("core API error on %s %s", request.method, request.path)
        if dbdown.is_database_unavailable(exc):
            response = _error(api, request, 503, dbdown.ERROR_CODE, dbdown.ERR_DATABASE_UNAVAILABLE)
            response["Retry-After"] = str(dbdown.RETRY_AFTER_SECONDS)
            return response
        if settings.DEBUG:
            raise exc
        return _error(api, request, 500, "InternalServerError", "An unexpected error occurred.")

    api.add_exception_handler(CoreApiError, core_error)
    api.add_exception_handler(OAuthError, oauth_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, auth_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)

    def unreadable(request, exc: SuspiciousOperation):
        # e.g. TooManyFieldsSent while a view reads its form (the middleware checks the query)
        return refused_response(request, unreadable_message(exc))

    api.add_exception_handler(SuspiciousOperation, unreadable)

    def integrity_error(request, exc: IntegrityError):
        # A write racing the deletion of its marketplace fails on the marketplace foreign key at
        # commit: the token's marketplace is gone, so the answer is the same as for any request
        # with that token from now on.
        caller = getattr(request, "core_caller", None)
        if caller is not None and not Marketplace.objects.filter(pk=caller.marketplace_pk).exists():
            return _error(api, request, 401, "InvalidToken", MSG_INVALID_TOKEN)
        return unexpected(request, exc)

    api.add_exception_handler(IntegrityError, integrity_error)
    api.add_exception_handler(Exception, unexpected)


def build_core_api(environment: str) -> NinjaAPI:
    """A fresh NinjaAPI (and fresh routers) for one environment."""
    api = CoreNinjaAPI(
        title=f"Core API ({environment})",
        version="1.0",
        description=(
            "The portal's built-in OrderCloud-compatible API. Get a token at `POST {base}/oauth/token` "
            "(form-encoded), then call `{base}/v1/...` with `Authorization: Bearer <token>`."
        ),
        urls_namespace=f"coreapi-{environment}",
        auth=CoreBearer(environment),
        parser=CoreJSONParser(),
        openapi_url="v1/openapi.json",
        docs_url="v1/docs",
        docs_decorator=require_safe,  # the docs page and openapi.json are read with GET only (else 405)
    )
    api.environment = environment
    _install_error_handlers(api)
    router = Router()
    _mount_oauth(router, environment)
    _mount_me(router)
    _mount_users_extras(router)
    _mount_products_extras(router)
    for assignment in d.ASSIGNMENTS:  # before resources: /apiclients/assignments is not /apiclients/{id}
        _mount_assignment(router, assignment)
    for resource in d.RESOURCES:
        _mount_resource(router, resource)
    api.add_router("", router)
    return api

