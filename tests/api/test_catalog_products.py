"""API tests: the trace catalogue loaded by `qtrace init`, products and batches, against a real
server on a real database. Every refusal is followed by a check that nothing changed (the tree
size from /healthz is as before). Run: /usr/bin/python3 test_catalog_products.py QTRACE"""
import datetime
import sqlite3
import sys
import unittest
from urllib.parse import quote

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"

import qtapi  # noqa: E402
# the proof checks written from RFC 9162 (after the pop: that module takes argv[1] too)

CABLE = "wire-cable.plastic-control"  # requires a production licence
HOSE = "gas-appliance.connecting-hose"  # requires CCC
LICENCE = "XK06-014-00123"
CCC = "2020010901123456"


def product_body(**over):
    body = {"name": "塑料绝缘控制电缆 KVV", "catalog_unit": CABLE, "type": "控制电缆",
            "model": "KVV 4×1.5", "standard": "GB/T 9330-2020", "licence_no": LICENCE,
            "warranty_months": 24, "schemes": ["gs1"], "gtin": "6901234567892"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def gtin13(n):
    """A valid GTIN-13 from 12 digits (mod-10 check added)."""
    s = f"690{n:09d}"
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(s))
    return s + str((10 - total % 10) % 10)


class CatalogProducts(qtapi.ApiCase):
    path = "/api/v1/products"
    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)
        st, v, _ = cls.srv.post("/api/v1/units", qtapi.unit_body(qtapi.uscc("440300", "MA5D0001")))
        assert st == 201, v
        cls.producer, cls.pid = v["token"], v["unit"]["id"]
        st, v, _ = cls.srv.post("/api/v1/units",
                                qtapi.unit_body(qtapi.uscc("420100", "MA5D0002"), name="另一家"))
        assert st == 201, v
        cls.other = v["token"]
        st, v, _ = cls.srv.post("/api/v1/units", qtapi.unit_body(
            qtapi.uscc("440300", "MA5D0003"), name="销售公司", roles=("seller",)))
        assert st == 201, v
        cls.seller = v["token"]
        cls.regulator = cls.srv.account("regulator", "深圳市市场监督管理局", "4403")
        # The CLI wrote to the database behind the running server, whose ledger then still
        # expects the old next index (its next write fails once): restart it to re-read.
        cls.restart()
        cls.next_gtin = 100

    @classmethod
    def restart(cls):
        """The server stopped and started again on its database (which it migrates)."""
        cls.srv.proc.terminate()
        cls.srv.proc.wait(timeout=30)
        cls.srv.proc = qtapi.subprocess.Popen(
            [QTRACE, "serve", "--db", cls.srv.db, "--listen", f"127.0.0.1:{cls.srv.port}"],
            stderr=cls.srv.log)
        for _ in range(200):
            try:
                cls.srv.request("GET", "/healthz", check=False)
                break
            except OSError:
                qtapi.time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()



    def fresh_gtin(self):
        CatalogProducts.next_gtin += 1
        return gtin13(self.next_gtin)

    def check_receipt(self, r, rtype=None):
        return super().check_receipt(r, rtype)[0]["record"]

    def register(self, token=None, **over):
        st, v, hdrs = self.srv.post("/api/v1/products", product_body(**over),
                                    token=token or self.producer)
        self.assertEqual(st, 201, v)
        return v

    def test_catalogue_loaded_by_init(self):
        st, v, _ = self.srv.get("/api/v1/catalog")
        self.assertEqual(st, 200)
        cats = {c["id"]: c for c in v["categories"]}
        self.assertEqual(set(cats), {"wire-cable", "gas-appliance", "e-bike", "safety-helmet",
                                     "plywood", "blockboard", "crb-steel-bar",
                                     "steel-wire-rope"})
        self.assertEqual(cats["wire-cable"]["name"], "电线电缆")
        self.assertEqual(cats["wire-cable"]["requires"], "licence")
        self.assertEqual(cats["e-bike"]["requires"], "ccc")
        names = {u["name"] for u in cats["gas-appliance"]["units"]}
        self.assertIn("家用可燃气体探测器", names)
        self.assertEqual(len(cats["steel-wire-rope"]["units"]), 9)
        self.assertEqual(sum(len(c["units"]) for c in v["categories"]), 31)
        # each unit is a catalog.add record of the ledger, found by its id
        _, entry, _ = self.srv.get("/api/v1/ledger/entries/0")
        self.assertEqual(entry["record"]["type"], "catalog.add")

    def test_product_and_batch(self):
        g = self.fresh_gtin()
        v = self.register(gtin=g)
        p = v["product"]
        self.assertEqual(p["gtin"], "0" + g)
        self.assertEqual((p["producer"], p["licence_no"]), (self.pid, LICENCE))
        rec = self.check_receipt(v["receipt"], "product.register")
        self.assertIn(p["id"], rec["keys"])
        self.assertIn("01/0" + g, rec["keys"])
        st, got, _ = self.srv.get(f"/api/v1/products/{p['id']}")
        self.assertEqual((st, got), (200, p))
        # a CCC product: its certificate is a key of the record too
        v = self.register(catalog_unit=HOSE, licence_no=None, ccc_no=CCC, gtin=None,
                          schemes=["ecode", "ccc"])
        self.assertEqual(v["product"]["ccc_no"], CCC)
        self.assertIn("ccc/" + CCC, self.check_receipt(v["receipt"], "product.register")["keys"])
        # batches
        body = {"product": p["id"], "batch_no": "20240601-A", "production_date": "2024-06-01",
                "quantity": 5000, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验报告.pdf"}}
        st, b, _ = self.srv.post("/api/v1/batches", body, token=self.producer)
        self.assertEqual(st, 201, b)
        rec = self.check_receipt(b["receipt"], "batch.register")
        self.assertEqual(set(rec["keys"]), {b["batch"]["id"], p["id"]})
        st, got, _ = self.srv.get(f"/api/v1/batches/{b['batch']['id']}")
        self.assertEqual((st, got), (200, b["batch"]))
        st, lst, _ = self.srv.get(f"/api/v1/products/{p['id']}/batches")
        self.assertEqual((st, lst["items"]), (200, [b["batch"]]))
        # the same batch number for the same product: once
        self.refused(409, dict(body, quantity=1), path="/api/v1/batches", token=self.producer,
                     code="conflict")
        # another producer may not add batches to it
        self.refused(403, dict(body, batch_no="X2"), path="/api/v1/batches", token=self.other,
                     code="forbidden")
        st, lst, _ = self.srv.get(f"/api/v1/products/{p['id']}/batches")
        self.assertEqual(len(lst["items"]), 1)
        # batch refusals
        today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
        for field, value in [("batch_no", ""), ("batch_no", "x" * 65), ("quantity", 0),
                             ("quantity", 10000001), ("quantity", "5"),
                             ("production_date", "2024-02-30"),
                             ("production_date", str(today + datetime.timedelta(days=2))),
                             ("inspection_report", None),
                             ("inspection_report", {"sha256": "zz", "name": "a"}),
                             ("product", None)]:
            bad = dict(body, batch_no="NEW")
            bad[field] = value
            if value is None:
                del bad[field]
            v = self.refused(400, bad, path="/api/v1/batches", token=self.producer,
                             code="invalid")
            self.assertIn(field, v["error"]["message"])
        self.refused(400, dict(body, batch_no="NEW", product="P0000000000000000"),
                     path="/api/v1/batches", token=self.producer, code="invalid")
        self.refused(400, dict(body, batch_no="NEW", extra=1), path="/api/v1/batches",
                     token=self.producer, code="invalid")
        for tok, st in [(self.seller, 403), (self.regulator, 403), (None, 401)]:
            self.refused(st, dict(body, batch_no="NEW"), path="/api/v1/batches", token=tok)
        # today's date (China time) is fine
        st, b2, _ = self.srv.post("/api/v1/batches", dict(body, batch_no="NEW",
                                  production_date=str(today)), token=self.producer)
        self.assertEqual(st, 201, b2)
        self.refused(404, path="/api/v1/batches/B0000000000000000", method="GET")
        self.refused(404, path="/api/v1/products/P0000000000000000/batches", method="GET")

    def test_lengths_count_characters(self):
        # limits count characters, as the contract's maxLength and the forms do: Chinese text
        # gets its full room, not a third of it
        name = "额定电压450/750V及以下聚氯乙烯绝缘电缆" * 6  # 132 characters, 272 bytes
        p = self.register(name=name, gtin=self.fresh_gtin())["product"]
        self.assertEqual(p["name"], name)
        batch_no = "二〇二六年十一月第一生产线第三班次甲批" * 3  # 57 characters, 171 bytes
        st, b, _ = self.srv.post("/api/v1/batches", {
            "product": p["id"], "batch_no": batch_no, "production_date": "2026-11-01",
            "quantity": 5, "inspection_report": {"sha256": "cd" * 32, "name": "检验.pdf"}},
            token=self.producer)
        self.assertEqual((st, b.get("batch", {}).get("batch_no")), (201, batch_no), b)
        # pasted with spaces around it, it is the same batch number, so a second batch of it
        # is refused; one differing only in its last character is another batch
        st, v, _ = self.srv.post("/api/v1/batches", {
            "product": p["id"], "batch_no": " " + batch_no + "\t", "production_date": "2026-11-01",
            "quantity": 5, "inspection_report": {"sha256": "cd" * 32, "name": "检验.pdf"}},
            token=self.producer)
        self.assertEqual(st, 409, v)
        st, v, _ = self.srv.post("/api/v1/batches", {
            "product": p["id"], "batch_no": batch_no[:-1] + "乙", "production_date": "2026-11-01",
            "quantity": 5, "inspection_report": {"sha256": "cd" * 32, "name": "检验.pdf"}},
            token=self.producer)
        self.assertEqual(st, 201, v)
        before = self.size()
        st, v, _ = self.srv.post("/api/v1/products", product_body(name="电" * 201),
                                 token=self.producer)
        self.assertEqual(st, 400, v)
        self.assertIn("'name' must be 1 to 200 characters", v["error"]["message"])
        self.assertEqual(self.size(), before)

    def test_product_refusals(self):
        g = self.fresh_gtin()
        cases = [
            ({"name": 5}, "name"), ({"name": ""}, "name"), ({"type": None}, "type"),
            ({"model": None}, "model"), ({"standard": "x" * 201}, "standard"),
            ({"catalog_unit": "wire-cable.nonsense"}, "catalog_unit"),
            ({"warranty_months": 601}, "warranty_months"),
            ({"warranty_months": "12"}, "warranty_months"),
            ({"schemes": []}, "schemes"), ({"schemes": ["gs1", "gs1"]}, "schemes"),
            ({"schemes": ["barcode"]}, "schemes"), ({"schemes": "gs1"}, "schemes"),
            # licence required, missing, or the wrong certificate for the unit
            ({"licence_no": None}, "licence_no"),
            ({"licence_no": None, "ccc_no": CCC}, "licence_no"),
            ({"ccc_no": CCC}, "ccc_no"),
            ({"catalog_unit": HOSE}, "ccc_no"),
            ({"catalog_unit": HOSE, "licence_no": None}, "ccc_no"),
            ({"licence_no": "XK06-014-0012"}, "licence_no"),
            ({"licence_no": 123}, "licence_no"),
            ({"catalog_unit": HOSE, "licence_no": None, "ccc_no": "2020010901"}, "ccc_no"),
            ({"catalog_unit": HOSE, "licence_no": None, "ccc_no": "2020000901123456"}, "ccc_no"),
            # GTINs: required with gs1, valid check digit, digits only
            ({"gtin": None}, "gtin"), ({"gtin": g[:-1] + str((int(g[-1]) + 1) % 10)}, "gtin"),
            ({"gtin": "69012345678"}, "gtin"), ({"gtin": "6901234567a92"}, "gtin"),
        ]
        for over, field in cases:
            v = self.refused(400, product_body(**{"gtin": g, **over}), token=self.producer,
                             code="invalid")
            self.assertIn(field, v["error"]["message"], over)
        v = self.refused(400, dict(product_body(gtin=g), colour="red"), token=self.producer,
                         code="invalid")
        self.assertIn("unknown field 'colour'", v["error"]["message"])
        self.refused(400, raw=b'{"name":', token=self.producer, code="malformed_json")
        for tok, st in [(self.seller, 403), (self.regulator, 403), (None, 401),
                        ("qt_" + "A" * 43, 401)]:
            self.refused(st, product_body(gtin=g), token=tok)
        # none of it registered anything: the GTIN is still free
        v = self.register(gtin=g)
        # and now it is not, whether written as GTIN-13 or GTIN-14, by anyone
        self.refused(409, product_body(gtin=g), token=self.producer, code="conflict")
        self.refused(409, product_body(gtin="0" + g), token=self.other, code="conflict")
        self.refused(404, path="/api/v1/products/P0000000000000000", method="GET",
                     code="not_found")
        # an id that is not UTF-8 is quoted back as U+FFFD, so the error is still JSON
        v = self.refused(404, path="/api/v1/products/P%FF%E4%B8", method="GET", code="not_found")
        self.assertIn("P\ufffd\ufffd\ufffd", v["error"]["message"])
        # a message cut at its byte limit in the middle of a character is still JSON
        v = self.refused(404, path="/api/v1/products/" + "%E4%B8%AD" * 300, method="GET")
        self.assertIn("中中中", v["error"]["message"])

    def test_lists(self):
        mine = {self.register(gtin=self.fresh_gtin())["product"]["id"] for _ in range(3)}
        theirs = self.register(token=self.other, gtin=self.fresh_gtin())["product"]["id"]
        st, v, _ = self.srv.get("/api/v1/products", token=self.producer)
        self.assertEqual(st, 200)
        ids = {p["id"] for p in v["items"]}
        self.assertTrue(mine <= ids)
        self.assertNotIn(theirs, ids)
        self.assertTrue(all(p["producer"] == self.pid for p in v["items"]))
        # paging: limit 1, then after
        st, v1, _ = self.srv.get("/api/v1/products?limit=1", token=self.producer)
        self.assertEqual(len(v1["items"]), 1)
        st, v2, _ = self.srv.get(f"/api/v1/products?limit=1&after={v1['next']}",
                                 token=self.producer)
        self.assertGreater(v2["items"][0]["id"], v1["items"][0]["id"])
        # the Shenzhen regulator sees Shenzhen producers' products, not Wuhan's
        st, v, _ = self.srv.get("/api/v1/products?limit=1000", token=self.regulator)
        ids = {p["id"] for p in v["items"]}
        self.assertTrue(mine <= ids)
        self.assertNotIn(theirs, ids)
        self.refused(403, path="/api/v1/products", method="GET", token=self.seller)
        self.refused(401, path="/api/v1/products", method="GET")
        self.refused(400, path="/api/v1/products?limit=0", method="GET", token=self.producer)

    def every_page(self, path, token=None):
        """The ids of every page of a list, each page continuing from the last one's next."""
        got, after = [], None
        for _ in range(100):
            st, v, _ = self.srv.get(path + (f"&after={quote(after)}" if after else ""),
                                    token=token)
            self.assertEqual(st, 200, v)
            got += [x["id"] for x in v["items"]]
            if "next" not in v:
                return got
            after = v["next"]
        self.fail(f"{path}: next never ended")

    def test_search(self):
        def found(q, token=self.producer, limit=100):
            return self.every_page(f"/api/v1/products?q={quote(q)}&limit={limit}", token)
        a, b, c = (self.register(name=name, model=model, gtin=self.fresh_gtin())["product"]
                   for name, model in (("检索样品聚氯乙烯绝缘电缆", "Zq-BV 2.5"),
                                       ("检索样品橡套软电缆", "Zq-YZ 3×2.5"),
                                       ("检索样品安全帽", "Hat 1")))
        theirs = self.register(token=self.other, name="检索样品橡套软电缆", model="Zq-YZ",
                               gtin=self.fresh_gtin())["product"]
        # part of the name in Chinese: the producer's own products, in id order, a page at a
        # time too
        self.assertEqual(found("检索样品"), sorted([a["id"], b["id"], c["id"]]))
        self.assertEqual(found("检索样品", limit=1), sorted([a["id"], b["id"], c["id"]]))
        self.assertEqual(found("软电缆"), [b["id"]])
        self.assertEqual(found("软电缆", self.other), [theirs["id"]])
        # ASCII letters in either case, in the model too; a GTIN by its 13 digits
        self.assertEqual(found("zQ-"), sorted([a["id"], b["id"]]))
        self.assertEqual(found(c["gtin"][1:]), [c["id"]])
        self.assertEqual(found("没有这种产品"), [])
        # full-width letters (and the ideographic space) as a Chinese keyboard types them are
        # the ASCII they stand for, in the product and in q
        d, e = (self.register(name="检索全角", model=model, gtin=self.fresh_gtin())["product"]
                for model in ("ＺＷＫ　4×1.5", "ZwK 2"))
        self.assertEqual(found("zwk"), sorted([d["id"], e["id"]]))
        self.assertEqual(found("ZWK"), sorted([d["id"], e["id"]]))
        self.assertEqual(found("ｚｗｋ"), sorted([d["id"], e["id"]]))
        self.assertEqual(found("ZWK 4×"), [d["id"]])
        # a regulator's search finds its jurisdiction's products only (Shenzhen's, not Wuhan's)
        self.assertEqual(found("软电缆", self.regulator), [b["id"]])
        # a form's space comes as '+'
        st, v, _ = self.srv.get("/api/v1/products?q=hat+1", token=self.producer)
        self.assertEqual([x["id"] for x in v["items"]], [c["id"]])
        # 100 characters are a search; more, none, text that is not UTF-8 or holds a NUL are not
        st, v, _ = self.srv.get(f"/api/v1/products?q={quote('电' * 100)}", token=self.producer)
        self.assertEqual((st, v["items"]), (200, []))
        for q in ("", quote("电" * 101), "%FF", "a%00b", "%E7%94"):
            v = self.refused(400, path=f"/api/v1/products?q={q}", method="GET",
                             token=self.producer, code="invalid")
            self.assertIn("'q' must be 1 to 100 characters", v["error"]["message"])

    def test_batches_by_date(self):
        p = self.register(gtin=self.fresh_gtin())["product"]["id"]

        def batch(no, date):
            return self.ok("/api/v1/batches", {
                "product": p, "batch_no": no, "production_date": date, "quantity": 10,
                "inspection_report": {"sha256": "cd" * 32, "name": "检验.pdf"}},
                token=self.producer)["batch"]["id"]
        # registered out of date order; two made on one day are in the order registered
        b2, b1, b3, b0 = (batch(no, date) for no, date in (
            ("B2", "2026-03-01"), ("B1", "2026-01-15"), ("B3", "2026-03-01"),
            ("B0", "2025-12-31")))
        oldest = [b0, b1, b2, b3]

        def listed(order="", limit=100):
            return self.every_page(f"/api/v1/products/{p}/batches?limit={limit}{order}")
        self.assertEqual(listed(), oldest)
        self.assertEqual(listed("&order=oldest", 1), oldest)
        self.assertEqual(listed("&order=newest", 1), oldest[::-1])
        self.assertEqual(listed("&order=newest", 3), oldest[::-1])
        st, v, _ = self.srv.get(f"/api/v1/products/{p}/batches?order=newest&limit=1")
        self.assertEqual(([x["batch_no"] for x in v["items"]], st), (["B3"], 200))
        # a cursor of no page (a batch id, as pages by id took) and an unknown order are refused
        for query, why in ((f"after={b1}", "'after' must be the 'next' of an earlier page"),
                           ("after=2026-03-01/1/B1", "'after' must be the 'next'"),
                           ("order=latest", "'order' must be")):
            v = self.refused(400, path=f"/api/v1/products/{p}/batches?{query}", method="GET",
                             code="invalid")
            self.assertIn(why, v["error"]["message"])
        self.refused(404, path="/api/v1/products/P0000000000000000/batches?order=newest",
                     method="GET", code="not_found")

        # a database from before the order: the migration makes it from the batches stored
        db = sqlite3.connect(self.srv.db)
        with db:
            db.execute("DELETE FROM links WHERE kind = 'batches_by_date'")
            db.execute("PRAGMA user_version = 4")
        self.assertEqual(listed(), [])
        self.restart()
        self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], 5)
        db.close()
        self.assertEqual(listed("&order=newest"), oldest[::-1])
        self.assertEqual(listed(), oldest)


if __name__ == "__main__":
    unittest.main(verbosity=2)
