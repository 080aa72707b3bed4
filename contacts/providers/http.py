"""Outgoing HTTP for providers: one pooled client, timeouts, and errors sorted into retryable or not."""

from __future__ import annotations

from typing import Any

import httpx

from contacts.providers.base import ProviderError

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send a request; raise ``ProviderError`` (permanent for 4xx other than 408/429)."""
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            response = client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise ProviderError(f"{method} {url}: timed out") from None
    except httpx.HTTPError as exc:
        raise ProviderError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise ProviderError(f"{method} {url}: HTTP {response.status_code}: {response.text[:500]}", permanent=permanent)
    return response
