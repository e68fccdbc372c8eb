"""Request and response schemas of the records API, and compiled request validators.

Request bodies are checked with fastjsonschema-compiled validators (≈ 9 µs a body against
≈ 176 µs with jsonschema, DESIGN §9). The same dicts go into the OpenAPI document, so what is
documented is what is enforced. Unknown fields are rejected (422 `invalid_body`): a body that
tries to name a person (`email`, `user`, …) is refused outright, and identity only ever comes
from the deployment (see identity.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastjsonschema

from builder.web.errors import ApiError

UUID = {
    "type": "string",
    "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
}
MODULE_ID = {"type": "string", "minLength": 1, "maxLength": 100}
VERSION = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TIMESTAMP = {"type": "string", "format": "date-time"}
FEEDBACK_KINDS = ["question", "suggestion", "concern"]

ATTEMPT_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["attempt_id", "module", "version", "answers"],
    "properties": {
        "attempt_id": UUID,
        "module": MODULE_ID,
        "version": VERSION,
        "answers": {
            "type": "object",
            "maxProperties": 200,
            "propertyNames": {"maxLength": 100},
            "additionalProperties": {
                "type": "array",
                "maxItems": 50,
                "uniqueItems": True,
                "items": {"type": "string", "minLength": 1, "maxLength": 100},
            },
        },
        "started_at": TIMESTAMP,
        "draw": {"type": "string", "minLength": 1, "maxLength": 4096},
    },
}
DRAW_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["draw", "module", "version", "questions", "order", "expires_at"],
    "properties": {
        "draw": {"type": "string"},
        "module": {"type": "string"},
        "version": VERSION,
        "questions": {"type": "array", "items": {"type": "string"}},
        "order": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "expires_at": TIMESTAMP,
    },
}
ACK_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ack_id", "module", "version", "statement_sha256"],
    "properties": {
        "ack_id": UUID,
        "module": MODULE_ID,
        "version": VERSION,
        "statement_sha256": SHA256,
    },
}
FEEDBACK_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["feedback_id", "module", "kind", "text"],
    "properties": {
        "feedback_id": UUID,
        "module": MODULE_ID,
        "kind": {"enum": FEEDBACK_KINDS},
        "text": {"type": "string", "minLength": 1, "maxLength": 4000},
        "anonymous": {"type": "boolean"},
    },
}

_RECORDED = {
    "recorded_at": TIMESTAMP,
    "seq": {"type": "integer", "minimum": 1},
    "record_hash": SHA256,
}
QUESTION_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "correct", "selected", "explain", "explain_html", "feedback"],
    "properties": {
        "id": {"type": "string"},
        "correct": {"type": "boolean"},
        "selected": {"type": "array", "items": {"type": "string"}},
        "explain": {"type": ["string", "null"]},
        # the same text as safe inline HTML, rendered at build time (code, emphasis, links)
        "explain_html": {"type": ["string", "null"]},
        "feedback": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["choice", "text", "text_html"],
                "properties": {
                    "choice": {"type": "string"},
                    "text": {"type": "string"},
                    "text_html": {"type": "string"},
                },
            },
        },
        "correct_choices": {"type": "array", "items": {"type": "string"}},
    },
}
ATTEMPT_RESULT: dict[str, Any] = {
    "type": "object",
    "required": [
        "attempt_id",
        "module",
        "version",
        "score",
        "score_percent",
        "pass_mark",
        "passed",
        "questions",
        *_RECORDED,
    ],
    "properties": {
        "attempt_id": UUID,
        "module": {"type": "string"},
        "version": VERSION,
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "score_percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "pass_mark": {"type": "integer", "minimum": 0, "maximum": 100},
        "passed": {"type": "boolean"},
        "questions": {"type": "array", "items": QUESTION_RESULT},
        **_RECORDED,
    },
}
ACK_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["ack_id", "module", "version", *_RECORDED],
    "properties": {"ack_id": UUID, "module": {"type": "string"}, "version": VERSION, **_RECORDED},
}
FEEDBACK_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["feedback_id", "recorded_at", "seq"],
    "properties": {
        "feedback_id": UUID,
        "recorded_at": TIMESTAMP,
        # null for anonymous feedback: it joins the chain later, in a shuffled daily batch
        "seq": {"type": ["integer", "null"], "minimum": 1},
    },
}
LEDGER_HEAD: dict[str, Any] = {
    "type": "object",
    "required": ["seq", "hash"],
    "properties": {"seq": {"type": "integer", "minimum": 0}, "hash": SHA256},
}
_COMPLETION: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "the latest record of this kind: version and day (organisation's zone)",
    "properties": {"version": {"type": "integer"}, "on": {"type": "string", "format": "date"}},
}
ME: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name", "roles", "on_roster", "message", "modules", "assigned"],
    "properties": {
        "email": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "roles": {"type": "array", "items": {"type": "string"}},
        "on_roster": {"type": "boolean", "description": "false: not on the HR roster, no plan"},
        "message": {"type": ["string", "null"], "description": "why there is no plan"},
        "modules": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["status", "due", "version"],
                "properties": {
                    "status": {"enum": ["done", "upcoming", "due_soon", "overdue"]},
                    "due": {"type": ["string", "null"], "format": "date"},
                    "version": {"type": ["integer", "null"]},
                    "passed": _COMPLETION,
                    "acknowledged": _COMPLETION,
                },
            },
        },
        "assigned": {
            "type": "array",
            "description": "campaign items (`records assign`), most urgent first",
            "items": {
                "type": "object",
                "required": ["campaign", "module", "reason", "due", "status", "completed"],
                "properties": {
                    "campaign": {"type": "string"},
                    "module": {"type": "string"},
                    "reason": {"type": "string"},
                    "due": {"type": "string", "format": "date"},
                    "status": {"enum": ["done", "upcoming", "due_soon", "overdue"]},
                    "completed": {"type": ["string", "null"], "format": "date"},
                },
            },
        },
    },
}
HEALTH: dict[str, Any] = {
    "type": "object",
    "required": ["status", "database", "identity", "ledger"],
    "properties": {
        "status": {"enum": ["ok"]},
        "database": {"enum": ["sqlite", "postgresql"]},
        "identity": {"enum": ["open", "header", "token"]},
        "ledger": LEDGER_HEAD,
    },
}
ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}

Validator = Callable[[Any], Any]


def compile_validator(schema: dict[str, Any]) -> Validator:
    """A fast validator for a request schema (draft-07 keywords only)."""
    validate: Validator = fastjsonschema.compile(
        {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    )
    return validate


VALIDATORS: dict[str, Validator] = {
    "attempt": compile_validator(ATTEMPT_REQUEST),
    "ack": compile_validator(ACK_REQUEST),
    "feedback": compile_validator(FEEDBACK_REQUEST),
}


def validate_body(kind: str, body: Any) -> dict[str, Any]:
    """The body when it matches the request schema of `kind`; ApiError 422 otherwise."""
    try:
        VALIDATORS[kind](body)
    except fastjsonschema.JsonSchemaValueException as exc:
        name = exc.name or "data"
        field = name.removeprefix("data").lstrip(".") or "(body)"
        message = str(exc.message or "is not valid").removeprefix(name + " ")
        raise ApiError(
            422, "invalid_body", f"{field}: {message}", {"field": field, "rule": exc.rule}
        ) from None
    except RecursionError:
        raise ApiError(422, "invalid_body", "the body is nested too deeply") from None
    result: dict[str, Any] = body
    return result
