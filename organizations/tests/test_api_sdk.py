"""The official @ordercloud/portal-javascript-sdk (npm, unmodified) against a live portal.

tests/portal_sdk/package.json (+ lockfile) pins the SDK and axios; they are installed once into
.cache/npm-portal-sdk (gitignored) and tests/portal_sdk/flow.js is run with node. The script signs
in, lists and creates an organization, invites a contributor who signs in, accepts and gets a
console token; it prints what it saw as JSON, asserted here.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core import mail

from accounts.models import User
from organizations.models import Contributor, Organization
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.sdk.harness import PORTAL_SDK_DIR as SDK_DIR
from tests.sdk.harness import ensure_portal_sdk_installed


@pytest.fixture(scope="session")
def portal_sdk_modules() -> Path:
    """node_modules with the pinned SDK; `npm install` only when missing or the pins changed."""
    return ensure_portal_sdk_installed()


@pytest.mark.django_db(transaction=True)
def test_official_portal_sdk_end_to_end(live_server, portal_sdk_modules):
    UserFactory(username="sdkowner", name="Sdk Owner", email="sdkowner@example.com")
    UserFactory(username="sdkfriend", name="Sdk Friend", email="sdkfriend@example.com")
    env = {
        **os.environ,
        "NODE_PATH": str(portal_sdk_modules),
        "NO_PROXY": "127.0.0.1,localhost",
        "PORTAL_API": f"{live_server.url}/api/v1",
        "OWNER": "sdkowner@example.com",  # sign in with the email address
        "OWNER_PASSWORD": DEFAULT_PASSWORD,
        "INVITEE": "sdkfriend",
        "INVITEE_PASSWORD": DEFAULT_PASSWORD,
        "ORG_ID": "sdk-mkt",
    }
    result = subprocess.run(
        ["node", str(SDK_DIR / "flow.js")], capture_output=True, text=True, timeout=120, env=env, cwd=SDK_DIR
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert out["login"] == {"expires_in": 3600, "usr": "sdkowner", "hasRefresh": True}
    assert out["me"]["Username"] == "sdkowner" and out["me"]["Email"] == "sdkowner@example.com"
    assert out["regions"] == ["usw", "est", "aus", "eur", "jpn"]
    assert out["listBefore"] == []

    created = out["created"]
    assert (created["Id"], created["Name"], created["Environment"]) == ("sdk-mkt", "SDK Marketplace", "Sandbox")
    assert created["Region"] == {"Id": "eur", "Name": "Europe-West", "AzureRegion": "westeurope"}
    assert created["CoreApiUrl"].endswith("/core/sandbox")
    assert out["filtered"] == ["sdk-mkt"]
    assert out["got"] == created
    assert Organization.objects.get(oc_id="sdk-mkt").owner.username == "sdkowner"

    assert out["search"] == [{"Username": "sdkfriend", "Name": "Sdk Friend"}]
    assert sorted(out["assignments"]) == [["sdkfriend", False], ["sdkowner", True]]

    # the SDK maps {"Errors": [...]} and OAuth errors onto PortalError
    assert out["missing"]["status"] == 404
    assert out["missing"]["body"]["Errors"][0]["ErrorCode"] == "NotFound"
    assert out["badLogin"]["status"] == 400
    assert out["badLogin"]["errorCode"] == "invalid_grant"

    assert out["ownerToken"]["granted"] == ["FullAccess"]

    assert out["inviteeListBefore"] == []
    assert out["invites"] == ["sdk-mkt"]
    assert out["inviteeListAfter"] == ["sdk-mkt"]
    assert out["contributor"]["ImpersonateBuyer"] is True
    assert out["contributor"]["UserAssignment"]["Roles"] == ["OrderReader", "ProductReader"]
    assert Contributor.objects.filter(organization__oc_id="sdk-mkt", user__username="sdkfriend").exists()

    token = out["inviteeToken"]
    assert sorted(token["granted"]) == ["OrderReader", "ProductReader"]
    roles = token["role"] if isinstance(token["role"], list) else [token["role"]]
    assert sorted(roles) == ["OrderReader", "ProductReader"]

    assert out["refreshedMe"] == "sdkfriend"
    assert out["afterLogout"]["status"] == 401

    # 9. the account: CurrentUser.Save / ListAccounts / LinkAccount / ChangePassword, Accounts.Register
    assert out["saved"] == "Renamed by the SDK"
    assert out["methods"] == [{"Name": "Password"}]
    assert out["link"]["RedirectUrl"].endswith("/accounts/3rdparty/")
    assert out["changed"] == "sdkfriend"
    assert out["afterPasswordChange"]["status"] == 401  # every session ends with a new password
    assert out["loginWithNew"] is True
    # 10. Accounts.Register / Verify / ForgotPassword: the wire shapes (the codes: test_api_me_account.py)
    assert out["register"] == "no error" and out["forgot"] == "no error"
    assert any(m.to == ["sdk.newcomer@example.com"] and "sign-up code" in m.subject for m in mail.outbox)
    assert out["verifyWrong"]["status"] == 400
    assert out["verifyWrong"]["body"]["Errors"][0]["ErrorCode"] == "InvalidRequest"
    assert not User.objects.filter(username="sdknew").exists()
