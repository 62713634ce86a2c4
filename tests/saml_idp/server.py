"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (``saml2.server.Server``)
behind a small WSGI app, run as its own process on 127.0.0.1.

Every protocol step is pysaml2's: parsing and verifying the service provider's requests,
building and signing (with the xmlsec1 tool) assertions, responses and logout messages, and
the HTTP-Redirect and HTTP-POST bindings. This module only adds what an IdP's product adds
around it: users with passwords, a sign-in form, a session cookie, an "open this app" start
page for IdP-initiated sign-in, and a read-only ``/state`` the tests look at.

Run as ``python -m tests.saml_idp.server CONFIG.json``: it binds 127.0.0.1 on a free port,
prints ``READY <port>`` and serves until terminated. The configuration (written by
``tests.saml_idp.harness``) names the signing key and certificate, the service providers'
metadata files and the users.

Test knob: ``/start?sign=`` chooses what the IdP signs (``assertion`` by default, as Okta,
Entra ID and Google do; ``response`` for the response only, ``none`` for nothing), so that
tests can prove the service provider refuses assertions that are not signed.
"""

import json
import secrets
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

COOKIE = "idp_session"
SIGNING = {"assertion": (True, False), "response": (False, True), "both": (True, True), "none": (False, False)}


def idp_config(base: str, conf: dict) -> IdPConfig:
    return IdPConfig().load(
        {
            "entityid": f"{base}/metadata",
            "name": "Test identity provider",
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{base}/sso/redirect", BINDING_HTTP_REDIRECT),
                        ],
                        "single_logout_service": [(f"{base}/slo/redirect", BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    # Authentication and logout requests must carry the service provider's
                    # signature (its certificate comes from its metadata), as Okta asks for SLO.
                    "want_authn_requests_signed": conf.get("want_requests_signed", True),
                    "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
                },
            },
            "key_file": conf["key_file"],
            "cert_file": conf["cert_file"],
            "metadata": {"local": conf["sp_metadata"]},
            "xmlsec_binary": conf.get("xmlsec_binary", "/usr/bin/xmlsec1"),
            # A map that passes attribute names through as given (Okta's and Entra's
            # "attribute statements" send exactly the names the admin typed).
            "attribute_map_dir": str(Path(__file__).parent / "attributemaps"),
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "accepted_time_diff": 60,
        }
    )


class IdentityProvider:
    def __init__(self, base: str, conf: dict):
        self.base = base
        self.conf = conf
        self.users: dict = conf["users"]
        self.server = Server(config=idp_config(base, conf))
        self.sessions: dict[str, str] = {}  # cookie value -> user name
        self.pending: dict[str, dict] = {}  # sign-in form key -> the response to build
        self.logouts: list[dict] = []  # what logout requests and responses arrived

    # --- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        form: dict = {}
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {
                k: v[0]
                for k, v in parse_qs(environ["wsgi.input"].read(length).decode(), keep_blank_values=True).items()
            }
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        session = cookie[COOKIE].value if COOKIE in cookie else ""
        routes = {
            "/metadata": self.metadata,
            "/sso/redirect": self.sso,
            "/start": self.start,
            "/login": self.login,
            "/slo/redirect": self.slo,
            "/logout-start": self.logout_start,
            "/state": self.state,
        }
        handler = routes.get(path)
        if handler is None:
            return respond(start_response, "404 Not Found", "text/plain", "not found")
        try:
            return handler(start_response, query=query, form=form, session=session)
        except Exception as exc:  # the SP sent something pysaml2 refused: say so, as IdPs do
            return respond(start_response, "400 Bad Request", "text/plain", f"{type(exc).__name__}: {exc}")

    # --- pages -----------------------------------------------------------------------------
    def metadata(self, start_response, **_):
        xml = create_metadata_string(None, config=self.server.config, sign=False)
        return respond(start_response, "200 OK", "application/samlmetadata+xml", xml.decode())

    def sso(self, start_response, *, query, session, **_):
        """SP-initiated: the service provider's AuthnRequest over HTTP-Redirect."""
        request = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        args = self.server.response_args(request.message, [BINDING_HTTP_POST])
        return self.authenticate(start_response, args, query.get("RelayState", ""), "assertion", session)

    def start(self, start_response, *, query, session, **_):
        """IdP-initiated: the person opens the app from the IdP's dashboard."""
        sp = query["sp"]
        acs = self.server.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)[0]["location"]
        args = {"destination": acs, "in_response_to": None, "sp_entity_id": sp, "binding": BINDING_HTTP_POST}
        return self.authenticate(
            start_response, args, query.get("relay_state", ""), query.get("sign", "assertion"), session
        )

    def authenticate(self, start_response, args, relay_state, sign, session):
        key = secrets.token_urlsafe(16)
        self.pending[key] = {"args": args, "relay_state": relay_state, "sign": sign}
        if session in self.sessions:
            return self.answer(start_response, key, self.sessions[session])
        page = (
            "<!doctype html><title>Test IdP: sign in</title><h1>Sign in to the test IdP</h1>"
            '<form method="post" action="/login">'
            f'<input type="hidden" name="key" value="{key}">'
            '<label>Username <input name="username" autocomplete="username"></label>'
            '<label>Password <input name="password" type="password"></label>'
            "<button>Sign in</button></form>"
        )
        return respond(start_response, "200 OK", "text/html", page)

    def login(self, start_response, *, form, **_):
        user = self.users.get(form.get("username", ""))
        if user is None or not secrets.compare_digest(user["password"], form.get("password", "")):
            return respond(start_response, "401 Unauthorized", "text/html", "<h1>Wrong username or password</h1>")
        cookie = secrets.token_urlsafe(16)
        self.sessions[cookie] = form["username"]
        headers = [("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax")]
        return self.answer(start_response, form["key"], form["username"], headers)

    def answer(self, start_response, key, username, headers=()):
        """The signed Response, posted to the service provider by the browser."""
        pending = self.pending.pop(key)
        args = dict(pending["args"])
        sign_assertion, sign_response = SIGNING[pending["sign"]]
        user = self.users[username]
        response = self.server.create_authn_response(
            identity=user["attributes"],
            userid=username,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=user["name_id"]),
            authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_auth": self.base},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **{k: v for k, v in args.items() if k != "binding"},
        )
        http = self.server.apply_binding(
            BINDING_HTTP_POST, str(response), args["destination"], pending["relay_state"], response=True
        )
        return respond(start_response, "200 OK", "text/html", http["data"], headers)

    def slo(self, start_response, *, query, **_):
        """Single logout over HTTP-Redirect: a LogoutRequest from the service provider (end
        this person's IdP sessions, answer with a signed LogoutResponse), or the service
        provider's LogoutResponse to a logout this IdP started."""
        if "SAMLResponse" in query:
            response = self.server.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
            self.logouts.append({"kind": "response", "status": response.response.status.status_code.value})
            return respond(start_response, "200 OK", "text/html", "<h1>You are signed out</h1>")
        request = self.server.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        name_id = request.message.name_id.text
        indexes = [i.text for i in request.message.session_index]
        ended = [c for c, u in self.sessions.items() if self.users[u]["name_id"] == name_id]
        for cookie in ended:
            del self.sessions[cookie]
        self.logouts.append({"kind": "request", "name_id": name_id, "session_indexes": indexes, "ended": len(ended)})
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        http = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            self.sp_logout_url(request.message.issuer.text),
            query.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return redirect(start_response, dict(http["headers"])["Location"])

    def logout_start(self, start_response, *, query, session, **_):
        """IdP-initiated single logout: tell the service provider to end the session."""
        username = self.sessions.pop(session, None) or query["user"]
        sp = query["sp"]
        _, request = self.server.create_logout_request(
            self.sp_logout_url(sp),
            sp,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=self.users[username]["name_id"]),
            sign=False,
        )
        http = self.server.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), self.sp_logout_url(sp), "", sign=True, sigalg=SIG_RSA_SHA256
        )
        return redirect(start_response, dict(http["headers"])["Location"])

    def sp_logout_url(self, sp: str) -> str:
        return self.server.metadata.single_logout_service(sp, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]

    def state(self, start_response, **_):
        body = json.dumps({"sessions": sorted(self.sessions.values()), "logouts": self.logouts})
        return respond(start_response, "200 OK", "application/json", body)


def respond(start_response, status, content_type, body, headers=()):
    start_response(status, [("Content-Type", f"{content_type}; charset=utf-8"), *headers])
    return [body.encode()]


def redirect(start_response, location):
    start_response("302 Found", [("Location", location)])
    return [b""]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        sys.stderr.write("idp: " + (format % args) + "\n")


def main(config_path: str) -> None:
    conf = json.loads(Path(config_path).read_text())
    holder: dict = {}

    def app(environ, start_response):
        return holder["idp"](environ, start_response)

    httpd = make_server("127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler)
    port = httpd.server_address[1]
    holder["idp"] = IdentityProvider(f"http://127.0.0.1:{port}", conf)
    print(f"READY {port}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
