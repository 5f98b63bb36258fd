"""Reads about portal users."""

from django.db.models import Q, QuerySet

from accounts.models import User

USER_SEARCH_LIMIT = 10


def user_search(*, query: str, limit: int = USER_SEARCH_LIMIT, exclude: User | None = None) -> QuerySet[User]:
    """Active users whose username or name starts with `query` (or any word of the name does),
    case-insensitively, at most `limit` of them. Users without a portal username are never found.
    Callers must never expose the email address of a result."""
    query = (query or "").strip()
    if not query:
        return User.objects.none()
    matches = Q(username__istartswith=query) | Q(name__istartswith=query) | Q(name__icontains=f" {query}")
    qs = User.objects.filter(matches, is_active=True, username__isnull=False).order_by("username")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs[: max(0, min(limit, USER_SEARCH_LIMIT))]


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.filter(username__iexact=(username or "").strip(), is_active=True).first()
