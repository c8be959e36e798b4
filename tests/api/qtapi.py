"""qtapi.py — the API tests' harness: a fresh database and a real `qtrace serve` on a free
port (Server) or a server already running (Client), JSON requests (scripts/qtclient.py), and
a check of every answer against docs/openapi.yaml (JSON Schema of the operation's response
for that status). Standard library plus Debian's python3-yaml and python3-jsonschema; run
with /usr/bin/python3."""
import base64
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qtclient  # noqa: E402  (the HTTP request and the identifiers, shared with the demo)
uscc = qtclient.uscc  # the tests call it as qtapi.uscc
_spec = None


def spec():
    global _spec
    if _spec is None:
        with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
            _spec = yaml.safe_load(f)
    return _spec


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    """Requests to a server already running at base (e.g. "http://127.0.0.1:8080")."""

    def __init__(self, base):
        self.base = base

    def request(self, method, path, body=None, token=None, raw=None, headers=None,
                check=True):
        """Returns (status, parsed JSON or text, headers). check: validate against openapi."""
        status, value, hdrs = qtclient.request(self.base, method, path, body, token, raw,
                                               headers)
        if check:
            check_response(method, path, status, hdrs.get("Content-Type", ""), value)
        return status, value, hdrs

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)


class Server(Client):
    """with Server(qtrace) as srv: srv.post("/api/v1/units", {...})"""

    def __init__(self, qtrace, origin="test.qtrace/log", serve_args=()):
        self.qtrace = qtrace
        self.dir = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.dir.name, "t.db")
        p = subprocess.run([qtrace, "init", "--db", self.db, "--origin", origin],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        self.vkey = p.stdout.strip()
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        self.log = open(os.path.join(self.dir.name, "server.log"), "w+")
        self.proc = subprocess.Popen(
            [qtrace, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
             *serve_args],
            stderr=self.log)
        for _ in range(200):
            try:
                self.request("GET", "/healthz", check=False)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("server did not start: " + self.server_log())

    def server_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        """Stop the server, then check its database offline: whatever a test did, its ledger
        and the documents the platform answers from must verify (`qtrace verify`)."""
        if self.dir is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        p = subprocess.run([self.qtrace, "verify", "--db", self.db, "--key", self.vkey],
                           capture_output=True, text=True)
        self.log.close()
        self.dir.cleanup()
        self.dir = None
        assert p.returncode == 0, "qtrace verify of the test's database: " + p.stderr

    def account(self, role, name, jurisdiction=None):
        """A regulator / inspection / system account made with the CLI; returns its token."""
        args = [self.qtrace, "account", "add", "--db", self.db, "--role", role, "--name", name]
        if jurisdiction is not None:
            args += ["--jurisdiction", jurisdiction]
        p = subprocess.run(args, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()


def _segment(t, p):
    """Template segment t matches path segment p: equal, or a parameter after a literal
    prefix of the segment ("{id}", "E={ecode+}") with something in its place."""
    if "{" not in t:
        return t == p
    prefix = t[:t.index("{")]
    return p.startswith(prefix) and len(p) > len(prefix)


def _match_path(template, path):
    t = template.strip("/").split("/")
    p = path.split("?")[0].strip("/").split("/")
    rest = next((i for i, a in enumerate(t) if "{" in a and a.endswith("+}")), None)
    if rest is not None:  # a rest-of-path parameter, maybe with literal segments after it
        after = len(t) - rest - 1
        return len(p) >= len(t) and all(_segment(a, b) for a, b in zip(t[:rest + 1], p)) \
            and all(_segment(a, b) for a, b in zip(t[rest + 1:], p[len(p) - after:]))
    return len(t) == len(p) and all(_segment(a, b) for a, b in zip(t, p))


def check_response(method, path, status, ctype, value):
    """The answer must be one the contract describes: a documented path, method and status,
    and a JSON body that validates against that response's schema."""
    doc = spec()
    # the template with the most literal segments first: /codes/{code+}/label.svg before
    # /codes/{code+}, as the server's router does
    ops = [v for k, v in sorted(doc["paths"].items(),
                                key=lambda kv: -sum("{" not in a for a in kv[0].split("/")))
           if _match_path(k, path)]
    op = next((o[method.lower()] for o in ops if method.lower() in o), None)
    if not op and status in (404, 405):
        # any path or method the contract does not list: the common error, nothing else
        op = {"responses": {str(status): {"$ref": "#/components/responses/Error"}}}
    assert ops or op, f"{path} is not in docs/openapi.yaml"
    assert op, f"{method} {path} is not in docs/openapi.yaml"
    responses = op["responses"]
    r = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get(
        "default")
    assert r, f"{method} {path} answered {status}, which docs/openapi.yaml does not list"
    if "$ref" in r:
        r = _resolve(r["$ref"])
    content = r.get("content", {})
    media = next((m for m in content if ctype.startswith(m.split(";")[0])), None)
    assert media or not content, f"{method} {path} {status}: unexpected type {ctype}"
    schema = content.get(media, {}).get("schema") if media else None
    if schema and media.startswith("application/json"):
        jsonschema.validate(value, {**schema, "components": doc.get("components", {})},
                            cls=jsonschema.Draft202012Validator)


def _resolve(ref):
    node = spec()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def unit_body(code, name="测试电缆有限公司", roles=("producer",)):
    return {"name": name, "uscc": code, "address": "广东省深圳市南山区科技园1号",
            "contact": "0755-12345678",
            "licence": {"sha256": "ab" * 32, "name": "营业执照.pdf"}, "roles": list(roles)}


def register_units(srv, units):
    """Registers (name, division, org code, roles) units; returns ({name: token}, {name: USCC})."""
    tok, ids = {}, {}
    for name, division, org, roles in units:
        u = uscc(division, org)
        st, v, _ = srv.post("/api/v1/units", unit_body(u, name=f"{name} 有限公司", roles=roles))
        assert st == 201, v
        tok[name], ids[name] = v["token"], u
    return tok, ids


def made(srv, path, body, token):
    """A POST that must be answered 201 (setting a test up); returns the answer."""
    st, v, _ = srv.post(path, body, token=token)
    assert st == 201, (path, st, v)
    return v


def cable_product(srv, token, **fields):
    """A product of the token's producer: a control cable under a production licence unless
    fields say otherwise. Returns its id."""
    return made(srv, "/api/v1/products", {
        "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
        "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
        "licence_no": "XK06-014-00123", "schemes": ["dic"], **fields}, token)["product"]["id"]


def item_batch(srv, token, product, n, batch_no="L1", production_date="2026-11-01",
               quantity=None):
    """A batch of the product (quantity, n unless given) with n item codes (digital identity)
    issued for it. Returns (batch id, codes)."""
    batch = made(srv, "/api/v1/batches", {
        "product": product, "batch_no": batch_no, "production_date": production_date,
        "quantity": quantity or n,
        "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}}, token)["batch"]["id"]
    return batch, made(srv, "/api/v1/codes", {"batch": batch, "granularity": "item",
                                              "scheme": "dic", "count": n}, token)["codes"]


# ---- the log, checked independently of the server's C ----

def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def root_from_inclusion(index, size, leaf_h, proof):
    """RFC 9162 §2.1.3.2, written from the RFC independently of the server's C."""
    if index >= size:
        raise ValueError("index beyond size")
    fn, sn, r = index, size - 1, leaf_h
    for p in proof:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    return r


def checkpoint_root(note):
    lines = note.split("\n")
    return int(lines[1]), base64.b64decode(lines[2])


class ApiCase(unittest.TestCase):
    """A test case on self.srv whose refusals are checked to change nothing."""
    path = "/api/v1/units"  # where refused() posts unless told otherwise

    @classmethod
    def ok(cls, path, body, token=None, status=201):
        """POST that must succeed (set-up too, hence a class method); returns the answer."""
        st, v, _ = cls.srv.post(path, body, token=token)
        assert st == status, (path, st, v)
        return v

    def size(self):
        return self.srv.get("/healthz")[1]["tree_size"]

    def refused(self, status, body=None, raw=None, code=None, path=None, token=None,
                method="POST"):
        before = self.size()
        st, v, _ = self.srv.request(method, path or self.path, body, raw=raw, token=token)
        self.assertEqual(st, status, v)
        if code:
            self.assertEqual(v["error"]["code"], code, v)
        self.assertEqual(self.size(), before, "a refused request changed the ledger")
        return v

    def check_receipt(self, r, rtype=None):
        """The receipt proves its record: the leaf's hash, its inclusion in the tree of the
        checkpoint it carries (checked here, independently of the server). Returns the entry
        and the leaf bytes."""
        _, entry, _ = self.srv.get(f"/api/v1/ledger/entries/{r['index']}")
        leaf = base64.b64decode(entry["leaf"])
        self.assertEqual(base64.b64decode(r["leaf_hash"]), leaf_hash(leaf))
        size, root = checkpoint_root(r["checkpoint"])
        self.assertEqual(size, r["tree_size"])
        self.assertEqual(root_from_inclusion(r["index"], size, leaf_hash(leaf),
                                             [base64.b64decode(h) for h in r["inclusion_proof"]]),
                         root)
        if rtype:
            self.assertEqual(entry["record"]["type"], rtype)
        return entry, leaf
