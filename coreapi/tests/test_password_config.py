"""Security profiles' PasswordConfig is enforced (coreapi.passwords), through the HTTP API: the
platform minimum, the strictest combination of a user's profiles, each rule when a password is set
and when it signs in, the sign-in lock, the ranges a PasswordConfig may hold, and
Me.ResetPasswordByToken (`POST /v1/me/password`).

The clock is "moved" by moving the stored times back (PasswordLastSetDate, DateCreated,
locked_until): the project has no time-travel helper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD, api_error, core_user

pytestmark = pytest.mark.django_db

INSECURE = "PasswordReset.InsecurePassword"
MSG_INSECURE = "Password does not meet security requirements."
STRONG = "Brand-new-pass-42"  # meets every rule these tests configure, but the ones it is meant to break
USER = {"Username": "ann", "FirstName": "Ann", "LastName": "L", "Email": "ann@example.com", "Active": True}


def sign_in(world, username: str = "admin", password: str = DEFAULT_CORE_PASSWORD, client_id: str = "admin-client"):
    return world.token_response(grant_type="password", client_id=client_id, username=username, password=password)


def oauth_refused(response, error_code: str) -> dict:
    """A 400 `invalid_grant` whose Errors[0] has this ErrorCode; returns that error."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_grant" and body["error_description"] == body["Errors"][0]["Message"]
    [error] = body["Errors"]
    assert error["ErrorCode"] == error_code, error
    return error


def invalid_credentials(response) -> dict:
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "InvalidCredentials"
    return response.json()


@pytest.fixture
def profile(call):
    """`profile(id, config, **assignment)`: a security profile with this PasswordConfig (no roles),
    assigned as given (BuyerID, UserID, UserGroupID, SupplierID; none: marketplace level)."""

    def make(profile_id: str, config: dict, **assignment):
        call("post", "/v1/securityprofiles", {"ID": profile_id, "Name": profile_id, "PasswordConfig": config}, status=201)
        call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": profile_id, **assignment}, status=204)

    return make


def locked_until(username: str):
    return m.CoreUser.objects.get(username=username).locked_until


def move_back(username: str, **fields: timedelta) -> None:
    """Move these stored times of the user back by the given amounts (the clock moved forward)."""
    user = m.CoreUser.objects.get(username=username)
    for name, delta in fields.items():
        setattr(user, name, (getattr(user, name) or timezone.now()) - delta)
    user.save(update_fields=list(fields))


# --- the platform minimum ---------------------------------------------------------------------


@pytest.mark.parametrize("password", ["Short-1a!", "alllowercase-words", "ALLUPPER12345", "NoDigitsOrSpecials"])
def test_creating_a_user_with_a_password_below_the_platform_minimum_is_refused(call, password):
    """At least 10 characters and 3 of upper case, lower case, digit, special, with no profile."""
    error = api_error(call("post", "/v1/adminusers", {**USER, "ID": "ann", "Password": password}), 400, INSECURE)
    assert error["Message"] == MSG_INSECURE
    assert error["Data"]["MinimumCharacterCount"] == 10 and error["Data"]["MinimumCharacterClasses"] == 3
    assert error["Data"]["UpperCaseRequired"] is False and error["Data"]["AllowedFailedAttempts"] == 10
    call("get", "/v1/adminusers/ann", status=404)
    call("post", "/v1/adminusers", {**USER, "ID": "ann", "Password": "three-classes-1"}, status=201)


def test_buyer_and_supplier_users_put_and_patch_are_held_to_it_too(call, shopper, suppliers):
    body = {**USER, "Username": "bob", "ID": "bob", "Password": "too-weak"}
    api_error(call("post", "/v1/buyers/buyer-1/users", body), 400, INSECURE)
    api_error(call("put", "/v1/buyers/buyer-1/users/bob", body), 400, INSECURE)
    api_error(call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "too-weak"}), 400, INSECURE)
    api_error(call("post", "/v1/suppliers/sup/users", body), 400, INSECURE)
    api_error(call("patch", "/v1/suppliers/sup/users/sup-user", {"Password": "too-weak"}), 400, INSECURE)
    assert not m.CoreUser.objects.filter(oc_id="bob").exists()
    call("patch", "/v1/suppliers/sup/users/sup-user", {"Password": STRONG}, status=200)
    call("put", "/v1/buyers/buyer-1/users/bob", {**body, "Password": STRONG}, status=201)


def test_signing_in_with_a_right_password_below_the_minimum_is_an_invalid_grant(world, shopper):
    core_user(world.marketplace, user_id="old-admin", password="weakpassword")  # set before the rules
    error = oauth_refused(sign_in(world, "old-admin", "weakpassword"), INSECURE)
    assert error["Message"] == MSG_INSECURE
    assert error["Data"]["MinimumCharacterCount"] == 10 and error["Data"]["MinimumCharacterClasses"] == 3
    # a wrong password still gives nothing away
    assert invalid_credentials(sign_in(world, "old-admin", "wrong")) == invalid_credentials(sign_in(world, "nobody"))


# --- several profiles: the strictest of each field -------------------------------------------


def test_a_users_profiles_at_different_levels_combine_to_the_strictest(world, call, shopper, profile):
    profile("buyer-rules", {"MinimumCharacterCount": 12, "UpperCaseRequired": True, "AllowedFailedAttempts": 5,
                            "LockoutDuration": 30, "MaximumPasswordAge": 90}, BuyerID="buyer-1")  # fmt: skip
    profile("user-rules", {"MinimumCharacterCount": 14, "NumericRequired": True, "AllowedFailedAttempts": 3,
                           "LockoutDuration": 20, "MaximumPasswordAge": 200}, BuyerID="buyer-1", UserID="buyer-user")  # fmt: skip
    error = api_error(call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "lower-case-only-words-1"}),
                      400, INSECURE)  # fmt: skip
    data = error["Data"]
    assert (data["MinimumCharacterCount"], data["UpperCaseRequired"], data["NumericRequired"]) == (14, True, True)
    assert (data["AllowedFailedAttempts"], data["LockoutDuration"], data["MaximumPasswordAge"]) == (3, 30, 90)
    api_error(call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "Thirteen-ch-1"}), 400, INSECURE)
    call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "Fourteen-ch-12"}, status=200)
    # the admin users are not the buyer's: their rules stay the platform's
    call("patch", "/v1/adminusers/admin-user", {"Password": "Ten-chars1"}, status=200)
    # the lock: the fewest attempts (3), the longest duration (30 minutes)
    for _ in range(3):
        invalid_credentials(sign_in(world, "shopper", "wrong", "buyer-client"))
    assert timedelta(minutes=29) < locked_until("shopper") - timezone.now() <= timedelta(minutes=30)


def test_a_user_group_profile_applies_to_its_members_only(world, call, shopper, profile):
    call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "strict", "Name": "Strict"}, status=201)
    profile("group-rules", {"MinimumCharacterCount": 20}, BuyerID="buyer-1", UserGroupID="strict")
    call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "Fifteen-chars-1"}, status=200)
    call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "strict", "UserID": "buyer-user"},
         status=204)  # fmt: skip
    error = api_error(call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "Fifteen-chars-2"}), 400, INSECURE)
    assert error["Data"]["MinimumCharacterCount"] == 20
    # signing in with the password set before the group's rules: refused now
    oauth_refused(sign_in(world, "shopper", "Fifteen-chars-1", "buyer-client"), INSECURE)


def test_the_users_rules_cost_one_query_however_many_profiles_and_groups(call, shopper, profile):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coreapi.passwords import user_password_rules

    for i in range(3):
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": f"g{i}", "Name": f"G{i}"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": f"g{i}", "UserID": "buyer-user"},
             status=204)  # fmt: skip
        profile(f"group-{i}", {"MinimumCharacterCount": 11 + i}, BuyerID="buyer-1", UserGroupID=f"g{i}")
    profile("user-level", {"LockoutDuration": 60}, BuyerID="buyer-1", UserID="buyer-user")
    user = m.CoreUser.objects.get(oc_id="buyer-user")
    with CaptureQueriesContext(connection) as queries:
        rules = user_password_rules(user=user)
    assert len(queries.captured_queries) == 1
    assert (rules.minimum_length, rules.lockout_minutes) == (13, 60)


# --- each rule --------------------------------------------------------------------------------


def test_minimum_character_count(call, profile):
    profile("len", {"MinimumCharacterCount": 16})
    api_error(call("patch", "/v1/adminusers/admin-user", {"Password": "Fifteen-chars-1"}), 400, INSECURE)
    call("patch", "/v1/adminusers/admin-user", {"Password": "Sixteen-chars-12"}, status=200)


@pytest.mark.parametrize(("field", "without"), [
    ("UpperCaseRequired", "lower-case-1234!"), ("LowerCaseRequired", "UPPER-CASE-1234!"),
    ("NumericRequired", "Letters-and-Signs!"), ("SpecialCharacterRequired", "LettersAndDigits123"),
])  # fmt: skip
def test_each_required_character_class(call, profile, field, without):
    """Each of these has the 3 other classes: the platform takes it, the profile that requires the
    missing class does not."""
    call("patch", "/v1/adminusers/admin-user", {"Password": without}, status=200)
    profile("classes", {field: True})
    error = api_error(call("patch", "/v1/adminusers/admin-user", {"Password": without[::-1]}), 400, INSECURE)
    assert error["Data"][field] is True


def test_max_consecutive_dupe_chars(call, profile):
    profile("dupes", {"MaxConsecutiveDupeChars": 2})
    api_error(call("patch", "/v1/adminusers/admin-user", {"Password": "Sk8jyyy1!-abc"}), 400, INSECURE)  # 3 y's
    call("patch", "/v1/adminusers/admin-user", {"Password": "Sk8jyy1!-abcd"}, status=200)


def test_limit_password_reuse_counts_the_current_password(call, profile):
    # without a limit the current password may be set again
    call("patch", "/v1/adminusers/admin-user", {"Password": DEFAULT_CORE_PASSWORD}, status=200)
    profile("reuse", {"LimitPasswordReuse": 3})
    for password in ("Password-one-1", "Password-two-2"):
        call("patch", "/v1/adminusers/admin-user", {"Password": password}, status=200)
    # the last 3: Password-two-2 (current), Password-one-1, DEFAULT_CORE_PASSWORD
    for used in ("Password-two-2", "Password-one-1", DEFAULT_CORE_PASSWORD):
        error = api_error(call("patch", "/v1/adminusers/admin-user", {"Password": used}), 400, INSECURE)
        assert "used before" in error["Message"] and error["Data"]["LimitPasswordReuse"] == 3
    call("patch", "/v1/adminusers/admin-user", {"Password": "Password-three-3"}, status=200)
    call("patch", "/v1/adminusers/admin-user", {"Password": DEFAULT_CORE_PASSWORD}, status=200)  # 4th back now
    history = m.CoreUser.objects.get(oc_id="admin-user").password_history
    assert history and all(h.startswith(("md5$", "pbkdf2")) for h in history)  # hashes, never the passwords
    assert not any("Password-" in h for h in history)


def test_limit_password_reuse_of_one_refuses_only_the_current_password(call, profile):
    profile("reuse", {"LimitPasswordReuse": 1})
    call("patch", "/v1/adminusers/admin-user", {"Password": "Password-one-1"}, status=200)
    api_error(call("patch", "/v1/adminusers/admin-user", {"Password": "Password-one-1"}), 400, INSECURE)
    call("patch", "/v1/adminusers/admin-user", {"Password": DEFAULT_CORE_PASSWORD}, status=200)


def test_minimum_password_age_holds_the_user_not_an_administrator(world, call, shopper, profile):
    profile("min-age", {"MinimumPasswordAge": 30}, BuyerID="buyer-1")
    token = world.token(username="shopper", client_id="buyer-client")
    assert world.call("post", "/v1/me/password", token, {"NewPassword": "First-change-1"}).status_code == 204
    refused = api_error(world.call("post", "/v1/me/password", token, {"NewPassword": "Second-change-2"}), 400,
                        "PasswordReset.MinimumPasswordAge")  # fmt: skip
    assert "30 minutes" in refused["Message"] and "in 30 minute(s)" in refused["Message"], refused["Message"]
    assert refused["Data"] == {"MinimumPasswordAge": 30, "MinutesRemaining": 30}
    # Me.Patch's Password likewise
    api_error(world.call("patch", "/v1/me", token, {"Password": "Second-change-2"}), 400,
              "PasswordReset.MinimumPasswordAge")  # fmt: skip
    move_back("shopper", password_last_set_date=timedelta(minutes=20))
    refused = api_error(world.call("post", "/v1/me/password", token, {"NewPassword": "Second-change-2"}), 400,
                        "PasswordReset.MinimumPasswordAge")  # fmt: skip
    assert refused["Data"]["MinutesRemaining"] == 10
    # an administrator sets it at once, and the user may change what an administrator set at once
    call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"Password": "Admin-set-it-3"}, status=200)
    assert world.call("post", "/v1/me/password", token, {"NewPassword": "Second-change-2"}).status_code == 204
    # its own change holds it again
    api_error(world.call("post", "/v1/me/password", token, {"NewPassword": "Third-change-3"}), 400,
              "PasswordReset.MinimumPasswordAge")  # fmt: skip
    move_back("shopper", password_last_set_date=timedelta(minutes=31))
    assert world.call("post", "/v1/me/password", token, {"NewPassword": "Third-change-3"}).status_code == 204


def test_a_new_user_changes_the_password_an_administrator_gave_it_at_once(world, call, shopper, profile):
    profile("min-age", {"MinimumPasswordAge": 60}, BuyerID="buyer-1")
    call("post", "/v1/buyers/buyer-1/users", {"ID": "newbie", "Username": "newbie", "FirstName": "N", "LastName": "B",
                                              "Email": "n@example.com", "Active": True, "Password": "Temporary-pass-1"},
         status=201)  # fmt: skip
    token = world.token(username="newbie", client_id="buyer-client", password="Temporary-pass-1")
    assert world.call("post", "/v1/me/password", token, {"NewPassword": "My-own-pass-22"}).status_code == 204


def test_maximum_password_age_expires_the_password_at_sign_in(world, call, profile):
    profile("max-age", {"MaximumPasswordAge": 30})
    call("patch", "/v1/adminusers/admin-user", {"Password": STRONG}, status=200)
    move_back("admin", password_last_set_date=timedelta(days=29))
    assert sign_in(world, password=STRONG).status_code == 200
    move_back("admin", password_last_set_date=timedelta(days=1, seconds=1))
    error = oauth_refused(sign_in(world, password=STRONG), "PasswordReset.PasswordExpired")
    assert error["Message"] == "Password has expired; an administrator or the user must set a new one."
    assert error["Data"] == {"MaximumPasswordAge": 30}
    invalid_credentials(sign_in(world, password="Wrong-password-1"))  # nothing said without the password
    call("patch", "/v1/adminusers/admin-user", {"Password": "Renewed-pass-42"}, status=200)
    assert sign_in(world, password="Renewed-pass-42").status_code == 200


def test_maximum_password_age_counts_from_creation_without_a_password_date(world, profile):
    profile("max-age", {"MaximumPasswordAge": 5})
    assert m.CoreUser.objects.get(username="admin").password_last_set_date is None
    assert sign_in(world).status_code == 200
    move_back("admin", date_created=timedelta(days=6))
    oauth_refused(sign_in(world), "PasswordReset.PasswordExpired")


# --- the sign-in lock -------------------------------------------------------------------------


def test_the_configured_attempts_lock_for_the_configured_duration(world, profile):
    profile("lock", {"AllowedFailedAttempts": 3, "LockoutDuration": 15})
    for _ in range(2):
        invalid_credentials(sign_in(world, password="wrong"))
    assert sign_in(world).status_code == 200  # the right password: the count restarts
    assert m.CoreUser.objects.get(username="admin").failed_login_attempts == 0
    wrong = [invalid_credentials(sign_in(world, password="wrong")) for _ in range(3)]
    until = locked_until("admin")
    assert until is not None and timedelta(minutes=14) < until - timezone.now() <= timedelta(minutes=15)
    # locked: the right password answers as a wrong one and as an unknown user, and the lock is not extended
    assert invalid_credentials(sign_in(world)) == wrong[0] == invalid_credentials(sign_in(world, "nobody"))
    invalid_credentials(sign_in(world, password="wrong"))
    assert locked_until("admin") == until
    assert m.CoreUser.objects.get(username="admin").failed_login_attempts == 3
    # the lock ends after its duration; then the count restarts
    move_back("admin", locked_until=timedelta(minutes=15, seconds=1))
    invalid_credentials(sign_in(world, password="wrong"))
    assert locked_until("admin") is None and m.CoreUser.objects.get(username="admin").failed_login_attempts == 1
    assert sign_in(world).status_code == 200
    user = m.CoreUser.objects.get(username="admin")
    assert (user.failed_login_attempts, user.locked_until) == (0, None)


def test_without_a_profile_ten_failures_lock_for_ten_minutes(world):
    for _ in range(9):
        invalid_credentials(sign_in(world, password="wrong"))
    assert locked_until("admin") is None
    invalid_credentials(sign_in(world, password="wrong"))
    assert timedelta(minutes=9) < locked_until("admin") - timezone.now() <= timedelta(minutes=10)
    invalid_credentials(sign_in(world))
    move_back("admin", locked_until=timedelta(minutes=10, seconds=1))
    assert sign_in(world).status_code == 200


def test_unlock_user_account_ends_the_lock(world, call, shopper, profile):
    profile("lock", {"AllowedFailedAttempts": 1}, BuyerID="buyer-1")
    invalid_credentials(sign_in(world, "shopper", "wrong", "buyer-client"))
    invalid_credentials(sign_in(world, "shopper", DEFAULT_CORE_PASSWORD, "buyer-client"))
    call("post", "/v1/buyers/buyer-1/users/buyer-user/unlock", status=204)
    assert locked_until("shopper") is None
    assert sign_in(world, "shopper", DEFAULT_CORE_PASSWORD, "buyer-client").status_code == 200


# --- the ranges a PasswordConfig may hold ------------------------------------------------------

RANGES = [
    ("AllowedFailedAttempts", 1, 9), ("LockoutDuration", 10, 1440), ("MaximumPasswordAge", 1, 365),
    ("MinimumPasswordAge", 0, 60), ("MaxConsecutiveDupeChars", 0, 24), ("LimitPasswordReuse", 0, 24),
    ("MinimumCharacterCount", 0, 200),
]  # fmt: skip


@pytest.mark.parametrize(("field", "low", "high"), RANGES, ids=[r[0] for r in RANGES])
def test_values_outside_the_documented_ranges_are_a_400_naming_the_field(call, field, low, high):
    name = f"PasswordConfig.{field}"

    def refused(response):
        assert response.status_code == 400, response.content
        [error] = response.json()["Errors"]
        assert error["ErrorCode"] == "InvalidRequest" and error["Message"].startswith(f"{name}: "), error
        assert error["Data"]["Field"] == name

    for bad in (low - 1, high + 1):
        refused(call("post", "/v1/securityprofiles", {"ID": "sp", "Name": "SP", "PasswordConfig": {field: bad}}))
        call("get", "/v1/securityprofiles/sp", status=404)
    call("post", "/v1/securityprofiles", {"ID": "sp", "Name": "SP", "PasswordConfig": {field: low}}, status=201)
    for bad in (low - 1, high + 1):
        refused(call("patch", "/v1/securityprofiles/sp", {"PasswordConfig": {field: bad}}))
        refused(call("put", "/v1/securityprofiles/sp", {"Name": "SP", "PasswordConfig": {field: bad}}))
    call("patch", "/v1/securityprofiles/sp", {"PasswordConfig": {field: high}}, status=200)
    assert call("get", "/v1/securityprofiles/sp", status=200).json()["PasswordConfig"][field] == high


# --- Me.ResetPasswordByToken ------------------------------------------------------------------


def test_me_password_sets_the_signed_in_users_password(world, shopper):
    token = world.token(username="shopper", client_id="buyer-client")
    response = world.call("post", "/v1/me/password", token, {"NewPassword": STRONG})
    assert response.status_code == 204 and response.content == b""
    assert sign_in(world, "shopper", STRONG, "buyer-client").status_code == 200
    invalid_credentials(sign_in(world, "shopper", DEFAULT_CORE_PASSWORD, "buyer-client"))
    user = m.CoreUser.objects.get(username="shopper")
    assert user.password_last_set_date is not None and len(user.password_history) == 1


def test_me_password_checks_its_body_and_the_rules(world, shopper):
    token = world.token(username="shopper", client_id="buyer-client")
    for body in ({}, {"NewPassword": ""}, {"NewPassword": None}):
        error = api_error(world.call("post", "/v1/me/password", token, body), 400, "InvalidRequest")
        assert error["Message"] == "NewPassword is required." and error["Data"] == {"Field": "NewPassword"}
    error = api_error(world.call("post", "/v1/me/password", token, {"NewPassword": "weak"}), 400, INSECURE)
    assert error["Data"]["MinimumCharacterCount"] == 10
    assert sign_in(world, "shopper", DEFAULT_CORE_PASSWORD, "buyer-client").status_code == 200


def test_an_anonymous_shopper_token_cannot_set_a_password(world, shopper):
    m.ApiClient.objects.filter(oc_id="buyer-client").update(is_anon_buyer=True, default_context_user_name="shopper")
    response = world.token_response(grant_type="client_credentials", client_id="buyer-client", scope="Shopper MeAdmin")
    anonymous = response.json()["access_token"]
    error = api_error(world.call("post", "/v1/me/password", anonymous, {"NewPassword": STRONG}), 403, "InsufficientRoles")
    assert "anonymous" in error["Message"]
    invalid_credentials(sign_in(world, "shopper", STRONG, "buyer-client"))
    assert sign_in(world, "shopper", DEFAULT_CORE_PASSWORD, "buyer-client").status_code == 200


def test_me_password_needs_a_role_that_lets_the_user_change_itself(world, shopper):
    token = world.token(username="shopper", client_id="buyer-client", scope="Shopper")
    api_error(world.call("post", "/v1/me/password", token, {"NewPassword": STRONG}), 403, "InsufficientRoles")


def test_the_openapi_document_declares_me_reset_password_by_token(world, admin_token):
    document = world.call("get", "/v1/openapi.json", admin_token).json()
    operation = document["paths"]["/v1/me/password"]["post"]
    assert operation["operationId"] == "Me.ResetPasswordByToken" and "204" in operation["responses"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["NewPassword"]
    config = document["components"]["schemas"]["PasswordConfig"]["properties"]["LockoutDuration"]
    assert {"minimum": 10, "maximum": 1440} in [{k: o.get(k) for k in ("minimum", "maximum")} for o in config["anyOf"]]


def test_migration_0018_keeps_users_the_old_rule_had_locked_locked_for_the_default_lockout(world):
    """Before, 10 failures locked until UnlockUserAccount; the migration does not unlock such a
    user at once: it is locked for 10 minutes from then, as a new lock would be."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("coreapi.migrations.0018_user_lockout_and_password_history")
    core_user(world.marketplace, user_id="nine", failed_login_attempts=9)
    core_user(world.marketplace, user_id="ten", failed_login_attempts=10)
    migration.lock_users_locked_before(apps, None)
    assert locked_until("nine") is None
    assert timedelta(minutes=9) < locked_until("ten") - timezone.now() <= timedelta(minutes=10)
    invalid_credentials(sign_in(world, "ten"))
    assert sign_in(world, "nine").status_code == 200
