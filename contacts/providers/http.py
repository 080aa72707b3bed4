"""Outgoing HTTP for providers: one pooled client, timeouts, and errors sorted into retryable or not."""

from __future__ import annotations

from typing import Any

import httpx

from contacts.providers.base import ProviderError

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send a request and return the (2xx) response.

    Raises ``ProviderError``: permanent for 4xx other than 408/429, for redirects (they are
    not followed, so nothing was delivered, and sending again will not change that) and for
    addresses that cannot be used; retryable for 5xx, 408, 429, timeouts and network errors.
    """
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            response = client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise ProviderError(f"{method} {url}: timed out") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ProviderError(f"{method} {url}: {exc}", permanent=True) from None
    except httpx.HTTPError as exc:
        raise ProviderError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
    if response.is_redirect:
        location = response.headers.get("Location", "")
        raise ProviderError(
            f"{method} {url}: HTTP {response.status_code}: redirected to {location!r}; use the final address",
            permanent=True,
        )
    if response.status_code >= 300:
        permanent = 300 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise ProviderError(f"{method} {url}: HTTP {response.status_code}: {response.text[:500]}", permanent=permanent)
    return response
