"""API tests for names in the regulators' lists on a real server: recalls, samplings, warnings,
complaints and draws name the products, batches, producers and units their ids refer to
(product_name, batch_no, producer_name, unit_name; a draw's by_name and names), in their
lists - a page naming one product several times names it on every item; a recall of listed
codes the product they are of, or each product when they are of several; the regulator who
moved a warning or complaint in its history - and in the answers that return one of them (a
recall, a warning or complaint moved, a sampling recorded, a draw made or read); what names
nothing on the platform (a code nobody issued) is named by nothing;
and the ledger's records keep the ids alone.
Run: /usr/bin/python3 test_names.py QTRACE"""
import base64
import json
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
REPORT = {"sha256": "ab" * 32, "name": "抽查报告.pdf"}
CABLE, WIRE = "塑料绝缘控制电缆 KVV", "聚氯乙烯绝缘电线 BV"
NEVER = "(01)06901234567892(21)NOBODY-ISSUED"


class Names(qtapi.ApiCase):

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("深圳电缆", "440300", "MA5N0001", ["producer"]),
            ("福田五金", "440304", "MA5N0002", ["seller"])))
        cls.maker, cls.shop = "深圳电缆 有限公司", "福田五金 有限公司"
        cls.tok["reg"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["body"] = srv.account("inspection", "国家电线电缆质量检验检测中心")
        p = cls.tok["深圳电缆"]
        cls.cable = qtapi.cable_product(srv, p)
        cls.wire = qtapi.cable_product(srv, p, name=WIRE, model="BV 2.5")
        cls.l1, c = qtapi.item_batch(srv, p, cls.cable, 6, batch_no="L2026-11")
        cls.l2, cls.l2codes = qtapi.item_batch(srv, p, cls.cable, 2, batch_no="L2026-12",
                                               production_date="2026-11-05")
        cls.w1, cls.wcodes = qtapi.item_batch(srv, p, cls.wire, 2, batch_no="W2026-01")
        cls.codes = c
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "ship", "codes": c[:3],
             "buyer": {"uscc": cls.id["福田五金"], "name": "福田五金店"}}]}, p)
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[:3]}]},
            cls.tok["福田五金"])

    def get(self, path, role="reg"):
        st, v, _ = self.srv.get(path, token=self.tok[role] if role else None)
        self.assertEqual(st, 200, v)
        return v

    def sampling(self, batch, date, result="fail", **kw):
        body = {"unit": self.id["深圳电缆"], "producer": self.id["深圳电缆"],
                "product": self.cable, "batch": batch, "date": date, "place": "production",
                "standard": "GB/T 9330-2020", "items": ["导体电阻", "绝缘厚度"],
                "result": result, "report": REPORT, **kw}
        if result == "fail":
            body["failed_items"] = ["绝缘厚度"]
        return self.ok("/api/v1/samplings", body, self.tok["body"])["sampling"]

    def assertNamed(self, doc, **names):
        self.assertEqual({k: doc.get(k) for k in names}, names, doc)

    def test_samplings_and_their_warning(self):
        made = [self.sampling(self.l1, "2026-11-10"),
                self.sampling(self.l1, "2026-11-12", result="pass", place="circulation",
                              unit=self.id["福田五金"]),
                self.sampling(self.l2, "2026-11-15")]
        # the answer that records one names it as the list will
        self.assertNamed(made[1], product_name=CABLE, batch_no="L2026-11",
                         producer_name=self.maker, unit_name=self.shop)
        listed = {s["id"]: s for s in self.get("/api/v1/samplings?limit=100")["samplings"]}
        self.assertEqual(set(listed), {s["id"] for s in made})
        # one product on every item of the page, each named
        for s, no in zip(made, ("L2026-11", "L2026-11", "L2026-12")):
            self.assertNamed(listed[s["id"]], product=self.cable, product_name=CABLE,
                             batch=s["batch"], batch_no=no, producer_name=self.maker)
        self.assertEqual(listed[made[0]["id"]]["unit_name"], self.maker)
        self.assertEqual(listed[made[1]["id"]]["unit_name"], self.shop)
        # the producer's own list names them too
        own = self.get(f"/api/v1/samplings?batch={self.l2}", "深圳电缆")["samplings"]
        self.assertNamed(own[0], product_name=CABLE, batch_no="L2026-12")

        # the two fails raise a warning on the producer, named in the list and once moved
        [w] = [w for w in self.get("/api/v1/warnings?rule=two_failed_samplings")["warnings"]]
        self.assertNamed(w, unit=self.id["深圳电缆"], unit_name=self.maker,
                         product=self.cable, product_name=CABLE, province="广东省")
        st, v, _ = self.srv.post(f"/api/v1/warnings/{w['id']}", {"state": "acknowledged"},
                                 token=self.tok["reg"])
        self.assertEqual(st, 200, v)
        self.assertNamed(v["warning"], state="acknowledged", unit_name=self.maker,
                         product_name=CABLE, province="广东省")
        # the regulator who moved it by name beside its id, there and in the list
        [listed] = self.get("/api/v1/warnings?rule=two_failed_samplings")["warnings"]
        for h in (v["warning"]["history"], listed["history"]):
            self.assertEqual([(x["state"], x["by_name"]) for x in h],
                             [("acknowledged", "广东省市场监督管理局")], h)
            self.assertTrue(h[0]["by"].startswith("regulator-"), h)

    def test_recalls(self):
        reg = self.tok["reg"]
        v = self.ok("/api/v1/recalls", {"batch": self.w1, "reason": "线芯截面不足"}, reg)
        # a batch's recall names its product by the batch's
        self.assertNamed(v["recall"], batch_no="W2026-01", product_name=WIRE,
                         producer_name=self.maker)
        self.assertNotIn("product", v["recall"])
        by_product = self.ok("/api/v1/recalls", {"product": self.wire, "reason": "同型号"},
                             self.tok["深圳电缆"])["recall"]
        self.assertNamed(self.get(f"/api/v1/recalls/{by_product['id']}")["recall"],
                         product_name=WIRE, producer_name=self.maker)
        self.assertNotIn("batch_no", by_product)
        listed = {r["id"]: r for r in self.get("/api/v1/recalls")["recalls"]}
        self.assertNamed(listed[v["recall"]["id"]], batch_no="W2026-01", product_name=WIRE,
                         producer_name=self.maker)
        self.assertNamed(listed[by_product["id"]], product_name=WIRE, producer_name=self.maker)
        # closing answers it named as well; the record and the document keep ids alone
        st, closed, _ = self.srv.post(f"/api/v1/recalls/{by_product['id']}/close",
                                      {"note": "已处理"}, token=reg)
        self.assertEqual(st, 200, closed)
        self.assertNamed(closed["recall"], product_name=WIRE, producer_name=self.maker)
        for r in (v, closed):
            leaf = self.check_receipt(r["receipt"])[1]
            self.assertNotIn(WIRE.encode(), leaf)
            self.assertNotIn(self.maker.encode(), leaf)

    def test_recalls_by_codes(self):
        reg = self.tok["reg"]
        # codes of one product: the recall names it as a batch's or product's recall would
        one = self.ok("/api/v1/recalls", {"codes": self.l2codes, "reason": "护套开裂"},
                      reg)["recall"]
        self.assertNamed(one, product_name=CABLE, producer_name=self.maker)
        self.assertNotIn("product_names", one)
        self.assertNotIn("product", one)  # its scope is still the codes
        # codes of two products: each named by its id, no one product_name
        two = self.ok("/api/v1/recalls", {"codes": [self.l2codes[0], self.wcodes[0]],
                                          "reason": "标识不清"}, reg)["recall"]
        self.assertNotIn("product_name", two)
        self.assertEqual(two.get("product_names"), {self.cable: CABLE, self.wire: WIRE}, two)
        for r in (self.get(f"/api/v1/recalls/{one['id']}")["recall"],
                  {r["id"]: r for r in self.get("/api/v1/recalls")["recalls"]}[one["id"]]):
            self.assertNamed(r, product_name=CABLE, producer_name=self.maker)
        listed = {r["id"]: r for r in self.get("/api/v1/recalls")["recalls"]}[two["id"]]
        self.assertEqual(listed.get("product_names"), {self.cable: CABLE, self.wire: WIRE})
        self.assertNotIn("product_name", listed)

    def test_complaints(self):
        filed = [self.ok("/api/v1/complaints", {"code": c, "text": "外皮开裂"})["complaint"]
                 for c in self.codes[:3]]
        never = self.ok("/api/v1/complaints", {"code": NEVER, "text": "查不到"})["complaint"]
        # what the consumer is answered stays without (additionalProperties: false)
        self.assertNotIn("product_name", filed[0])
        national = self.srv.account("regulator", "国家市场监督管理总局", "")
        st, v, _ = self.srv.get("/api/v1/complaints", token=national)
        self.assertEqual(st, 200, v)
        listed = {c["id"]: c for c in v["complaints"]}
        # three complaints on one product, each with its product, batch and producer
        for c in filed:
            self.assertNamed(listed[c["id"]], product_name=CABLE, batch_no="L2026-11",
                             producer_name=self.maker)
        # a code nobody issued names nothing
        self.assertEqual({k for k in listed[never["id"]] if k.endswith("_name")}, set())
        self.assertNotIn("batch_no", listed[never["id"]])
        st, v, _ = self.srv.post(f"/api/v1/complaints/{filed[0]['id']}",
                                 {"state": "acknowledged"}, token=self.tok["reg"])
        self.assertEqual(st, 200, v)
        self.assertNamed(v["complaint"], product_name=CABLE, batch_no="L2026-11",
                         producer_name=self.maker)
        # the regulator who moved it by name beside its id, there and in the list; a move of
        # a complaint on a code nobody issued names its regulator all the same
        st, n, _ = self.srv.post(f"/api/v1/complaints/{never['id']}",
                                 {"state": "closed", "note": "已核实"}, token=national)
        self.assertEqual(st, 200, n)
        st, listed, _ = self.srv.get("/api/v1/complaints", token=national)
        listed = {c["id"]: c for c in listed["complaints"]}
        for h, name in ((v["complaint"]["history"], "广东省市场监督管理局"),
                        (listed[filed[0]["id"]]["history"], "广东省市场监督管理局"),
                        (n["complaint"]["history"], "国家市场监督管理总局"),
                        (listed[never["id"]]["history"], "国家市场监督管理总局")):
            self.assertEqual([x.get("by_name") for x in h], [name], h)

    def test_draws(self):
        st, v, _ = self.srv.post("/api/v1/draws", {"units": 2, "bodies": 1},
                                 token=self.tok["reg"])
        self.assertEqual(st, 201, v)
        made = v["draw"]
        want = {self.id["深圳电缆"]: self.maker, self.id["福田五金"]: self.shop}
        self.assertEqual(sorted(made["selected"]["units"]), sorted(want))
        [b] = made["selected"]["bodies"]
        for d in (made, self.get(f"/api/v1/draws/{made['index']}", None),
                  self.get("/api/v1/draws", None)["items"][-1]):
            self.assertEqual(d.get("by_name"), "广东省市场监督管理局")
            self.assertEqual(d.get("names"), {**want, b: "国家电线电缆质量检验检测中心"})
        # the record keeps the ids the draw is checked by
        entry = self.srv.get(f"/api/v1/ledger/entries/{made['index']}")[1]
        self.assertNotIn("names", json.loads(base64.b64decode(entry["leaf"]))["body"])


if __name__ == "__main__":
    unittest.main()
