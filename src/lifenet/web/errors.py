"""How errors reach people: JSON with field and rule for the API, a page in their language else."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lifenet.access import Forbidden, NotFound
from lifenet.lib.errors import N_, Conflict, InvalidInput
from lifenet.web.deps import ApiUnauthorized, CsrfFailed, LoginRequired
from lifenet.web.render import render


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page_error(request: Request, status: int, title: str, message: str, **params: object) -> Response:
    user = getattr(request.state, "page_user", None)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message, "params": params},
        user=user,
        status_code=status,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": [{"field": None, "rule": "permission", "message": str(exc)}]}, status_code=403
            )
        return _page_error(
            request,
            403,
            N_("Not allowed"),
            N_("Your roles do not allow this here. Ask your administrator if you need it."),
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": [{"field": None, "rule": "exists", "message": str(exc)}]}, status_code=404
            )
        return _page_error(request, 404, N_("Not found"), N_("There is no such page or record."))

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, exc: InvalidInput) -> Response:
        status = 409 if isinstance(exc, Conflict) else 422
        if is_api(request):
            return JSONResponse({"detail": [e.as_json() for e in exc.errors]}, status_code=status)
        first = exc.errors[0]
        return _page_error(request, status, N_("Not saved"), first.message, **first.params)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        detail = [
            {
                "field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
                "rule": err["type"],
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        if is_api(request):
            return JSONResponse({"detail": detail}, status_code=422)
        fields = ", ".join(d["field"] for d in detail)
        return _page_error(
            request, 422, N_("Not saved"), N_("Please check these fields: %(fields)s"), fields=fields
        )

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": [{"field": None, "rule": "login", "message": "log in first"}]}, status_code=401
            )
        target = f"/login?next={quote(request.url.path)}" + ("&expired=1" if exc.expired else "")
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(ApiUnauthorized)
    async def api_unauthorized(request: Request, exc: ApiUnauthorized) -> Response:
        return JSONResponse(
            {
                "detail": [
                    {
                        "field": "Authorization",
                        "rule": "bearer_token",
                        "message": "send a valid personal API token as 'Authorization: Bearer <token>'",
                    }
                ]
            },
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return _page_error(
            request,
            403,
            N_("Form expired"),
            N_(
                "This form is no longer valid (missing or stale security token). Reload the page and try again."
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) or exc.status_code not in (404, 405):
            return JSONResponse(
                {"detail": [{"field": None, "rule": "http", "message": str(exc.detail)}]}, exc.status_code
            )
        return _page_error(request, exc.status_code, N_("Not found"), N_("There is no such page or record."))
