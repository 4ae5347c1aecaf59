"""An OAuth 2.0 authorization server built on Authlib's own endpoint classes, for the interop test.

RFC 7591 registration (ClientRegistrationEndpoint), RFC 7592 management (ClientConfigurationEndpoint),
and a token endpoint with the client_credentials grant for client_secret_basic and private_key_jwt
clients. Everything is kept in memory. Only what Authlib leaves to the developer is written here: the
storage, token lookup and the server metadata; every answer on the wire is Authlib's.

Usage: /usr/bin/python3 authlib_app.py [--port PORT] [--initial-access-token TOKEN]
It serves on 127.0.0.1 at PORT (default: a free one), prints "listening http://127.0.0.1:PORT" and serves
until its standard input closes (so it never outlives the test that started it).
"""

import argparse
import os
import secrets
import sys
import threading

# Authlib refuses plain HTTP unless told otherwise; this server only ever listens on loopback.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from flask import Flask, jsonify  # noqa: E402
from flask import request as flask_request  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.jose import JsonWebKey  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, grants  # noqa: E402
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list  # noqa: E402
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion  # noqa: E402
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint  # noqa: E402
from authlib.oauth2.rfc7592 import ClientConfigurationEndpoint  # noqa: E402

SCOPES = ["read", "write"]
AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]

lock = threading.Lock()
clients = {}  # client_id -> Client
registration_tokens = {}  # registration access token -> client_id
assertion_jtis = set()  # (client_id, jti) of client assertions already used
state = {"issuer": "", "initial_access_token": ""}


class Client(ClientMixin):
    def __init__(self, info, metadata):
        self.client_info = info
        self.client_metadata = metadata

    def get_client_id(self):
        return self.client_info["client_id"]

    def get_default_redirect_uri(self):
        uris = self.client_metadata.get("redirect_uris") or []
        return uris[0] if uris else None

    def get_allowed_scope(self, scope):
        allowed = set(scope_to_list(self.client_metadata.get("scope", "")) or [])
        return list_to_scope([s for s in scope_to_list(scope) or [] if s in allowed])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in (self.client_metadata.get("redirect_uris") or [])

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(str(client_secret), self.client_info["client_secret"])

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint == "token":
            return method == self.client_metadata.get("token_endpoint_auth_method", "client_secret_basic")
        return True

    def check_response_type(self, response_type):
        return response_type in (self.client_metadata.get("response_types") or [])

    def check_grant_type(self, grant_type):
        # RFC 7591 section 2: grant_types defaults to authorization_code.
        return grant_type in (self.client_metadata.get("grant_types") or ["authorization_code"])


def server_metadata():
    issuer = state["issuer"]
    return {
        "issuer": issuer,
        "token_endpoint": issuer + "/token",
        "registration_endpoint": issuer + "/register",
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": SCOPES,
    }


def bearer(req):
    scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def registration_info(client, token):
    return {
        "registration_client_uri": state["issuer"] + "/register/" + client.get_client_id(),
        "registration_access_token": token,
    }


class Registration(ClientRegistrationEndpoint):
    def authenticate_token(self, request):
        want = state["initial_access_token"]
        if not want:
            return {"open": True}  # open registration
        token = bearer(request)
        if token and secrets.compare_digest(token, want):
            return {"initial_access_token": True}
        return None

    def resolve_public_key(self, request):
        return None  # no software statements

    def get_server_metadata(self):
        return server_metadata()

    def save_client(self, client_info, client_metadata, request):
        client = Client(client_info, client_metadata)
        with lock:
            clients[client.get_client_id()] = client
        return client

    def generate_client_registration_info(self, client, request):
        token = secrets.token_urlsafe(32)
        with lock:
            registration_tokens[token] = client.get_client_id()
        return registration_info(client, token)


class Configuration(ClientConfigurationEndpoint):
    def authenticate_token(self, request):
        token = bearer(request)
        with lock:
            client_id = registration_tokens.get(token)
        if client_id is None:
            return None
        return {"token": token, "client_id": client_id}

    def authenticate_client(self, request):
        with lock:
            return clients.get(flask_request.view_args["client_id"])

    def revoke_access_token(self, request, token):
        # Authlib 1.2.0 calls this as (request, token).
        with lock:
            registration_tokens.pop(token["token"], None)

    def check_permission(self, client, request):
        return request.credential["client_id"] == client.get_client_id()

    def delete_client(self, client, request):
        with lock:
            clients.pop(client.get_client_id(), None)

    def update_client(self, client, client_metadata, request):
        # RFC 7592 section 2.2: the request replaces every metadata value; omitted ones are removed.
        client.client_metadata = client_metadata
        return client

    def generate_client_registration_info(self, client, request):
        return registration_info(client, request.credential["token"])

    def get_server_metadata(self):
        return server_metadata()


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def validate_jti(self, claims, jti):
        key = (claims["sub"], jti)
        with lock:
            if key in assertion_jtis:
                return False
            assertion_jtis.add(key)
        return True

    def resolve_client_public_key(self, client, headers):
        jwks = client.client_metadata.get("jwks")
        if not jwks:
            raise InvalidClientError()
        keys = JsonWebKey.import_key_set(jwks)
        kid = headers.get("kid")
        if kid:
            try:
                return keys.find_by_kid(kid)
            except ValueError:
                raise InvalidClientError()
        if len(keys.keys) != 1:
            raise InvalidClientError()  # which key is meant needs a kid
        return keys.keys[0]


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


def create_app():
    app = Flask(__name__)
    app.config["OAUTH2_SCOPES_SUPPORTED"] = SCOPES
    server = AuthorizationServer(app, query_client=lambda cid: clients.get(cid), save_token=lambda token, req: None)
    server.register_grant(ClientCredentials)
    server.register_endpoint(Registration)
    server.register_endpoint(Configuration)

    @app.get("/.well-known/oauth-authorization-server")
    def metadata():
        return jsonify(server_metadata())

    @app.post("/register")
    def register():
        return server.create_endpoint_response(Registration.ENDPOINT_NAME)

    @app.route("/register/<client_id>", methods=["GET", "PUT", "DELETE"])
    def manage(client_id):
        return server.create_endpoint_response(Configuration.ENDPOINT_NAME)

    @app.post("/token")
    def token():
        return server.create_token_response()

    return app, server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--initial-access-token", default="")
    args = parser.parse_args()
    state["initial_access_token"] = args.initial_access_token
    app, server = create_app()
    httpd = make_server("127.0.0.1", args.port, app, threaded=True)
    state["issuer"] = "http://127.0.0.1:%d" % httpd.server_port
    # The client assertion's aud must be the token endpoint (RFC 7523 section 3), known once bound.
    server.register_client_auth_method("private_key_jwt", PrivateKeyJWT(state["issuer"] + "/token"))
    print("listening " + state["issuer"], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    httpd.serve_forever()


if __name__ == "__main__":
    main()
