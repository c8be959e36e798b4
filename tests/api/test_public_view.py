"""The public view of a code (GET /api/v1/codes/{code}, no token) against a real server: what a
consumer sees after a realistic flow (producer → carton → distributor → shop → sale), that no
non-public value stored anywhere in the database ever appears in it, the query count, and each
warning (recall, licence or CCC revoked, serious-violation list, warranty expired, never
issued). Run: /usr/bin/python3 test_public_view.py QTRACE"""
import json
import sqlite3
import sys
import time
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
CARTON = "00/006901234000000025"


def enc(code):
    return urllib.parse.quote(code, safe="")


def sealed_values(db):
    """Every non-public value the store keeps: each record's sealed fields (length-prefixed
    name, 32-byte salt, 4-byte little-endian length, the value as JSON)."""
    out = []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for (blob,) in con.execute("SELECT sealed FROM records WHERE sealed IS NOT NULL"):
        i = 0
        while i < len(blob):
            n = blob[i]
            i += 1 + n + 32
            vlen = int.from_bytes(blob[i:i + 4], "little")
            i += 4
            out.append(json.loads(blob[i:i + vlen].decode()))
            i += vlen
    con.close()
    return out


class PublicView(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = qtapi.Server(QTRACE)

        def unit(division, org, name, roles):
            u = qtapi.uscc(division, org)
            body = qtapi.unit_body(u, name=name, roles=roles)
            body["contact"] = f"私密电话-{org}"
            st, v, _ = srv.post("/api/v1/units", body)
            assert st == 201, v
            return u, v["token"]

        cls.producer, cls.ptok = unit("440300", "P0000009", "深圳线缆厂", ["producer"])
        cls.dist, cls.dtok = unit("440100", "D0000009", "广州经销部", ["seller"])
        cls.shop, cls.stok = unit("440304", "T0000009", "福田五金店", ["seller"])
        cls.gd = srv.account("regulator", "广东省市场监管局", "44")
        cls.bj = srv.account("regulator", "北京市市场监管局", "11")

        def post(path, body, tok):
            st, v, _ = srv.post(path, body, token=tok)
            assert st == 201, (path, v)
            return v

        cls.post = staticmethod(post)
        cls.product = post("/api/v1/products", {
            "name": "挤包绝缘低压电力电缆 YJV", "catalog_unit": "wire-cable.extruded-lv-power",
            "type": "电力电缆", "model": "YJV 3×2.5", "standard": "GB/T 12706.1-2020",
            "licence_no": "XK06-001-00777", "warranty_months": 24, "schemes": ["gs1"],
            "gtin": "6901234567892"}, cls.ptok)["product"]
        cls.batch = post("/api/v1/batches", {
            "product": cls.product["id"], "batch_no": "L2026-11A",
            "production_date": "2026-11-01", "quantity": 6,
            "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验报告.pdf"}},
            cls.ptok)["batch"]
        cls.codes = post("/api/v1/codes", {
            "product": cls.product["id"], "batch": cls.batch["id"], "granularity": "item",
            "scheme": "gs1", "count": 6}, cls.ptok)["codes"]
        c = cls.codes
        v = post("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "pack", "parent": "(00)006901234000000025", "codes": c[:4]},
            {"type": "ship", "codes": [CARTON], "time": "2026-11-19T02:00:00Z",
             "buyer": {"uscc": cls.dist, "name": "广州经销部",
                       "address": {"value": "私密地址-广州天河1号", "public": False},
                       "contact": {"value": "私密联系-020-1111", "public": False}}}]},
            cls.ptok)
        ship1 = v["first_index"] + 2
        post("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ship1, "codes": [CARTON]},
            {"type": "unpack", "parent": CARTON, "codes": c[:2]},
            {"type": "ship", "codes": c[:2], "time": "2026-11-19T06:00:00Z",
             "buyer": {"uscc": cls.shop, "name": "福田五金店",
                       "address": {"value": "私密地址-福田2号", "public": False}}}]},
            cls.dtok)
        _, v, _ = srv.get("/api/v1/shipments?direction=in", token=cls.stok)
        post("/api/v1/events", {"events": [
            {"type": "receive", "shipment": v["shipments"][-1]["id"], "codes": c[:2]},
            {"type": "retail", "codes": [c[0]], "time": "2026-11-19T09:31:07Z", "public": False,
             "buyer": {"name": {"value": "私密顾客-张三", "public": False}}}]}, cls.stok)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def view(self, code, status=200):
        st, v, _ = self.srv.get("/api/v1/codes/" + enc(code))
        self.assertEqual(st, status, v)
        return v

    def test_sold_item_shows_product_producer_batch_and_journey(self):
        v = self.view(self.codes[0])
        self.assertEqual(v["code"], self.codes[0])
        self.assertEqual(v["status"], "sold")
        p = v["product"]
        self.assertEqual((p["name"], p["model"], p["standard"], p["licence_no"],
                          p["warranty_months"], p["gtin"]),
                         ("挤包绝缘低压电力电缆 YJV", "YJV 3×2.5", "GB/T 12706.1-2020",
                          "XK06-001-00777", 24, "06901234567892"))
        self.assertEqual(p["category"], "电线电缆")
        self.assertEqual(v["producer"], {"name": "深圳线缆厂", "uscc": self.producer,
                                         "province": "广东省",
                                         "address": "广东省深圳市南山区科技园1号"})
        self.assertEqual((v["batch"]["batch_no"], v["batch"]["production_date"],
                          v["batch"]["inspection_report"]["name"]),
                         ("L2026-11A", "2026-11-01", "出厂检验报告.pdf"))
        steps = [(e["type"], e["by"], e.get("via")) for e in v["events"]]
        self.assertEqual(steps, [
            ("issue", self.producer, None), ("commission", self.producer, None),
            ("pack", self.producer, None), ("ship", self.producer, CARTON),
            ("receive", self.dist, CARTON), ("unpack", self.dist, None),
            ("ship", self.dist, None), ("receive", self.shop, None),
            ("retail", self.shop, None)])
        self.assertEqual(v["events"][3]["buyer_name"], "广州经销部")
        self.assertEqual(v["events"][3]["time"], "2026-11-19T02:00:00Z")
        self.assertNotIn("time", v["events"][-1])  # the sale's time was not public
        self.assertEqual(v["events"][-1]["by_name"], "福田五金店")
        self.assertEqual(v["warnings"], [])
        # every step names the record that proves it
        for e in v["events"]:
            _, entry, _ = self.srv.get(f"/api/v1/ledger/entries/{e['index']}")
            self.assertEqual(entry["record"]["type"].split(".")[-1],
                             "issue" if e["type"] == "issue" else e["type"])

    def test_every_scanned_form_gives_one_view(self):
        canon = self.codes[1]
        gtin, serial = canon.split("/")[1], canon.split("/")[3]
        for form in (f"(01){gtin}(21){serial}", f"https://id.example.com/01/{gtin}/21/{serial}",
                     f"01{gtin}21{serial}",
                     # as a Chinese keyboard types it, and a key pasted with spaces around it
                     f"（01）{gtin}（21）{serial}", f" {canon}\u3000"):
            self.assertEqual(self.view(form)["code"], canon, form)
        # also as a plain path, not encoded
        st, v, _ = self.srv.get(f"/api/v1/codes/{canon}")
        self.assertEqual((st, v["code"]), (200, canon))
        self.assertEqual(self.view(canon)["status"], "in_circulation")

    def test_carton_and_unsold_item(self):
        v = self.view(CARTON)
        self.assertEqual(v["status"], "in_circulation")
        self.assertNotIn("product", v)
        v = self.view(self.codes[5])
        self.assertEqual(v["status"], "in_circulation")
        self.assertEqual(v["product"]["warranty_until"], "2028-11-01")

    def test_no_private_value_ever_appears(self):
        private = [x for x in sealed_values(self.srv.db) if isinstance(x, str)]
        # the test's own private values are among them: the check reads what it must
        for mine in ("私密地址-广州天河1号", "私密联系-020-1111", "私密顾客-张三",
                     "2026-11-19T09:31:07Z", "私密电话-P0000009"):
            self.assertIn(mine, private)
        for code in self.codes + [CARTON, "(01)06901234567892(21)NEVER"]:
            text = json.dumps(self.view(code), ensure_ascii=False)
            for secret in private:
                self.assertNotIn(secret, text, f"{secret!r} leaked in the view of {code}")

    def test_query_count(self):
        code = self.codes[4]
        first = self.view(code)["queries"]
        n = first["count"]  # other tests may have looked it up too
        self.assertGreaterEqual(n, 1)
        second = self.view(code)["queries"]
        self.assertEqual(second["count"], n + 1)
        self.assertEqual(second["first"], first["first"])
        self.assertGreaterEqual(second["last"], first["last"])
        # the counts reach the database within about a second, outside the ledger
        size = self.size()
        deadline = time.time() + 10
        row = None
        while time.time() < deadline:
            con = sqlite3.connect(f"file:{self.srv.db}?mode=ro", uri=True)
            row = con.execute("SELECT count, first FROM tallies WHERE kind='query' AND id=?",
                              (code,)).fetchone()
            con.close()
            if row and row[0] == n + 1:
                break
            time.sleep(0.2)
        self.assertEqual(row, (n + 1, first["first"]))
        self.assertEqual(self.size(), size, "counting a lookup must not add ledger records")

    def test_unknown_serial_of_known_gtin_is_the_product_with_a_warning(self):
        v = self.view("(01)06901234567892(21)NEVER")
        self.assertEqual(v["status"], "unknown")
        self.assertEqual(v["product"]["id"], self.product["id"])
        self.assertEqual([w["kind"] for w in v["warnings"]], ["never_issued"])
        self.assertEqual(v["events"], [])
        v = self.view("(01)06901234567892(10)L2026-11A(21)NEVER")
        self.assertEqual(v["batch"]["id"], self.batch["id"])

    def test_unknown_and_invalid(self):
        v = self.view("(01)04012345000009(21)X", 404)
        self.assertIn("counterfeit", v["error"]["message"])
        self.view("t/0000000000000000000A", 400)  # bad check character
        v = self.view("hello", 400)
        self.assertEqual(v["error"]["message"].count("not a trace code"), 1, v)
        self.view("(01)06901234567893(21)A", 400)  # bad GTIN check digit

    def test_warnings(self):
        # a second product of the same producer, so the first's view stays as it was
        p = self.post("/api/v1/products", {
            "name": "燃气用连接软管", "catalog_unit": "gas-appliance.connecting-hose", "type": "软管",
            "model": "R-1.2m", "standard": "CJ/T 197-2010", "ccc_no": "2023010801234567",
            "warranty_months": 1, "schemes": ["dic"]}, self.ptok)["product"]
        b = self.post("/api/v1/batches", {
            "product": p["id"], "batch_no": "OLD-1", "production_date": "2025-01-10",
            "quantity": 2, "inspection_report": {"sha256": "ef" * 32, "name": "r.pdf"}},
            self.ptok)["batch"]
        codes = self.post("/api/v1/codes", {"product": p["id"], "batch": b["id"],
                                            "granularity": "item", "scheme": "dic", "count": 2},
                          self.ptok)["codes"]
        self.post("/api/v1/events", {"events": [{"type": "commission", "codes": codes}]},
                  self.ptok)
        kinds = lambda c: [w["kind"] for w in self.view(c)["warnings"]]
        self.assertEqual(kinds(codes[0]), ["warranty_expired"])
        # unsold: the warranty ran from the production date, which is public, so its last
        # day is given beside the message, for a page to say in its reader's language
        w = self.view(codes[0])["warnings"][0]
        self.assertEqual((w["months"], w["ended"]), (1, "2025-02-10"))
        self.assertIn("ended on 2025-02-10", w["message"])
        # only the producer's own regulator may change its standing; a refusal changes nothing
        body = {"producer": self.producer, "number": "2023010801234567", "status": "revoked",
                "reason": "抽查不合格", "date": "2026-11-20"}
        self.refused(403, body, path="/api/v1/licences/status", token=self.bj)
        self.refused(403, body, path="/api/v1/licences/status", token=self.ptok)
        self.refused(400, {**body, "status": "gone"}, path="/api/v1/licences/status",
                     token=self.gd)
        self.refused(400, {**body, "number": "XK06-001-09999"}, path="/api/v1/licences/status",
                     token=self.gd)  # no product of this producer carries it
        self.refused(400, {k: v for k, v in body.items() if k != "reason"},
                     path="/api/v1/licences/status", token=self.gd)
        # a revocation to come would be shown as a fact at once
        v = self.refused(400, {**body, "date": "2099-01-01"}, path="/api/v1/licences/status",
                         token=self.gd)
        self.assertIn("'date' 2099-01-01 is in the future", v["error"]["message"])
        self.post("/api/v1/licences/status", body, self.gd)
        self.assertEqual(kinds(codes[0]), ["ccc_revoked", "warranty_expired"])
        w = self.view(codes[0])["warnings"][0]
        self.assertIn("抽查不合格", w["message"])
        self.assertEqual((w["number"], w["since"], w["reason"]),
                         ("2023010801234567", "2026-11-20", "抽查不合格"))
        # the first product carries a licence, not this certificate
        self.assertEqual(kinds(self.codes[5]), [])
        # the producer's USCC as typed, in lower case, names the same unit
        self.post("/api/v1/licences/status",
                  {**body, "status": "valid", "producer": body["producer"].lower()}, self.gd)
        self.assertEqual(kinds(codes[0]), ["warranty_expired"])
        # the serious-violation list
        listing = {"unit": self.producer, "listed": True, "reason": "伪造追溯码"}
        self.refused(403, listing, path="/api/v1/credit", token=self.bj)
        self.refused(400, {"unit": self.producer, "listed": True}, path="/api/v1/credit",
                     token=self.gd)
        self.refused(400, {**listing, "unit": qtapi.uscc("440300", "NNNN0001")},
                     path="/api/v1/credit", token=self.gd)
        self.refused(400, {**listing, "date": "2099-01-01"}, path="/api/v1/credit",
                     token=self.gd)
        self.post("/api/v1/credit", listing, self.gd)
        self.assertEqual(kinds(codes[1]), ["serious_violation", "warranty_expired"])
        w = self.view(codes[1])["warnings"][0]
        self.assertEqual(w["reason"], "伪造追溯码")
        self.assertRegex(w["since"], r"^\d{4}-\d{2}-\d{2}$")
        self.assertIn(w["since"], w["message"])
        self.assertIn("serious_violation", kinds(self.codes[5]))
        self.post("/api/v1/credit", {"unit": " " + self.producer.lower(), "listed": False},
                  self.gd)
        self.assertEqual(kinds(codes[1]), ["warranty_expired"])
        # a recall shows on every scan at once
        self.post("/api/v1/events", {"events": [{"type": "recall", "codes": [codes[1]],
                                                 "reason": "软管爆裂风险"}]}, self.gd)
        v = self.view(codes[1])
        self.assertEqual(v["status"], "recalled")
        self.assertEqual([w["kind"] for w in v["warnings"]], ["recalled", "warranty_expired"])
        self.assertEqual(v["warnings"][0]["reason"], "软管爆裂风险")  # the recall event's
        self.assertEqual(v["events"][-1]["reason"], "软管爆裂风险")


if __name__ == "__main__":
    unittest.main()
