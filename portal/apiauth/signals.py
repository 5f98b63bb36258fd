"""A new password ends every Portal API sign-in session of the user.

Changing or resetting a password is what someone does when they think their account is in other
hands; web sessions end then (Django's session auth hash), and so must the Portal API's refresh
tokens (valid 30 days, not rotated) and their access tokens. Connected to the user model's
post_save in ApiAuthConfig.ready(): `set_password()` marks the user (`_password`) until the next
save, whoever calls it (Profile > Password, the reset link, the admin, `changepassword`). Creating
a user and rehashing on sign-in (which clears `_password` before saving) revoke nothing.
"""

from portal.apiauth import services


def password_saved(sender, instance, created, **kwargs):
    if created or getattr(instance, "_password", None) is None:
        return
    services.portal_sessions_revoke_all(user=instance)
