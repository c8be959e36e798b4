"""API tests for recalls (/api/v1/recalls) on a real server: a batch moved through three tiers
(some sold) is recalled by the producer's regulator, the impact report's holder counts and
sales per region, the public view of an affected code warns recalled, progress moves as
holders return and destroy (others refused), closing, and bad input changing nothing.
Run: /usr/bin/python3 test_recalls.py QTRACE"""
import sys
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"


class Recalls(qtapi.ApiCase):
    path = "/api/v1/recalls"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = {}, {}
        for role, division, org, roles in (
                ("producer", "440300", "MA5T3001", ["producer"]),
                ("dist", "110000", "MA5T3002", ["seller"]),
                ("shop", "330100", "MA5T3003", ["seller"])):
            u = qtapi.uscc(division, org)
            st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u, name=f"{role} 有限公司",
                                                                 roles=roles))
            assert st == 201, v
            cls.tok[role], cls.id[role] = v["token"], u
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_51"] = srv.account("regulator", "四川省市场监督管理局", "51")
        p = cls.tok["producer"]
        product = cls.ok("/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "schemes": ["dic"]}, p)["product"]["id"]
        cls.batch = cls.ok("/api/v1/batches", {
            "product": product, "batch_no": "L2026-11", "production_date": "2026-11-01",
            "quantity": 10, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}},
            p)["batch"]["id"]
        c = cls.c = cls.ok("/api/v1/codes", {"batch": cls.batch, "granularity": "item",
                                             "scheme": "dic", "count": 10}, p)["codes"]

        def buyer(role):
            return {"uscc": cls.id[role], "name": f"{role} 有限公司"}

        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "ship", "codes": c[0:7], "buyer": buyer("dist")}]}, p)
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[0:7]},
            {"type": "ship", "codes": c[0:4], "buyer": buyer("shop")}]}, cls.tok["dist"])
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[0:4]},
            {"type": "retail", "codes": c[0:2]}]}, cls.tok["shop"])

    @classmethod
    def ok(cls, path, body, token, status=201):
        st, v, _ = cls.srv.post(path, body, token=token)
        assert st == status, (path, st, v)
        return v

    def holders(self, v):
        return {h["unit"]: h for h in v["impact"]["holders"]}

    def test_1_bad_input_changes_nothing(self):
        reg = self.tok["reg_44"]
        self.refused(400, {"reason": "断股"}, token=reg)
        self.refused(400, {"batch": self.batch, "product": "x", "reason": "断股"}, token=reg)
        self.refused(400, {"batch": self.batch}, token=reg)
        self.refused(400, {"batch": "nope", "reason": "断股"}, token=reg)
        self.refused(400, {"batch": self.batch, "reason": "x", "date": "2027-01-01"},
                     token=reg)
        self.refused(403, {"batch": self.batch, "reason": "断股"}, token=self.tok["reg_51"])
        self.refused(403, {"batch": self.batch, "reason": "断股"}, token=self.tok["dist"])

    def test_2_open_progress_close(self):
        v = self.ok(self.path, {"batch": self.batch, "reason": "导体电阻不合格"},
                    self.tok["reg_44"])
        self.check_receipt(v["receipt"], "recall.open")
        rid = v["recall"]["id"]
        h = self.holders(v)
        self.assertEqual(h[self.id["producer"]]["quantity"], 3)
        self.assertEqual(h[self.id["dist"]]["quantity"], 3)
        self.assertEqual(h[self.id["shop"]]["quantity"], 4)
        self.assertEqual(h[self.id["shop"]]["region"], "330100")
        self.assertEqual(h[self.id["dist"]]["name"], "dist 有限公司")
        self.assertEqual(v["impact"]["sold_by_region"], [{"region": "330100", "quantity": 2}])
        self.assertEqual(v["impact"]["totals"], {"found": 10, "sold": 2, "returned": 0,
                                                 "destroyed": 0, "outstanding": 10})

        # every scanner sees it, the sold ones too
        st, pv, _ = self.srv.get("/api/v1/codes/" + urllib.parse.quote(self.c[0], safe=""))
        self.assertEqual(st, 200, pv)
        self.assertIn("recalled", [w["kind"] for w in pv["warnings"]])

        prog = f"{self.path}/{rid}/progress"
        self.refused(403, {"codes": self.c[4:6], "action": "returned"}, path=prog,
                     token=self.tok["shop"])
        self.refused(400, {"codes": self.c[4:6], "action": "lost"}, path=prog,
                     token=self.tok["dist"])
        v = self.ok(prog, {"codes": self.c[4:6], "action": "returned"}, self.tok["dist"], 200)
        self.check_receipt(v["receipt"], "recall.progress")
        self.assertEqual(self.holders(v)[self.id["dist"]]["outstanding"], 1)
        self.refused(409, {"codes": self.c[4:5], "action": "destroyed"}, path=prog,
                     token=self.tok["dist"])
        v = self.ok(prog, {"codes": self.c[7:10], "action": "destroyed"},
                    self.tok["producer"], 200)
        self.assertEqual(v["impact"]["totals"], {"found": 10, "sold": 2, "returned": 2,
                                                 "destroyed": 3, "outstanding": 5})

        # a holder sees it and lists it; an outsider does neither
        st, v, _ = self.srv.get(f"{self.path}/{rid}", token=self.tok["shop"])
        self.assertEqual(st, 200, v)
        st, v, _ = self.srv.get(f"{self.path}/{rid}", token=self.tok["reg_51"])
        self.assertEqual(st, 403, v)
        st, v, _ = self.srv.get(self.path, token=self.tok["reg_51"])
        self.assertEqual(v["recalls"], [])
        st, v, _ = self.srv.get(self.path, token=self.tok["dist"])
        self.assertEqual([r["id"] for r in v["recalls"]], [rid])

        close = f"{self.path}/{rid}/close"
        self.refused(403, {"note": "x"}, path=close, token=self.tok["dist"])
        v = self.ok(close, {"note": "已完成"}, self.tok["reg_44"], 200)
        self.check_receipt(v["receipt"], "recall.close")
        self.assertEqual(v["recall"]["status"], "closed")
        self.refused(409, {"codes": self.c[2:3], "action": "returned"}, path=prog,
                     token=self.tok["shop"])


if __name__ == "__main__":
    unittest.main()
