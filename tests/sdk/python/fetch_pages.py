"""Fetch every page of an execution's history from a local durable
execution service with plain HTTP (no SDK, no durable-lens code), the pages
one per line into OUT: the file the same history would be saved as.

Usage: fetch_pages.py ENDPOINT ARN OUT
"""

from __future__ import annotations

import json
import sys
from urllib.parse import quote
from urllib.request import urlopen


def main(endpoint: str, arn: str, out: str) -> None:
    marker = None
    pages = []
    while True:
        url = f"{endpoint}/2025-12-01/durable-executions/{quote(arn, safe='')}/history?IncludeExecutionData=true"
        if marker:
            url += f"&Marker={quote(marker, safe='')}"
        with urlopen(url, timeout=30) as r:  # noqa: S310 - loopback only
            body = r.read()
        pages.append(body)
        marker = json.loads(body).get("NextMarker")
        if not marker:
            break
    with open(out, "wb") as f:
        for p in pages:
            f.write(p + b"\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
