"""The OpenAPI 3.1 document of the records API, built from the schemas the service enforces."""

from __future__ import annotations

from typing import Any

from builder import __version__
from builder.web import schemas as s
from builder.web.admin import REPORTS

_ERRORS = {
    "400": "Malformed JSON, invalid UTF-8, a duplicate key or identity header, or too deep",
    "401": "No identity (or none that can be trusted)",
    "403": "Wrong admin token, or a quiz draw issued to someone else",
    "404": "Unknown module",
    "409": "Stale version, changed statement, an id replayed with another body, or a quiz "
    "draw that expired or was already used",
    "413": "Body over 64 KiB",
    "415": "Content type is not application/json",
    "422": "Body (or query) does not match the schema, names unknown questions or choices, "
    "or an attempt without a draw the service issued (or answers outside it)",
    "429": "Over a rate limit or the quiz's attempt limit: `details.retry_at` (and Retry-After) "
    "say when the person may try again",
    "503": "The database is unavailable",
}
_IDENTITY_SCHEMES = {"open": "userHeader", "header": "proxyHeader", "token": "personToken"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(*codes: str) -> dict[str, Any]:
    return {
        c: {"description": _ERRORS[c], "content": _json({"$ref": "#/components/schemas/Error"})}
        for c in codes
    }


def _post(
    summary: str,
    request: dict[str, Any],
    result: dict[str, Any],
    identity: list[Any],
    replay: bool = True,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"201": {"description": "Recorded", "content": _json(result)}}
    if replay:
        responses["200"] = {
            "description": "Replay of an id already recorded with the same body",
            "content": _json(result),
        }
    responses.update(_errors("400", "401", "404", "409", "413", "415", "422", "429", "503"))
    if request is s.ATTEMPT_REQUEST:
        responses.update(_errors("403"))
    return {
        "summary": summary,
        "security": identity,
        "requestBody": {"required": True, "content": _json(request)},
        "responses": responses,
    }


def openapi_document(identity_mode: str, header: str = "X-Forwarded-Email") -> dict[str, Any]:
    """The document for a service running with this identity mode."""
    scheme = _IDENTITY_SCHEMES[identity_mode]
    identity: list[dict[str, list[str]]] = [{scheme: []}]
    paths: dict[str, Any] = {
        "/api/attempts": {
            "post": _post(
                "Grade and record a quiz attempt", s.ATTEMPT_REQUEST, s.ATTEMPT_RESULT, identity
            )
        },
        "/api/quiz/{module}/draw": {
            "get": {
                "summary": "Draw the questions and choice order of the person's next attempt",
                "security": identity,
                "parameters": [
                    {"name": "module", "in": "path", "required": True, "schema": s.MODULE_ID}
                ],
                "responses": {
                    "200": {"description": "A signed draw", "content": _json(s.DRAW_RESULT)},
                    **_errors("401", "404", "422", "429", "503"),
                },
            }
        },
        "/api/acknowledgements": {
            "post": _post("Record a policy acknowledgement", s.ACK_REQUEST, s.ACK_RESULT, identity)
        },
        "/api/feedback": {
            "post": _post(
                "Record a question, suggestion or concern",
                s.FEEDBACK_REQUEST,
                s.FEEDBACK_RESULT,
                identity,
            )
        },
        "/api/me": {
            "get": {
                "summary": "The person, their roles and each path module's status",
                "security": identity,
                "responses": {
                    "200": {"description": "The person", "content": _json(s.ME)},
                    **_errors("400", "401", "503"),
                },
            }
        },
        "/api/me/transcript": {
            "get": {
                "summary": "The person's own training transcript, a printable HTML page",
                "security": identity,
                "responses": {
                    "200": {
                        "description": "The transcript",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    **_errors("400", "401", "404", "503"),
                },
            }
        },
        "/api/health": {
            "get": {
                "summary": "Status, database kind, identity mode and ledger head",
                "security": [],
                "responses": {
                    "200": {"description": "Healthy", "content": _json(s.HEALTH)},
                    **_errors("503"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": _json({"type": "object"})}
                },
            }
        },
    }
    for report in REPORTS.values():
        paths["/api/reports" + report.path] = {
            "get": {
                "summary": report.summary,
                "security": [{"adminToken": []}],
                "parameters": list(report.parameters),
                "responses": {
                    "200": {
                        "description": report.summary,
                        "content": {
                            mt: {"schema": report.schema}
                            for mt in (
                                (report.media_type,)
                                if isinstance(report.media_type, str)
                                else report.media_type
                            )
                        },
                    },
                    **_errors("400", "401", "403", "404", "422", "503"),
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TrustPath records API",
            "version": __version__,
            "description": "Server-side grading and tamper-evident training records.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": s.ERROR},
            "securitySchemes": {
                "userHeader": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-TrustPath-User",
                    "description": "Demo only: anyone can claim any email.",
                },
                "proxyHeader": {
                    "type": "apiKey",
                    "in": "header",
                    "name": header,
                    "description": "Set by the SSO proxy; trusted only from it.",
                },
                "personToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token of a personal link (tp_token).",
                },
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "TRUSTPATH_ADMIN_TOKEN",
                },
            },
        },
    }
