"""The JSON API under /api/v1/: one NinjaAPI, routers from each app, the same permission module as the UI."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.accounts.signin import LockedOut
from cunwu.apiauth import BearerToken, BrowserSession
from cunwu.cases.services import Conflict

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


@api.exception_handler(Conflict)
def _conflict(request, exc):
    return _error(request, 409, exc.message)


@api.exception_handler(LockedOut)
def _locked(request, exc):
    response = _error(request, 429, str(exc))
    response["Retry-After"] = str(exc.seconds)
    return response


from cunwu.accounts.api import router as accounts_router  # noqa: E402
from cunwu.audit.api import router as audit_router  # noqa: E402
from cunwu.burden.api import router as burden_router  # noqa: E402
from cunwu.cases.api import router as cases_router  # noqa: E402
from cunwu.certificates.api import router as certificates_router  # noqa: E402
from cunwu.directory.api import router as directory_router  # noqa: E402
from cunwu.legal.api import router as legal_router  # noqa: E402
from cunwu.notices.api import router as notices_router  # noqa: E402
from cunwu.regions.api import router as regions_router  # noqa: E402

api.add_router("/regions", regions_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/", directory_router)
api.add_router("/burden", burden_router)
api.add_router("/", cases_router)
api.add_router("/certificates", certificates_router)
api.add_router("/legal", legal_router)
api.add_router("/", notices_router)
