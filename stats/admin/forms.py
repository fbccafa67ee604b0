"""Form fields that let curators edit list-valued rule settings as plain text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_METHOD = re.compile(r"[A-Z][A-Z-]*")


class TextListField(forms.CharField):
    """A JSON list edited as text: one item per line, or comma-separated when ``commas``."""

    def __init__(self, *, commas: bool = False, rows: int = 3, **kwargs: Any) -> None:
        self.commas = commas
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput()
            if commas
            else forms.Textarea(
                attrs={"rows": rows, "cols": 100, "style": "font-family: monospace"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return (", " if self.commas else "\n").join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list:
        if isinstance(value, list | tuple):
            return list(value)
        text = super().to_python(value)
        parts = re.split(r"[,\s]+" if self.commas else r"\r?\n", text)
        items = [part.strip() for part in parts if part.strip()]
        errors: list[ValidationError] = []
        converted = []
        for item in items:
            try:
                converted.append(self.convert(item))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return converted

    def convert(self, item: str) -> Any:
        """One item, checked; raise ValidationError naming it when it is wrong."""
        return item


class StatusListField(TextListField):
    """HTTP status codes that count as a download, e.g. ``200, 206``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "HTTP status codes counted as downloads, e.g. 200, 206.")
        super().__init__(commas=True, **kwargs)

    def convert(self, item: str) -> int:
        if not re.fullmatch(r"[0-9]{3}", item) or not 100 <= int(item) <= 599:
            raise ValidationError(
                "“%(item)s” is not an HTTP status code (an integer from 100 to 599).",
                code="invalid_status",
                params={"item": item},
            )
        return int(item)


class MethodListField(TextListField):
    """HTTP methods that count as a download, e.g. ``GET``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "HTTP methods counted as downloads, e.g. GET.")
        super().__init__(commas=True, **kwargs)

    def convert(self, item: str) -> str:
        if not _METHOD.fullmatch(item):
            raise ValidationError(
                "“%(item)s” is not an HTTP method: use uppercase letters, e.g. GET.",
                code="invalid_method",
                params={"item": item},
            )
        return item


class RegexListField(TextListField):
    """Regular expressions, one per line, each checked by compiling it."""

    def convert(self, item: str) -> str:
        try:
            re.compile(item)
        except re.error as exc:
            raise ValidationError(
                "“%(item)s” is not a valid regular expression: %(error)s.",
                code="invalid_regex",
                params={"item": item, "error": exc},
            ) from None
        return item


class UrlListField(TextListField):
    """Web addresses, one per line."""

    validator: Callable[[str], None] = URLValidator(schemes=["http", "https"])

    def convert(self, item: str) -> str:
        try:
            self.validator(item)
        except ValidationError:
            raise ValidationError(
                "“%(item)s” is not an http(s) URL.", code="invalid_url", params={"item": item}
            ) from None
        return item
