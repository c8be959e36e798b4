"""API tests for the resolver: a code's own URL (GS1 Digital Link /01/…, digital identity /t/…,
Ecode /E=…) as printed on labels for any host, requested here by its path; content negotiation
(product page, public view, RFC 9264 linkset), ?linkType= redirects, the fallback from an unknown
serial to its product, 404 and every kind of 400, the page's escaping, the links' base (Host or
--public-url) and /.well-known/gs1resolver. Requests go out as written (http.client: no redirect
is followed, the Host header is ours to set) and every answer is checked against openapi.yaml.
Run: /usr/bin/python3 test_resolver.py QTRACE"""
import http.client
import json
import re
import subprocess
import sys
import time
import unittest
import urllib.parse

import jsonschema

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"

GTIN = "06901234567892"
LOT = "L2026-11"
SSCC = "069012345000000011"
EVIL = '电缆 <script>alert("x")</script> & \'引号\''
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
VOC = "https://gs1.org/voc/"
RELS = ["defaultLink", "pip", "certificationInfo", "recallStatus", "traceability"]


def gtin13(body12):
    return body12 + qtapi.qtclient.gs1_check_digit(body12)


class Resolver(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)
        cls.host = f"127.0.0.1:{cls.srv.port}"
        st, v, _ = cls.srv.post("/api/v1/units", qtapi.unit_body(
            qtapi.uscc("350100", "MA5R0001"), name="福建电缆厂"))
        assert st == 201, v
        cls.producer = v["token"]
        cls.product = cls.made("/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "warranty_months": 24,
            "schemes": ["gs1", "ecode", "dic"], "gtin": GTIN[1:]}, "product")
        cls.evil_gtin = gtin13("690123456790")
        cls.evil = cls.made("/api/v1/products", {
            "name": EVIL, "catalog_unit": "wire-cable.plastic-control", "type": "<b>类型</b>",
            "model": "M\"1", "standard": "GB/T 9330-2020", "licence_no": "XK06-014-00123",
            "schemes": ["gs1"], "gtin": cls.evil_gtin}, "product")
        cls.batch = cls.made("/api/v1/batches", {
            "product": cls.product["id"], "batch_no": LOT, "production_date": "2026-11-01",
            "quantity": 10, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}},
            "batch")
        issue = {"product": cls.product["id"], "batch": cls.batch["id"], "granularity": "item"}
        cls.items = cls.made("/api/v1/codes", {**issue, "scheme": "gs1", "count": 3}, "codes")
        cls.dic = cls.made("/api/v1/codes", {**issue, "scheme": "dic", "count": 1}, "codes")[0]
        cls.ecode = cls.made("/api/v1/codes", {**issue, "scheme": "ecode", "count": 1}, "codes")[0]
        # a serial holding a '/', which a Digital Link carries percent-encoded
        cls.slash = cls.made("/api/v1/codes", {**issue, "scheme": "gs1",
                                               "codes": [f"(01){GTIN}(10){LOT}(21)A/B"]},
                             "codes")[0]
        cls.evil_code = cls.made("/api/v1/codes", {
            "product": cls.evil["id"], "granularity": "item", "scheme": "gs1", "count": 1},
            "codes")[0]
        st, v, _ = cls.srv.post("/api/v1/events", {"events": [
            {"type": "commission", "codes": cls.items + [cls.dic]},
            {"type": "pack", "parent": "(00)" + SSCC, "codes": [cls.items[2]]},
            {"type": "recall", "codes": [cls.items[1]], "reason": "绝缘层厚度不合格"}]},
            token=cls.producer)
        assert st == 201, v

    @classmethod
    def made(cls, path, body, key):
        st, v, _ = cls.srv.post(path, body, token=cls.producer)
        assert st == 201, v
        return v[key]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    # ---- requests as written ----

    def raw(self, path, accept=None, host=None, method="GET", srv=None):
        """(status, headers (lower-case names), body bytes), checked against openapi.yaml."""
        srv = srv or self.srv
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        headers = {"Host": host or f"127.0.0.1:{srv.port}"}
        if accept is not None:
            headers["Accept"] = accept
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        links = [v for k, v in r.getheaders() if k.lower() == "link"]
        conn.close()
        ctype = hdrs.get("content-type", "")
        value = json.loads(body) if "json" in ctype and body else body.decode("utf-8")
        if method != "HEAD":
            qtapi.check_response(method, path, r.status, ctype, value)
        hdrs["link"] = links
        return r.status, hdrs, value

    def view(self, path, **kw):
        st, h, v = self.raw(path, accept="application/json", **kw)
        self.assertEqual(st, 200, v)
        self.assertTrue(h["content-type"].startswith("application/json"), h)
        return v

    def page(self, path, status=200, accept=BROWSER):
        st, h, v = self.raw(path, accept=accept)
        self.assertEqual(st, status, v)
        self.assertTrue(h["content-type"].startswith("text/html"), h)
        return v, h

    def linkset(self, path, accept=None, srv=None, host=None):
        st, h, v = self.raw(path, accept=accept, srv=srv, host=host)
        self.assertEqual(st, 200, v)
        self.assertEqual(h["content-type"], "application/linkset+json")
        self.check_linkset(v)
        return v, h

    def check_linkset(self, v):
        """RFC 9264 §4.2 structure, checked here rather than trusted to the schema, and the
        contract's schema too: one context object with its anchor, each other member a
        relation type (a URI) whose value is an array of target objects with an href."""
        jsonschema.validate(v, {**qtapi.spec()["components"]["schemas"]["Linkset"],
                                "components": qtapi.spec()["components"]},
                            cls=jsonschema.Draft202012Validator)
        self.assertEqual(list(v), ["linkset"])
        self.assertIsInstance(v["linkset"], list)
        for ctx in v["linkset"]:
            self.assertTrue(urllib.parse.urlsplit(ctx["anchor"]).scheme in ("http", "https"))
            for rel, targets in ctx.items():
                if rel in ("anchor", "description"):
                    continue
                self.assertTrue(rel.startswith(VOC), rel)
                self.assertIsInstance(targets, list)
                for t in targets:
                    self.assertIsInstance(t["href"], str)
                    self.assertTrue(urllib.parse.urlsplit(t["href"]).netloc)
                    self.assertIsInstance(t.get("hreflang", []), list)
                    for k in ("type", "title"):
                        self.assertIsInstance(t.get(k, ""), str)

    def bad(self, path, fragment=None, page=True):
        """400 with the JSON error for an app, and the small HTML page for a browser (page:
        the resolver read the path; a path whose escapes do not decode is refused before)."""
        st, h, v = self.raw(path, accept="application/json")
        self.assertEqual(st, 400, (path, v))
        self.assertEqual(v["error"]["code"], "invalid", v)
        if fragment:
            self.assertIn(fragment, v["error"]["message"])
        st, h, body = self.raw(path, accept=BROWSER)
        self.assertEqual(st, 400, path)
        if page:
            self.assertTrue(h["content-type"].startswith("text/html"))
            self.assertIn("无法识别的追溯码", body)
            self.assertIn("default-src 'none'", h["content-security-policy"])
        return v

    @staticmethod
    def unknown_dic():
        """A well-formed digital identity id nobody issued (fresh from the random source)."""
        p = subprocess.run([QTRACE, "code", "gen", "--scheme", "dic", "--gtin", GTIN,
                            "--count", "1"], capture_output=True, text=True, check=True)
        return p.stdout.strip().rsplit("/", 1)[1]

    @staticmethod
    def serial(key):
        return key.split("/21/")[1]

    # ---- tests ----

    def test_digital_link_forms_resolve_to_the_code(self):
        key = self.items[0]
        s = self.serial(key)
        printed = [f"https://id.example.com/01/{GTIN}/21/{s}",
                   f"https://id.example.com/01/{GTIN[1:]}/21/{s}",  # GTIN-13 as printed
                   f"http://qr.example.cn/01/{GTIN}/10/{LOT}/21/{s}",
                   f"https://id.example.com/01/{GTIN}/10/{LOT}/21/{s}?17=281231&11=261101",
                   f"https://id.example.com/01/{GTIN}/21/{s}/?utm_source=label"]
        for uri in printed:
            u = urllib.parse.urlsplit(uri)
            path = u.path + ("?" + u.query if u.query else "")
            v = self.view(path)
            self.assertEqual(v["code"], key, uri)
            self.assertEqual(v["product"]["name"], "塑料绝缘控制电缆 KVV")
            self.assertEqual(v["batch"]["batch_no"], LOT)
        # a batch-level path of the batch, and the product's GTIN alone
        self.assertEqual(self.view(f"/01/{GTIN}/10/{LOT}")["product"]["id"], self.product["id"])
        self.assertEqual(self.view(f"/01/{GTIN}")["product"]["id"], self.product["id"])
        # a '/' inside the serial, percent-encoded in the path, stays inside the serial
        self.assertEqual(self.view("/01/%s/21/A%%2FB" % GTIN)["code"], self.slash)

    def test_content_negotiation(self):
        path = f"/01/{GTIN}/21/{self.serial(self.items[0])}"
        anchor = f"http://{self.host}{path}"
        for accept in (BROWSER, None, "*/*", "text/html"):
            st, h, body = self.raw(path, accept=accept)
            self.assertEqual(st, 200, body)
            self.assertTrue(h["content-type"].startswith("text/html"), accept)
            self.assertIn("塑料绝缘控制电缆 KVV", body)
            self.assertIn("default-src 'none'", h["content-security-policy"])
        for accept in ("application/json", "application/json, text/html;q=0.5",
                       "text/html;q=0.1, application/*"):
            st, h, v = self.raw(path, accept=accept)
            self.assertEqual((st, h["content-type"]), (200, "application/json"), accept)
            self.assertEqual(v["code"], self.items[0])
        for accept, lt in (("application/linkset+json", ""), (BROWSER, "?linkType=linkset"),
                           ("application/json", "?linkType=all")):
            v, h = self.linkset(path + lt, accept=accept)
            self.assertEqual(v["linkset"][0]["anchor"], anchor)
        # every answer points to the linkset, as RFC 9264 §6 has it
        for accept in (BROWSER, "application/json", "application/linkset+json"):
            _, h, _ = self.raw(path, accept=accept)
            self.assertIn(f'<{anchor}?linkType=linkset>; rel="linkset"; '
                          'type="application/linkset+json"', h["link"])
            self.assertEqual(h["access-control-allow-origin"], "*")

    def test_linkset(self):
        key = self.items[0]
        path = f"/01/{GTIN}/10/{LOT}/21/{self.serial(key)}?17=281231"
        base = f"http://{self.host}"
        v, h = self.linkset(path + "&linkType=linkset")
        ctx = v["linkset"][0]
        self.assertEqual(ctx["anchor"], f"{base}/01/{GTIN}/10/{LOT}/21/{self.serial(key)}")
        self.assertEqual(ctx["description"], "塑料绝缘控制电缆 KVV")
        for rel in RELS:
            self.assertIn(VOC + rel, ctx, rel)
            for t in ctx[VOC + rel]:
                self.assertTrue(t["href"].startswith(base + "/"), t)
        self.assertEqual(ctx[VOC + "pip"][0]["href"], ctx["anchor"])
        self.assertEqual(ctx[VOC + "pip"][0]["type"], "text/html")
        self.assertEqual(ctx[VOC + "defaultLink"][0]["href"], ctx["anchor"])
        cert = ctx[VOC + "certificationInfo"][0]["href"]
        self.assertEqual(cert, f"{base}/api/v1/products/{self.product['id']}")
        self.assertIn('rel="http://www.w3.org/ns/json-ld#context"', " ".join(h["link"]))
        # the links lead to what they say, on this server
        st, _, prod = self.raw(urllib.parse.urlsplit(cert).path, accept="application/json")
        self.assertEqual((st, prod["licence_no"], prod["standard"]),
                         (200, "XK06-014-00123", "GB/T 9330-2020"))
        recall = urllib.parse.urlsplit(ctx[VOC + "recallStatus"][0]["href"]).path
        trace = urllib.parse.urlsplit(ctx[VOC + "traceability"][0]["href"]).path
        for p in (recall, trace):
            st, _, view = self.raw(p, accept="application/json")
            self.assertEqual((st, view["code"]), (200, key), p)
        # also for a key with a percent-encoded byte of its own
        v, _ = self.linkset("/01/%s/21/A%%2FB?linkType=linkset" % GTIN)
        p = urllib.parse.urlsplit(v["linkset"][0][VOC + "recallStatus"][0]["href"]).path
        self.assertEqual(self.view(p)["code"], self.slash)

    def test_redirects(self):
        path = f"/01/{GTIN}/21/{self.serial(self.items[0])}"
        anchor = f"http://{self.host}{path}"
        _, _, ls = self.raw(path + "?linkType=linkset")
        ctx = ls["linkset"][0]
        for lt, rel in (("gs1:pip", "pip"), ("gs1:certificationInfo", "certificationInfo"),
                        ("gs1:recallStatus", "recallStatus"), ("gs1:traceability", "traceability"),
                        ("gs1:defaultLink", "defaultLink"),
                        (VOC + "certificationInfo", "certificationInfo"),
                        ("https://ref.gs1.org/voc/traceability", "traceability"),
                        ("gs1:epil", "defaultLink")):  # not offered: the default link
            for method in ("GET", "HEAD"):
                st, h, _ = self.raw(path + "?linkType=" + urllib.parse.quote(lt, safe=":"),
                                    accept=BROWSER, method=method)
                self.assertEqual(st, 307, lt)
                self.assertEqual(h["location"], ctx[VOC + rel][0]["href"], lt)
        st, h, _ = self.raw(path + "?linkType=gs1:pip", accept="application/json")
        self.assertEqual(h["location"], anchor)
        # the product page the redirect leads to
        body, _ = self.page(urllib.parse.urlsplit(anchor).path)
        self.assertIn("塑料绝缘控制电缆 KVV", body)
        for lt in ("gs1:", "pip", "gs1:p-p", "https://example.com/voc/pip", "<script>"):
            self.bad(path + "?linkType=" + urllib.parse.quote(lt), "linkType")

    def test_head(self):
        path = f"/01/{GTIN}/21/{self.serial(self.items[0])}"
        st, h, body = self.raw(path, accept=BROWSER, method="HEAD")
        self.assertEqual((st, body), (200, ""))
        self.assertTrue(h["content-type"].startswith("text/html"))
        st, _, _ = self.raw(f"/01/{GTIN}/21/ZZ", accept="application/json", method="HEAD")
        self.assertEqual(st, 200)
        st, _, _ = self.raw(f"/01/{gtin13('690123456799')}", method="HEAD")
        self.assertEqual(st, 404)

    def test_status_and_warnings_in_plain_words(self):
        recalled = f"/01/{GTIN}/21/{self.serial(self.items[1])}"
        v = self.view(recalled)
        self.assertEqual(v["status"], "recalled")
        self.assertIn("recalled", [w["kind"] for w in v["warnings"]])
        body, _ = self.page(recalled)
        self.assertIn("该产品已被召回", body)
        self.assertIn("已召回", body)
        self.assertIn("XK06-014-00123", body)  # the licence
        self.assertIn("GB/T 9330-2020", body)  # the standard
        self.assertIn("福建电缆厂", body)        # the producer
        self.assertIn(LOT, body)
        self.assertIn("召回", body)             # the recall step of the journey
        self.assertIn("绝缘层厚度不合格", body)
        self.assertIn('name="viewport"', body)
        ok = f"/01/{GTIN}/21/{self.serial(self.items[0])}"
        body, _ = self.page(ok)
        self.assertIn("流通中", body)
        self.assertNotIn('class="warn"', body)

    def test_unknown_serial_falls_back_to_the_product(self):
        path = f"/01/{GTIN}/21/NEVER-PRINTED"
        v = self.view(path)
        self.assertEqual(v["code"], f"01/{GTIN}/21/NEVER-PRINTED")
        self.assertEqual(v["product"]["id"], self.product["id"])
        self.assertEqual([w["kind"] for w in v["warnings"]], ["never_issued"])
        body, _ = self.page(path)
        self.assertIn("塑料绝缘控制电缆 KVV", body)
        self.assertIn("标签可能是假冒的", body)
        v, _ = self.linkset(path + "?linkType=linkset")
        self.assertEqual(v["linkset"][0][VOC + "certificationInfo"][0]["href"],
                         f"http://{self.host}/api/v1/products/{self.product['id']}")

    def test_unknown_codes_are_404(self):
        unknown_gtin = gtin13("690123456799")
        for path in (f"/01/{unknown_gtin}", f"/01/{unknown_gtin}/21/X1",
                     f"/01/{unknown_gtin}/10/L1?linkType=linkset",
                     f"/01/{unknown_gtin}?linkType=gs1:pip",
                     "/t/" + self.unknown_dic(), "/E=100011234"):
            st, h, v = self.raw(path, accept="application/json")
            self.assertEqual(st, 404, (path, v))
            self.assertEqual(v["error"]["code"], "not_found")
        body, _ = self.page(f"/01/{unknown_gtin}", status=404)
        self.assertIn("平台上没有这个码", body)

    def test_bad_syntax_is_400(self):
        s = self.serial(self.items[0])
        self.bad(f"/01/{GTIN[:-1]}3/21/{s}", "check digit")
        self.bad(f"/01/{GTIN}/21/{s}/10/{LOT}", "must come after")  # qualifier order
        self.bad(f"/01/{GTIN}/21/{s}/21/{s}", "twice")
        self.bad(f"/01/{GTIN}/17/281231", "not a key qualifier")  # an attribute in the path
        self.bad(f"/01/{GTIN}/99/X")
        self.bad("/01/banana")
        self.bad(f"/01/{GTIN}/21")  # a qualifier without its value
        self.bad(f"/01/123/01/{GTIN}", "nothing before")  # the key must open the path
        self.bad(f"/01/{GTIN}?17=991399")  # not a date
        self.bad(f"/01/{GTIN}?17=")
        self.bad(f"/01/{GTIN}/21/" + "A" * 21)  # serial longer than 20
        self.bad(f"/01/{GTIN}/21/%ZZ", "percent-escape", page=False)
        self.bad(f"/01/{GTIN}/21/A%00", "percent-escape", page=False)
        self.bad(f"/01/{GTIN}/21/X?21=Y")
        self.bad(f"/01/{GTIN}?" + "&".join(["90=" + "x" * 30] * 40))  # longer than a code
        wrong = self.unknown_dic()
        wrong = wrong[:-1] + ("1" if wrong[-1] != "1" else "2")
        self.bad("/t/" + wrong, "check character")
        self.bad("/t/short")
        self.bad("/E=9123")
        self.bad("/E=1" + "0" * 40)

    def test_digital_identity_and_ecode(self):
        v = self.view("/t/" + self.dic[2:])
        self.assertEqual((v["code"], v["status"]), (self.dic, "in_circulation"))
        self.assertEqual(self.view("/t/" + self.dic[2:].lower())["code"], self.dic)
        body, _ = self.page("/t/" + self.dic[2:])
        self.assertIn("塑料绝缘控制电缆 KVV", body)
        ls, _ = self.linkset("/t/" + self.dic[2:] + "?linkType=linkset")
        self.assertEqual(ls["linkset"][0]["anchor"], f"http://{self.host}/{self.dic}")
        # the Ecode as printed: V0, NSI 0001, a GS1 element string, percent-encoded
        _, gtin, _, serial = self.ecode.split("/")  # the key of an item leaves its lot out
        printed = f"00001(01){gtin}(10){LOT}(21){serial}"
        path = "/E=" + urllib.parse.quote(printed, safe="")
        v = self.view(path)
        self.assertEqual(v["code"], self.ecode)
        ls, _ = self.linkset(path + "?linkType=linkset")
        self.assertEqual(ls["linkset"][0]["anchor"],
                         f"http://{self.host}/01/{gtin}/10/{LOT}/21/{serial}")
        st, h, _ = self.raw(path + "?linkType=gs1:pip")
        self.assertEqual((st, h["location"]), (307, ls["linkset"][0]["anchor"]))

    def test_page_escapes_what_producers_typed(self):
        path = "/" + self.evil_code
        body, h = self.page(path)
        self.assertNotIn("<script>", body)
        self.assertNotIn("<b>", body)
        self.assertIn("电缆 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;引号&#39;",
                      body)
        self.assertIn("&lt;b&gt;类型&lt;/b&gt;", body)
        self.assertIn("M&quot;1", body)
        # the only markup is the page's own: no script element, no event handler attribute
        self.assertIsNone(re.search(r"<script|\son\w+=", body, re.I))
        # JSON keeps the name as it is
        self.assertEqual(self.view(path)["product"]["name"], EVIL)

    def test_lookups_counted_by_page_and_view_only(self):
        path = f"/01/{GTIN}/21/{self.serial(self.items[2])}"
        first = self.view(path)["queries"]["count"]
        self.linkset(path + "?linkType=linkset")
        self.raw(path + "?linkType=gs1:pip")
        self.page(path)
        self.assertEqual(self.view(path)["queries"]["count"], first + 2)

    def test_host_header_is_the_base_of_links(self):
        path = f"/01/{GTIN}?linkType=linkset"
        v, _ = self.linkset(path, host="id.example.cn:8443")
        self.assertEqual(v["linkset"][0]["anchor"], f"http://id.example.cn:8443/01/{GTIN}")
        v, _ = self.linkset(path, host="[::1]:8080")
        self.assertEqual(v["linkset"][0]["anchor"], f"http://[::1]:8080/01/{GTIN}")
        for host in ("evil.example/<x>", "a b", "-x", "h:99999", "h:", "[::g]", "x@y", "h:1:2"):
            st, _, v = self.raw(path, host=host)
            self.assertEqual(st, 400, host)
            self.assertIn("Host", v["error"]["message"])
        st, _, v = self.raw("/.well-known/gs1resolver", host="evil.example/<x>")
        self.assertEqual(st, 400, v)

    def test_carton(self):
        """A carton's SSCC resolves as its label's QR carries it: /00/<SSCC>."""
        v = self.view(f"/00/{SSCC}")
        self.assertEqual(v["code"], f"00/{SSCC}")
        page, _ = self.page(f"/00/{SSCC}")
        self.assertIn(SSCC, page)
        st, _, v = self.raw(f"/00/{SSCC}/21/X", accept="application/json")
        self.assertEqual(st, 400, v)
        st, _, v = self.raw("/00/069012345000000018", accept="application/json")
        self.assertEqual(st, 400, v)  # a wrong check digit
        st, _, v = self.raw("/00/069012345000000028", accept="application/json")
        self.assertEqual(st, 404, v)  # nobody made this carton

    def test_well_known_description(self):
        st, _, v = self.raw("/.well-known/gs1resolver", host="id.example.cn")
        self.assertEqual(st, 200, v)
        # the GS1 description file schema's rules
        self.assertEqual(v["resolverRoot"], "http://id.example.cn")
        self.assertIsInstance(v["name"], str)
        self.assertEqual(v["supportedPrimaryKeys"], ["01", "00"])
        for lt in v["supportedLinkType"]:
            self.assertRegex(lt["prefix"], r"^[a-zA-Z_][A-Za-z0-9_-]*?:$")
            self.assertTrue(lt["namespace"].startswith("https://"))
        self.assertIs(v["linkTypeDefaultCanBeLinkset"], False)

    def test_public_url(self):
        """`serve --public-url` names the links' base whatever the Host header says."""
        self.srv.proc.terminate()
        self.srv.proc.wait(timeout=30)
        try:
            bad = subprocess.run([QTRACE, "serve", "--db", self.srv.db, "--listen",
                                  f"127.0.0.1:{self.srv.port}", "--public-url",
                                  "https://id.example.cn/resolver"],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("--public-url", bad.stderr)
            self.restart("--public-url", "https://id.example.cn/")
            v, _ = self.linkset(f"/01/{GTIN}?linkType=linkset", host="other.example")
            self.assertEqual(v["linkset"][0]["anchor"], f"https://id.example.cn/01/{GTIN}")
            st, h, _ = self.raw(f"/01/{GTIN}?linkType=gs1:certificationInfo", host="x")
            self.assertEqual(h["location"],
                             f"https://id.example.cn/api/v1/products/{self.product['id']}")
            st, _, v = self.raw("/.well-known/gs1resolver", host="other.example")
            self.assertEqual(v["resolverRoot"], "https://id.example.cn")
        finally:
            self.srv.proc.terminate()
            self.srv.proc.wait(timeout=30)
            self.restart()

    def restart(self, *args):
        self.srv.proc = subprocess.Popen(
            [QTRACE, "serve", "--db", self.srv.db, "--listen", f"127.0.0.1:{self.srv.port}",
             *args], stderr=self.srv.log)
        for _ in range(200):
            try:
                self.srv.request("GET", "/healthz", check=False)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not restart: " + self.srv.server_log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
