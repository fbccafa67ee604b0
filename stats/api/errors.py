"""Errors the API turns into JSON responses with a message."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error with an HTTP status and a message for the caller."""

    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class BadRequest(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404
