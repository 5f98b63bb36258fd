"""What a change to an account ends: the built-in core API tokens the portal minted for it.

Tokens minted for a portal user (the console's, "Reveal my token", the Portal API's
/organizations/{id}/token) carry the user's username (claim `pu`) and are refreshed by the roles
that username holds now (organizations.services.minted_token_roles). So, on a save of the user:

- a new password (Profile > Password, a reset, the admin, `changepassword`), or the account
  deactivated: every such token ends, access and refresh, as its Portal API sessions do (someone who
  changes a password may think the account is in other hands; a deactivated account signs in nowhere);
- a new username: the tokens minted under the old one end. Revocation is by username, so they would
  have outlived a later removal from an organization, and refreshing one would read the roles of
  whoever takes the old username next.

Connected in AccountsConfig.ready(). The account's state before the save is read in pre_save, only
when the save may change the username or is_active (a sign-in's `last_login` save reads nothing).
"""

WATCHED = frozenset({"username", "is_active"})


def user_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._saved_as = None
    if raw or instance.pk is None or (update_fields is not None and not WATCHED & set(update_fields)):
        return
    instance._saved_as = sender.objects.filter(pk=instance.pk).values("username", "is_active").first()


def user_post_save(sender, instance, created, raw=False, **kwargs):
    from accounts.services import minted_core_tokens_revoke
    from portal.apiauth.services import portal_sessions_revoke_all

    before, instance._saved_as = getattr(instance, "_saved_as", None), None
    if created or raw:
        return
    deactivated = bool(before) and before["is_active"] and not instance.is_active
    if deactivated:
        portal_sessions_revoke_all(user=instance)
    if deactivated or getattr(instance, "_password", None) is not None:
        minted_core_tokens_revoke(user=instance)
    if before and before["username"] and before["username"] != instance.username:
        minted_core_tokens_revoke(user=instance, username=before["username"])
