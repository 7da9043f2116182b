"""How uvicorn is run for this app: the options `cppcc-qa serve` passes, in one place so the tests
serve the app exactly so.

uvicorn by default believes `X-Forwarded-For` from 127.0.0.1 and rewrites the client address
from it, so anyone on the host (or any local reverse proxy's clients, by forging the header) could
pick the address the rate limiter counts (issue 10: rotating the header escaped the limit). Here
forwarded headers are believed only from the addresses in `settings.trusted_proxies`, and not at
all when it is empty (the default).
"""
from __future__ import annotations

from typing import Any

from cppcc_qa.settings import Settings

__all__ = ["uvicorn_options"]


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config` (besides the app, host and port)."""
    trusted = [ip.strip() for ip in settings.trusted_proxies if ip.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": ",".join(trusted) if trusted else None}
