"""The review tool's web app (aiohttp + jinja2): sign-in, conversation list, transcript, corrections, exports."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict

import jinja2
from aiohttp import web

from ops.settings import Settings
from review.db import ReviewDB, reference
from review.export import domain_intents, nlu_yaml, story_yaml
from review.listing import PAGE_SIZE, Filters, conversations
from review.store import TrackerStore
from review.transcript import turns

COOKIE, PRE_COOKIE = "review_session", "review_signin"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
OPEN_PATHS = {"/signin", "/healthz", "/static/review.css"}
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
TEMPLATES.filters["ref"] = lambda sender: reference(sender) if sender else ""
TEMPLATES.filters["when"] = lambda stamp: datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def render(name: str, request: web.Request, status: int = 200, **context: Any) -> web.Response:
    """A rendered page."""
    body = TEMPLATES.get_template(name).render(trainer=request.get("trainer"), **context)
    return web.Response(text=body, status=status, content_type="text/html")


def _cookie(response: web.StreamResponse, name: str, value: str, request: web.Request) -> None:
    """Sets an HttpOnly, SameSite=Strict, Secure cookie; REVIEW_INSECURE_COOKIES=1 drops `Secure` for plain http to
    localhost only (browsers keep Secure cookies of http://localhost anyway; other clients may not)."""
    local = (request.host or "").rsplit(":", 1)[0] in LOCAL_HOSTS or request.host in LOCAL_HOSTS
    secure = not (Settings.load().review_insecure_cookies and local and not request.secure)
    response.set_cookie(name, value, httponly=True, samesite="Strict", secure=secure, path="/")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page and API needs a signed-in trainer; forms need the session's CSRF token."""
    if request.path not in OPEN_PATHS:
        session = await asyncio.to_thread(request.app["db"].session, request.cookies.get(COOKIE))
        if session is None:
            if request.method == "GET" and not request.path.startswith("/api/"):
                raise web.HTTPSeeOther("/signin")
            raise web.HTTPUnauthorized(text="Sign in first.")
        request["trainer"] = session
        if request.method == "POST":
            form = await request.post()
            if not hmac.compare_digest(str(form.get("csrf", "")), session["csrf"]):
                raise web.HTTPForbidden(text="The form expired: reload the page and try again.")
    response = await handler(request)
    response.headers.update(HEADERS)
    return response


async def signin_page(request: web.Request) -> web.Response:
    """The sign-in form, with a CSRF token (double-submit cookie; kept if set, as favicon requests also land here)."""
    token = request.cookies.get(PRE_COOKIE) or ""
    token = token if len(token) == 43 else secrets.token_urlsafe(32)
    response = render("signin.html", request, csrf=token, error=None)
    _cookie(response, PRE_COOKIE, token, request)
    return response


async def signin(request: web.Request) -> web.StreamResponse:
    """Checks the password and starts a session."""
    form = await request.post()
    expected = request.cookies.get(PRE_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("csrf", "")), expected):
        raise web.HTTPForbidden(text="The form expired: reload the page and try again.")
    username, address, db = str(form.get("username", ""))[:100], request.remote or "", request.app["db"]
    if await asyncio.to_thread(db.throttled, address, username):
        raise web.HTTPTooManyRequests(text="Too many wrong passwords: try again in 15 minutes.")
    result = await asyncio.to_thread(db.sign_in, username, str(form.get("password", "")))
    if result is None:
        await asyncio.to_thread(db.failed, address, username)
        response = render("signin.html", request, status=401, csrf=expected, error="Wrong user name or password.")
        return response
    response = web.HTTPSeeOther("/")
    _cookie(response, COOKIE, result[0], request)
    response.del_cookie(PRE_COOKIE, path="/")
    return response


async def signout(request: web.Request) -> web.StreamResponse:
    """Ends the session."""
    await asyncio.to_thread(request.app["db"].sign_out, request.cookies.get(COOKIE, ""))
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(COOKIE, path="/")
    return response


async def _page(request: web.Request) -> Dict[str, Any]:
    """Syncs the index and reads one page of the list."""
    app = request.app
    await asyncio.to_thread(app["db"].sync, app["store"])
    filters = Filters.from_query(request.query)
    rows, total = await asyncio.to_thread(conversations, app["db"], filters)
    return {"rows": rows, "total": total, "filters": filters, "pages": max(1, -(-total // PAGE_SIZE))}


async def index(request: web.Request) -> web.Response:
    """The conversation list."""
    page = await _page(request)
    query = {k: v for k, v in request.query.items() if k != "page"}
    return render("list.html", request, query=query, **page)


async def api_conversations(request: web.Request) -> web.Response:
    """The conversation list as JSON."""
    page = await _page(request)
    return web.json_response({"total": page["total"], "conversations": page["rows"]})


async def _sender(request: web.Request) -> str:
    """The sender id behind the path's opaque reference."""
    await asyncio.to_thread(request.app["db"].sync, request.app["store"])
    sender = await asyncio.to_thread(request.app["db"].sender_for, request.match_info["ref"])
    if sender is None:
        raise web.HTTPNotFound(text="No such conversation.")
    return sender


async def _turns(request: web.Request, action: str, sender: str = "") -> tuple[str, list]:
    """A conversation's redacted turns; the access is audited."""
    sender = sender or await _sender(request)
    app, who = request.app, request["trainer"]["username"]
    events = await asyncio.to_thread(app["store"].events, sender)
    if not events:
        raise web.HTTPNotFound(text="No such conversation.")
    corrections = {c["event_index"]: c["intent"] for c in await asyncio.to_thread(app["db"].corrections, sender)}
    await asyncio.to_thread(app["db"].audit, who, action, sender)
    return sender, turns(events, corrections)


async def conversation(request: web.Request) -> web.Response:
    """One transcript."""
    sender, rows = await _turns(request, "view")
    return render("conversation.html", request, ref=reference(sender), turns=rows, intents=sorted(domain_intents()))


async def correct(request: web.Request) -> web.StreamResponse:
    """Stores the right intent of one user turn."""
    form = await request.post()
    sender, intent = await _sender(request), str(form.get("intent", ""))
    if intent not in domain_intents() or not str(form.get("index", "")).isdigit():
        raise web.HTTPBadRequest(text="Choose an intent from the list.")
    await asyncio.to_thread(request.app["db"].correct, request["trainer"]["username"], sender, int(form["index"]), intent)
    raise web.HTTPSeeOther(f"/conversations/{reference(sender)}#turn-{int(form['index'])}")


async def story(request: web.Request) -> web.Response:
    """A conversation as a Rasa test story (redacted)."""
    sender, rows = await _turns(request, "export-story")
    return web.Response(
        text=story_yaml(f"reviewed conversation {reference(sender)}", rows),
        content_type="text/yaml",
        headers={"Content-Disposition": 'attachment; filename="test_story.yml"'},
    )


async def export_nlu(request: web.Request) -> web.Response:
    """Every correction as Rasa NLU training data (redacted)."""
    app = request.app
    examples = []
    for sender in {c["sender_id"] for c in await asyncio.to_thread(app["db"].corrections)}:
        _, rows = await _turns(request, "export-nlu", sender)
        examples += [(t["correction"], t["text"]) for t in rows if t["kind"] == "user" and t.get("correction")]
    return web.Response(
        text=nlu_yaml(examples),
        content_type="text/yaml",
        headers={"Content-Disposition": 'attachment; filename="corrections.yml"'},
    )


async def audit(request: web.Request) -> web.Response:
    """Who opened and exported what."""
    return render("audit.html", request, entries=await asyncio.to_thread(request.app["db"].audit_trail))


async def healthz(_: web.Request) -> web.Response:
    """Readiness."""
    return web.Response(text="ok")


def make_app(db: ReviewDB | None = None, store: TrackerStore | None = None) -> web.Application:
    """The web application over the given (or configured) databases."""
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app["db"], app["store"] = db or ReviewDB(), store or TrackerStore()
    app.router.add_get("/signin", signin_page)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)
    app.router.add_get("/", index)
    app.router.add_get("/api/conversations", api_conversations)
    app.router.add_get("/conversations/{ref}", conversation)
    app.router.add_post("/conversations/{ref}/correct", correct)
    app.router.add_get("/conversations/{ref}/story.yml", story)
    app.router.add_get("/export/nlu.yml", export_nlu)
    app.router.add_get("/audit", audit)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static", Path(__file__).parent / "static")
    return app


def main() -> None:
    """Serves on REVIEW_HOST:REVIEW_PORT."""
    settings = Settings.load()
    web.run_app(
        make_app(),
        host=settings.review_host,
        port=settings.review_port,
        access_log=None,
        print=lambda *_: None,
        shutdown_timeout=2,
    )


if __name__ == "__main__":
    main()
