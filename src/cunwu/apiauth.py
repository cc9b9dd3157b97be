"""How API callers authenticate: a bearer token for machines, the browser session for pages, and, on
public endpoints, nobody at all."""

from ninja.security import HttpBearer, SessionAuth


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` for machines; the token's user is re-read on every request."""

    def authenticate(self, request, token):
        from cunwu.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
            request.cunwu_channel = "api"
        return user


class BrowserSession(SessionAuth):
    """The signed-in browser session (with Django's CSRF check on unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.cunwu_channel = "web"
        return user


def anyone(request):
    """Last in a public endpoint's auth list: a caller without credentials reads what the public may read."""
    return True


PUBLIC = [BearerToken(), BrowserSession(), anyone]
