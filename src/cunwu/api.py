"""The JSON API under /api/v1/: one NinjaAPI, routers from each app, the same permission module as the UI."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja import errors as ninja_errors

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.accounts.signin import LockedOut
from cunwu.apiauth import BearerToken, BrowserSession
from cunwu.cases.services import Conflict

ERRORS = {  # what any operation may answer besides its own results, and when
    "400": "The body is not JSON, or not the JSON this operation reads.",
    "401": "No valid token or session.",
    "403": "The object is in the caller's jurisdiction but this role may not do this (the reason is given).",
    "404": "No such object, or one outside the caller's jurisdiction (the two answers are identical).",
    "422": "A value is missing or wrong: `detail` says which, `errors` lists every field.",
    "429": "Too many attempts: `Retry-After` gives the seconds to wait.",
}
WRITE_ERRORS = {"409": "Someone else changed the object first: read it again and retry."}


class CunwuAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The document, with the error answers every operation may give (one shape for all of them)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = {
            "title": "ErrorOut", "type": "object", "required": ["detail"],
            "properties": {"detail": {"type": "string", "title": "Detail"},
                           "errors": {"type": "object", "title": "Errors",
                                      "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                errors = {**ERRORS, **(WRITE_ERRORS if method in ("post", "put", "patch", "delete") else {})}
                if not operation.get("security"):  # a public operation
                    errors.pop("401", None)
                answers = operation["responses"]
                for code, text in errors.items():
                    if code not in answers and int(code) not in answers:
                        answers[code] = {"description": text, **error}
        return schema


api = CunwuAPI(
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


@api.exception_handler(ninja_errors.ValidationError)
def _malformed(request, exc):
    """A body or parameter of the wrong shape: the same answer as any other bad value, field by field."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload",
                                                                             "form", "file", "header", "cookie")]
        field = ".".join(where[1:] if len(where) > 1 and where[0] in ("data", "filters") else where) or "body"
        message = _("This field is required.") if error.get("type") == "missing" else _(
            "This value is not valid (%(reason)s).") % {"reason": error.get("msg", "")}
        errors.setdefault(field, []).append(message)
    first = next(iter(errors.values()), [_("The request is not valid.")])[0]
    return _error(request, 422, first, errors)


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
from cunwu.federation.api import router as federation_router  # noqa: E402
from cunwu.households.api import router as households_router  # noqa: E402
from cunwu.legal.api import router as legal_router  # noqa: E402
from cunwu.notices.api import router as notices_router  # noqa: E402
from cunwu.regions.api import router as regions_router  # noqa: E402

api.add_router("/regions", regions_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/", directory_router)
api.add_router("/burden", burden_router)
api.add_router("/", cases_router)
api.add_router("/", households_router)
api.add_router("/certificates", certificates_router)
api.add_router("/legal", legal_router)
api.add_router("/federation", federation_router)
api.add_router("/", notices_router)
