"""What a route answers: status, body, content type and extra headers (used by `app` and
`admin`, kept apart so that neither imports the other back)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Reply:
    status: int
    body: str = ""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
