"""Runs the independent Open311 client `georeport` (PyPI, Apache-2.0) against a server.

Usage: georeport_client.py BASE_URL JURISDICTION FORMAT SERVICE_CODE REQUEST_ID

Prints one JSON object: what the client read (services, a service definition, the
requests, one request), as the client returns it. Exits 3 when `georeport` is not installed,
so that the Rust test can skip.
"""

import json
import sys

try:
    import georeport
    from georeport import GeoReport
except ImportError as e:  # not installed here
    print(f"georeport is not installed: {e}", file=sys.stderr)
    sys.exit(3)


def as_list(value):
    # xmltodict gives a dict, not a list, when an element occurs once.
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def main():
    base, jurisdiction, fmt, service_code, request_id = sys.argv[1:6]
    client = GeoReport(base, jurisdiction=jurisdiction, output_format=fmt)
    definition = client.get_service_definition(service_code)
    if fmt == "xml":
        attributes = as_list((definition.get("attributes") or {}).get("attribute"))
        for a in attributes:
            a["values"] = as_list((a.get("values") or {}).get("value"))
        definition["attributes"] = attributes
    out = {
        "client": "georeport",
        "version": georeport.__version__,
        "services": as_list(client.get_service_list()),
        "definition": definition,
        "requests": as_list(client.get_service_requests(status="open,closed")),
        "by_code": as_list(client.get_service_requests(service_code=service_code)),
        "request": client.get_service_request(request_id),
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
