from django.conf import settings
from django.utils import translation

from cunwu.audit.context import parse_networks, resolve_forwarded


class TrustedProxyMiddleware:
    """First in the chain. A request whose peer is one of CUNWU_TRUSTED_PROXIES gets the client's address and
    scheme from X-Forwarded-For and X-Forwarded-Proto, so that throttles, the audit log, HTTPS detection and
    HSTS see the real client; from anyone else those headers are dropped."""

    HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_REAL_IP", "HTTP_FORWARDED")

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = parse_networks(settings.CUNWU.get("TRUSTED_PROXIES", ""))

    def __call__(self, request):
        meta = request.META
        remote = meta.get("REMOTE_ADDR", "")
        client, scheme = resolve_forwarded(remote, meta.get("HTTP_X_FORWARDED_FOR", ""),
                                           meta.get("HTTP_X_FORWARDED_PROTO", ""), self.networks)
        if client != remote or scheme is not None:
            meta["REMOTE_ADDR"] = client
            if scheme is not None:
                meta["wsgi.url_scheme"] = scheme
        if not self.networks or client == remote and scheme is None:
            for header in self.HEADERS:
                meta.pop(header, None)
        return self.get_response(request)



class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose otherwise (language cookie). API clients may also ask by Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "").lower()
                if accept.startswith("en"):
                    language = "en"
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """A strict content security policy: no inline scripts, nothing from other origins."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            # Swagger UI needs an inline initialiser; the docs page stays same-origin only.
            response.headers.setdefault("Content-Security-Policy", self.POLICY.replace(
                "script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
                "style-src 'self'", "style-src 'self' 'unsafe-inline'"))
        else:
            response.headers.setdefault("Content-Security-Policy", self.POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        user = getattr(request, "user", None)
        if getattr(request, "cunwu_no_store", False):
            response.headers["Cache-Control"] = "no-store"
        elif user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            # Whatever a signed-in person sees may be someone's personal data (a case, a legal file, an ID
            # scan): no browser, proxy or shared terminal keeps a copy.
            response.headers["Cache-Control"] = "no-store"
        return response


class PermissionOutcomeMiddleware:
    """A page that raises NotFound answers 404 (missing and out-of-scope look the same); Forbidden answers 403
    with its message in the user's language. The refusals that the request's transactions rolled back are
    recorded at its end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from cunwu.accounts.permissions import record_held_denials

        try:
            return self.get_response(request)
        finally:  # a refusal inside a transaction that rolled back is recorded now, in one of its own
            record_held_denials()

    def process_exception(self, request, exception):
        from django.shortcuts import render
        from django.views.defaults import page_not_found

        from cunwu.accounts.permissions import Forbidden, NotFound
        from cunwu.accounts.signin import LockedOut

        if isinstance(exception, NotFound):
            return page_not_found(request, exception)
        if isinstance(exception, Forbidden):
            return render(request, "web/forbidden.html", {"message": exception.message}, status=403)
        if isinstance(exception, LockedOut):  # a page's own form says it first; this is the net below
            return render(request, "429.html", status=429)
        return None


def unstorable(value) -> bool:
    """A NUL or a lone UTF-16 surrogate anywhere in the value: neither can be stored as text (PostgreSQL
    refuses a NUL outright)."""
    if isinstance(value, str):
        return "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


class RefuseUnstorableTextMiddleware:
    """A path, a query parameter, a form field or a JSON string holding a NUL or a lone surrogate (a \\ud800
    escape) is refused with a message in the caller's language before any view runs: the API answers 422 in its
    own shape, a page 400. The API reads any body as JSON whatever its declared type, so every API body but a
    multipart one is read as JSON here; an API's multipart body is left to the API (reading it as a form here
    would use up the stream the API reads). Uploaded files are not read. A JSON body nested too deeply for any
    reader is refused here (400) for every path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        bad = unstorable(request.path) or any(
            unstorable(k) or unstorable(v) for k, values in request.GET.lists() for v in values)
        if not bad and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            if (api and request.content_type != "multipart/form-data") or request.content_type == "application/json":
                import json

                try:
                    bad = unstorable(json.loads(request.body or b"null"))
                except ValueError:
                    pass  # the API answers a body it cannot read itself
                except RecursionError:  # arrays within arrays thousands deep: no reader gets further
                    from django.http import JsonResponse
                    from django.utils.translation import gettext as _

                    message = _("The request is nested too deeply to read.")
                    return JsonResponse({"detail": message, "errors": {"body": [message]}}, status=400)
            elif form and not api:
                bad = any(unstorable(k) or unstorable(v) for k, values in request.POST.lists() for v in values)
        if bad:
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The text contains a character that is not valid Unicode.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": {"body": [message]}}, status=422)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
