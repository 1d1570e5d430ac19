"""What routes share: the store's sessions, the settings, and the API key on writes."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.runtime.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <NEWSDESK_API_KEY>`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="NEWSDESK_API_KEY")


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]


def require_key(
    settings: Annotated[Settings, Depends(get_settings)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> None:
    """Writes need the API key; with none configured the API is read-only."""
    if settings.api_key is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "this API is read-only: set NEWSDESK_API_KEY to allow writes"
        )
    given = header or (bearer.credentials if bearer else None)
    expected = settings.api_key.get_secret_value()
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API key is required (X-API-Key or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )


Writer = Depends(require_key)
