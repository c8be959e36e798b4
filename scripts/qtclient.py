"""qtclient.py — what the API tests and the demo seeder both need to talk to a qtrace server:
one JSON request over HTTP, and identifiers the server accepts (统一社会信用代码, GS1 check
digits). Standard library only, so the demo runs on a bare /usr/bin/python3 without the
tests' python3-yaml and python3-jsonschema."""
import json
import urllib.error
import urllib.request

# GB 32100's 31 characters: the digits and the capitals without I O S V Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def request(base, method, path, body=None, token=None, raw=None, headers=None, timeout=120):
    """One request to base + path. Returns (status, parsed JSON or the raw bytes, headers);
    an error status is an answer like any other, not an exception."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text, hdrs = r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        status, text, hdrs = e.code, e.read(), dict(e.headers)
    value = json.loads(text) if hdrs.get("Content-Type", "").startswith("application/json") \
        else text
    return status, value, hdrs


def uscc(division, org8, kind="91"):
    """A valid 统一社会信用代码: registration authority and category `kind` ("91" a company,
    "92" an individual business, both registered by 工商), the 6-digit division and the
    8-character organisation code body, with the GB 11714 and GB 32100 check characters."""
    w_org = [3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c, 36) * w for c, w in zip(org8, w_org))
    c = 11 - s % 11
    org = org8 + ("0" if c == 11 else "X" if c == 10 else str(c))
    first17 = kind + division + org
    w = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(ch) * wi for ch, wi in zip(first17, w))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


def gs1_check_digit(body):
    """The GS1 mod-10 check digit of a GTIN or SSCC without its last digit (weights 3, 1, …
    from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)
