"""API tests for supervision sampling (POST/GET /api/v1/samplings) on a real server: a pass and
a fail (whose answer traces the batch both ways: the distributor and the retailer holding it,
with counts), an inspection body's and a regulator's records, roles and bad input refused with
nothing recorded, and the listing's filters and visibility.
Run: /usr/bin/python3 test_sampling.py QTRACE"""
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
TIME = "2026-11-20T02:00:00Z"
REPORT = {"sha256": "ab" * 32, "name": "抽查报告.pdf"}


class Sampling(qtapi.ApiCase):
    path = "/api/v1/samplings"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("producer", "440300", "MA5T2001", ["producer"]),
            ("dist", "110000", "MA5T2002", ["seller"]),
            ("shop", "330100", "MA5T2003", ["seller"])))
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_51"] = srv.account("regulator", "四川省市场监督管理局", "51")
        cls.tok["inspection"] = srv.account("inspection", "国家电线电缆质量检验检测中心")
        p = cls.tok["producer"]
        cls.product = qtapi.cable_product(srv, p)
        cls.batch, c = qtapi.item_batch(srv, p, cls.product, 20, batch_no="L2026-11")

        def buyer(role):
            return {"uscc": cls.id[role], "name": f"{role} 有限公司"}

        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "ship", "codes": c[0:15], "buyer": buyer("dist"), "time": TIME}]}, p)
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[0:15]},
            {"type": "ship", "codes": c[0:6], "buyer": buyer("shop")}]}, cls.tok["dist"])
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[0:6]}]},
            cls.tok["shop"])

    def body(self, **kw):
        b = {"unit": self.id["shop"], "producer": self.id["producer"], "product": self.product,
             "batch": self.batch, "date": "2026-11-15", "place": "circulation",
             "standard": "GB/T 9330-2020", "items": ["导体电阻", "绝缘厚度"], "result": "pass",
             "report": REPORT}
        b.update(kw)
        return {k: v for k, v in b.items() if v is not None}

    def listing(self, role, query=""):
        st, v, _ = self.srv.get(f"/api/v1/samplings{query}", token=self.tok[role])
        self.assertEqual(st, 200, v)
        return v["samplings"]

    def test_1_pass_and_fail_with_trace(self):
        v = self.ok(self.path, self.body(place="production", unit=self.id["producer"]),
                    self.tok["reg_44"])
        self.assertEqual(v["sampling"]["result"], "pass")
        self.assertNotIn("trace", v)
        self.check_receipt(v["receipt"], "sampling")
        v = self.ok(self.path, self.body(result="fail", failed_items=["导体电阻"]),
                    self.tok["inspection"])
        s, t = v["sampling"], v["trace"]
        self.assertFalse(s["on_site_inspection"])
        counts = {h["unit"]: h["count"] for h in t["holders"]}
        self.assertEqual(counts[self.id["dist"]], 9)
        self.assertEqual(counts[self.id["shop"]], 6)
        self.assertEqual(counts[self.id["producer"]], 5)
        passed = {u["unit"] for u in t["units"]}
        self.assertTrue({self.id["dist"], self.id["shop"]} <= passed, t["units"])
        self.assertIn("source", t)
        self.assertEqual(s["trace"]["holders"], 3)
        # a second fail within two years flags an on-site inspection
        v = self.ok(self.path, self.body(result="fail", failed_items=["绝缘厚度"],
                                         date="2026-11-20"), self.tok["reg_44"])
        self.assertTrue(v["sampling"]["on_site_inspection"])

    def test_2_refused_records_nothing(self):
        self.refused(403, self.body(), token=self.tok["producer"])
        self.refused(403, self.body(), token=self.tok["reg_51"], code="forbidden")
        self.refused(400, self.body(result="fail"), token=self.tok["inspection"])
        self.refused(400, self.body(failed_items=["导体电阻"]), token=self.tok["inspection"])
        self.refused(400, self.body(date="2099-01-01"), token=self.tok["inspection"])
        self.refused(400, self.body(batch="B0000000000000000"), token=self.tok["inspection"])
        self.refused(400, self.body(producer=self.id["dist"]), token=self.tok["inspection"])
        self.refused(400, self.body(place="production"), token=self.tok["inspection"])
        self.refused(400, self.body(report={"sha256": "x", "name": "r"}),
                     token=self.tok["inspection"])

    def test_3_listing(self):
        self.assertEqual(len(self.listing("reg_44")), 3)
        self.assertEqual(len(self.listing("reg_44", "?result=fail")), 2)
        self.assertEqual(len(self.listing("reg_44", f"?batch={self.batch}&result=pass")), 1)
        self.assertEqual(len(self.listing("reg_44", f"?unit={self.id['shop']}")), 2)
        self.assertEqual(len(self.listing("reg_44", f"?product={self.product}")), 3)
        self.assertEqual(len(self.listing("inspection")), 1)  # its own
        self.assertEqual(len(self.listing("producer")), 3)
        self.assertEqual(len(self.listing("reg_51")), 0)
        page = self.srv.get("/api/v1/samplings?limit=2", token=self.tok["reg_44"])[1]
        self.assertEqual(len(page["samplings"]), 2)
        rest = self.listing("reg_44", f"?limit=2&after={page['next']}")
        self.assertEqual(len(rest), 1)
        self.refused(403, method="GET", token=self.tok["shop"])
        self.refused(400, method="GET", path="/api/v1/samplings?result=maybe",
                     token=self.tok["reg_44"])


if __name__ == "__main__":
    unittest.main()
