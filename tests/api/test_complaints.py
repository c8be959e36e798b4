"""API tests for consumers' complaints (POST/GET /api/v1/complaints, POST /complaints/{id}) on a
real server: filed without an account on any scanned form, routed by the producer's division
(a Guangdong-made code's complaint seen by the Guangdong and national regulators, not Beijing's;
a code nobody issued by the national one only), the contact never in a public answer (the
filer's nor the ledger's), never a step of the code's story or trace, states to closure, roles and bad input refused with nothing
recorded, and the per-address rate limit (429).
Run: /usr/bin/python3 test_complaints.py QTRACE"""
import base64
import json
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
CONTACT = "13800138000 王先生"
NEVER = "(01)06901234567892(21)NEVER"


class Complaints(qtapi.ApiCase):
    path = "/api/v1/complaints"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        u = qtapi.uscc("440300", "MA5T2001")
        st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u, name="深圳电缆有限公司"))
        assert st == 201, v
        cls.producer, p = u, v["token"]
        cls.tok = {"reg_44": srv.account("regulator", "广东省市场监督管理局", "44"),
                   "reg_4403": srv.account("regulator", "深圳市市场监督管理局", "4403"),
                   "reg_11": srv.account("regulator", "北京市市场监督管理局", "11"),
                   "reg_cn": srv.account("regulator", "国家市场监督管理总局", ""),
                   "producer": p,
                   "inspection": srv.account("inspection", "检验中心")}
        product = cls.ok("/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "schemes": ["dic"]}, p)["product"]["id"]
        batch = cls.ok("/api/v1/batches", {
            "product": product, "batch_no": "L2026-11", "production_date": "2026-11-01",
            "quantity": 5, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}},
            p)["batch"]["id"]
        cls.codes = cls.ok("/api/v1/codes", {"batch": batch, "granularity": "item",
                                             "scheme": "dic", "count": 5}, p)["codes"]
        cls.ok("/api/v1/events", {"events": [{"type": "commission", "codes": cls.codes}]}, p)

    def listing(self, role, query=""):
        st, v, _ = self.srv.get(f"/api/v1/complaints{query}", token=self.tok[role])
        self.assertEqual(st, 200, v)
        return {c["id"]: c for c in v["complaints"]}

    def test_1_routing_and_privacy(self):
        v = self.ok(self.path, {"code": self.codes[0], "text": "绝缘层开裂", "contact": CONTACT})
        c = v["complaint"]
        self.assertEqual((c["jurisdiction"], c["producer"], c["issued"], c["state"]),
                         ("4403", self.producer, True, "open"))
        self.assertNotIn("contact", c)
        entry, leaf = self.check_receipt(v["receipt"], "complaint.file")
        self.assertNotIn(CONTACT.encode(), leaf)
        self.assertNotIn("绝缘层开裂".encode(), leaf)
        for role in ("reg_44", "reg_4403", "reg_cn"):
            seen = self.listing(role)
            self.assertIn(c["id"], seen, role)
            self.assertEqual(seen[c["id"]]["contact"], CONTACT)
            self.assertEqual(seen[c["id"]]["text"], "绝缘层开裂")
        self.assertNotIn(c["id"], self.listing("reg_11"))
        # a scan of the code shows nothing of it
        st, view, _ = self.srv.get(f"/api/v1/codes/{self.codes[0]}")
        self.assertEqual(st, 200)
        self.assertNotIn(CONTACT, str(view))
        # nor its trace: the record is not under the code's own key, whose records are its
        # story (read in a bounded window, which anonymous complaints must not crowd out)
        self.assertEqual(json.loads(leaf)["keys"], [f"complaint:{self.codes[0]}", self.producer])
        st, tr, _ = self.srv.get(f"/api/v1/trace/{self.codes[0]}", token=self.tok["reg_44"])
        self.assertEqual(st, 200, tr)
        self.assertEqual([s["type"] for s in tr["steps"]], ["code.issue", "event.commission"])

    def test_2_never_issued_goes_national(self):
        c = self.ok(self.path, {"code": NEVER, "text": "查不到这个码"})["complaint"]
        self.assertEqual((c["jurisdiction"], c["producer"], c["issued"]), ("", "", False))
        self.assertIn(c["id"], self.listing("reg_cn"))
        self.assertNotIn(c["id"], self.listing("reg_44"))

    def test_3_states(self):
        cid = self.ok(self.path, {"code": self.codes[1], "text": "标签与实物不符"})["complaint"]["id"]
        self.assertIn(cid, self.listing("reg_44", "?state=open"))
        # Beijing may not touch it; closing needs a note
        self.refused(403, {"state": "acknowledged"}, path=f"{self.path}/{cid}",
                     token=self.tok["reg_11"])
        self.refused(400, {"state": "closed"}, path=f"{self.path}/{cid}",
                     token=self.tok["reg_4403"])
        self.refused(400, {"state": "open"}, path=f"{self.path}/{cid}",
                     token=self.tok["reg_4403"])
        st, v, _ = self.srv.post(f"{self.path}/{cid}", {"state": "acknowledged", "note": "已受理"},
                                 token=self.tok["reg_4403"])
        self.assertEqual(st, 200, v)
        self.assertEqual(v["complaint"]["state"], "acknowledged")
        self.refused(409, {"state": "acknowledged"}, path=f"{self.path}/{cid}",
                     token=self.tok["reg_44"])
        st, v, _ = self.srv.post(f"{self.path}/{cid}", {"state": "closed", "note": "已责令整改"},
                                 token=self.tok["reg_44"])
        self.assertEqual(st, 200, v)
        self.assertEqual([h["state"] for h in v["complaint"]["history"]],
                         ["acknowledged", "closed"])
        self.assertIn(cid, self.listing("reg_cn", "?state=closed"))
        self.assertNotIn(cid, self.listing("reg_44", "?state=open"))
        self.refused(409, {"state": "closed", "note": "再次"}, path=f"{self.path}/{cid}",
                     token=self.tok["reg_cn"])
        self.refused(404, {"state": "acknowledged"}, path=f"{self.path}/Cnope",
                     token=self.tok["reg_cn"])

    def test_4_refused_records_nothing(self):
        for body in ({"code": "not a code", "text": "x"}, {"code": self.codes[0]},
                     {"code": self.codes[0], "text": "x" * 2001},
                     {"code": self.codes[0], "text": "x", "contact": "y" * 201},
                     {"code": self.codes[0], "text": "x", "extra": 1}):
            self.refused(400, body)
        cid = self.ok(self.path, {"code": self.codes[2], "text": "x"})["complaint"]["id"]
        for role in ("producer", "inspection"):
            st, _, _ = self.srv.get(self.path, token=self.tok[role])
            self.assertEqual(st, 403)
            self.refused(403, {"state": "acknowledged"}, path=f"{self.path}/{cid}",
                         token=self.tok[role])
        self.refused(401, {"state": "acknowledged"}, path=f"{self.path}/{cid}")
        st, _, _ = self.srv.get(self.path)
        self.assertEqual(st, 401)
        self.refused(400, path=self.path + "?state=x", method="GET", token=self.tok["reg_cn"])


class RateLimit(qtapi.ApiCase):
    path = "/api/v1/complaints"

    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(cls.srv.stop)

    def test_eleventh_in_a_minute_refused(self):
        for i in range(10):
            st, v, _ = self.srv.post(self.path, {"code": NEVER, "text": f"第{i}次"})
            self.assertEqual(st, 201, v)
        v = self.refused(429, {"code": NEVER, "text": "第11次"}, code="rate_limited")
        self.assertIn("10 complaints a minute", v["error"]["message"])
        _, _, hdrs = self.srv.post(self.path, {"code": NEVER, "text": "again"})
        self.assertGreaterEqual(int(hdrs["Retry-After"]), 1)


if __name__ == "__main__":
    unittest.main()
