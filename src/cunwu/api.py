"""The JSON API under /api/v1/: one NinjaAPI, routers from each app, the same permission module as the UI."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.accounts.signin import LockedOut


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


api = NinjaAPI(
    title="cunwu API",
    version="1",
    description="Village-level comprehensive services. Every endpoint answers within the caller's jurisdiction; "
    "objects outside it answer 404 exactly like missing ones.",
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
)


def _error(request, status: int, detail: str, errors: dict | None = None):
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(NotFound)
def _not_found(request, exc):
    return _error(request, 404, _("Not found."))


@api.exception_handler(Forbidden)
def _forbidden(request, exc):
    return _error(request, 403, exc.message or _("You may not do this."))


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        first = next(iter(errors.values()))[0]
        return _error(request, 422, first, errors)
    return _error(request, 422, " ".join(exc.messages))


@api.exception_handler(LockedOut)
def _locked(request, exc):
    response = _error(request, 429, str(exc))
    response["Retry-After"] = str(exc.seconds)
    return response


from cunwu.accounts.api import router as accounts_router  # noqa: E402
from cunwu.audit.api import router as audit_router  # noqa: E402
from cunwu.regions.api import router as regions_router  # noqa: E402

api.add_router("/regions", regions_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
