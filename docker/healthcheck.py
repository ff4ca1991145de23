"""The containers' health check: GET http://127.0.0.1:$PORT/<path> and exit 0 on HTTP 200.

Used by the image's HEALTHCHECK (/healthz: the process is up) and by compose's web service
(/readyz: database and broker answer). Sends as Host the first name of ALLOWED_HOSTS, so that
Django's host check accepts the request whatever the site's name; /healthz and /readyz are
exempt from the https redirect (SECURE_REDIRECT_EXEMPT), so plain http to loopback is enough.
Standard library only: it runs in the image without Django being imported.
"""

from __future__ import annotations

import http.client
import os
import sys


def host_header(allowed_hosts: str) -> str:
    for name in (h.strip() for h in allowed_hosts.split(",")):
        if name and name != "*":
            # ".example.org" allows the domain and its subdomains: the domain itself will do.
            return name.lstrip(".")
    return "localhost"


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    port = int(os.environ.get("PORT", "8000"))
    host = host_header(os.environ.get("ALLOWED_HOSTS", "localhost"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        body = response.read(500).decode("utf-8", "replace")
    except OSError as exc:
        print(f"healthcheck: {path}: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if response.status != 200:
        print(f"healthcheck: {path}: HTTP {response.status} {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
