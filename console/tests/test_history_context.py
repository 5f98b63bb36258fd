"""A history entry keeps the context it was sent in ("As"): Re-run sends it in that context again
(saying so when it is not the current one, which stays as it is), and refuses with the reason when
that context can no longer be used; Edit says that Send uses the current context."""

import pytest

from console import services
from console.models import ConsoleRequest, ConsoleToken
from console.tests.helpers import latest, send, url
from organizations import services as org_services


SHOPPER = {"client_id": "buyer-client", "username": "shopper"}


@pytest.fixture
def c(team, as_user, member):
    return as_user(member)


def rerun(c, org, entry):
    return c.post(url(org, "history-rerun", pk=entry.pk), HTTP_HX_REQUEST="true")


def sent_as_shopper(c, org, member):
    """Me.Get sent as the shopper, then back to the member's own access: that history entry."""
    c.post(url(org, "context-set"), SHOPPER)
    send(c, org, "Me.Get")
    c.post(url(org, "context-set"), {"mode": "self"})
    return latest(member)


def impersonation_taken_away(org, owner, member):
    """The owner keeps the member's roles but no longer lets them impersonate buyers."""
    org_services.contributor_save(actor=owner, organization=org, username=member.username,
                                  roles=["ProductReader", "MeAdmin", "Shopper"], is_admin=False,
                                  impersonate_buyer=False)


def test_an_entry_sent_as_an_impersonated_user_is_re_run_as_that_user_after_switching_back(team, member, c):
    entry = sent_as_shopper(c, team, member)
    assert entry.username == "shopper"
    # the history says whom Re-run sends it as
    assert 'title="Send again as shopper via Storefront, as it was sent">Re-run' in c.get(url(team, "history")).content.decode()
    response = rerun(c, team, entry)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="response-status">200' in body
    assert '"Username":"shopper"' in body.replace(' ', '')  # the shopper's Me
    assert ("Re-run as shopper via Storefront, the context it was first sent in. Your context is unchanged: Send "
            "still calls the API as you.") in body
    assert 'id="ctx-roles"' not in body  # the context bar (still "you") keeps its roles
    again = latest(member)
    assert again.pk != entry.pk and (again.client_id, again.username) == ("buyer-client", "shopper")
    # the current context has not changed
    assert 'data-testid="ctx-user">you (mia)' in c.get(url(team)).content.decode()
    send(c, team, "Me.Get")
    assert latest(member).username == ""


def test_an_entry_sent_as_you_is_re_run_as_you_while_impersonating(team, member, c):
    send(c, team, "Me.Get")
    entry = latest(member)
    c.post(url(team, "context-set"), SHOPPER)
    body = rerun(c, team, entry).content.decode()
    assert "Re-run as you, the context it was first sent in" in body and "Send still calls the API as shopper via Storefront" in body
    assert latest(member).username == "" and latest(member).pk != entry.pk
    assert 'data-testid="ctx-user">shopper' in c.get(url(team)).content.decode()


def test_a_re_run_in_the_current_context_says_nothing_about_it(team, member, c):
    c.post(url(team, "context-set"), SHOPPER)
    send(c, team, "Me.Get")
    body = rerun(c, team, latest(member)).content.decode()
    assert 'data-testid="rerun-context"' not in body and 'id="ctx-roles"' in body


def test_an_entry_whose_context_is_no_longer_possible_is_not_re_run_and_the_context_stays(team, member, owner, c):
    entry = sent_as_shopper(c, team, member)
    impersonation_taken_away(team, owner, member)
    response = rerun(c, team, entry)
    body = response.content.decode()
    assert response.status_code == 404
    assert ("Not re-run: this request was sent as shopper via Storefront, which is no longer possible: "
            + services.ERR_NO_IMPERSONATION_LEFT) in body
    assert "open the request with Edit to send it as you." in body
    assert ConsoleRequest.objects.filter(user=member).count() == 1
    assert 'data-testid="ctx-user">you (mia)' in c.get(url(team)).content.decode()


def test_edit_of_an_entry_from_another_context_says_send_uses_the_current_one(team, member, c):
    c.post(url(team, "context-set"), SHOPPER)
    send(c, team, "Me.Get")
    entry = latest(member)
    builder = c.get(url(team, "builder"), {"history": entry.pk}).content.decode()
    assert 'data-testid="context-notice"' not in builder  # the same context
    c.post(url(team, "context-set"), {"mode": "self"})
    builder = c.get(url(team, "builder"), {"history": entry.pk}).content.decode()
    assert "First sent as shopper via Storefront. Send calls the API in your current context, as you;" in builder


def test_reveal_my_token_under_an_entry_gives_the_token_of_the_context_it_was_sent_in(team, member, c):
    entry = sent_as_shopper(c, team, member)
    revealed = c.post(url(team, "token-reveal", pk=entry.pk)).content.decode()
    shopper_token = ConsoleToken.objects.get(user=member, organization=team, username="shopper").access_token
    assert shopper_token in revealed and "the access token you use as shopper" in revealed


def test_reveal_my_token_under_an_entry_whose_impersonation_ended_says_why(team, member, owner, c):
    entry = sent_as_shopper(c, team, member)
    impersonation_taken_away(team, owner, member)
    response = c.post(url(team, "token-reveal", pk=entry.pk), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 404
    assert ("No token to show: this request was sent as shopper via Storefront, which is no longer possible: "
            + services.ERR_NO_IMPERSONATION_LEFT) in body
    assert services.ERR_CONTEXT_USER_NOT_FOUND not in body


def test_reveal_my_token_under_an_impersonated_entry_with_a_secret_names_whose_token_it_is(team, member, owner, c):
    c.post(url(team, "context-set"), SHOPPER)
    send(c, team, "Me.Patch", body_json='{"Password": "Shopper-new-1!"}')
    entry = latest(member)
    assert entry.state.get("redacted") == ["1"]
    revealed = c.post(url(team, "token-reveal", pk=entry.pk)).content.decode()
    assert "export TOKEN=" in revealed and "the access token you use as shopper" in revealed


def test_send_from_a_page_that_shows_another_context_than_the_current_one_sends_nothing(team, member, c):
    """Two tabs: the second still shows "Calling as you" after the first switched to the shopper.
    Its Send would call the API as the shopper under a context bar saying "you": it is refused,
    saying why, and nothing is sent or kept in the history."""
    page = c.get(url(team)).content.decode()
    # the context the page shows travels with the builder's form (outside it: not re-rendered with it)
    assert '<input type="hidden" form="builder-form" name="ctx_client_id" value="">' in page
    assert '<input type="hidden" form="builder-form" name="ctx_username" value="">' in page
    c.post(url(team, "context-set"), SHOPPER)  # in the other tab
    before = ConsoleRequest.objects.filter(user=member).count()
    response = send(c, team, "Me.Get", ctx_client_id="", ctx_username="")
    assert response.status_code == 409
    assert services.MSG_CONTEXT_SWITCHED_ELSEWHERE.format(shown="you", current="shopper via Storefront") \
        in response.content.decode()
    assert ConsoleRequest.objects.filter(user=member).count() == before
    # a live edit alike
    assert send(c, team, "Me.Get", ctx_client_id="", ctx_username="", live="1").status_code == 409
    assert ConsoleRequest.objects.filter(user=member).count() == before
    # the page reloaded shows the shopper, and its Send sends as the shopper
    assert 'name="ctx_username" value="shopper"' in c.get(url(team)).content.decode()
    response = send(c, team, "Me.Get", ctx_client_id="buyer-client", ctx_username="shopper")
    assert response.status_code == 200 and 'data-testid="response-status">200' in response.content.decode()
    entry = latest(member)
    assert entry.username == "shopper"
    assert "ctx_client_id" not in entry.state and "ctx_username" not in entry.state  # not builder fields
