"""End-to-end over HTTP, as the issue tells it: a producer registers, describes a product and
a batch, issues codes, packs them into a carton (SSCC), ships the carton to a distributor, who
receives it and ships items on to a retailer, who sells one. Every receipt's inclusion proof
is checked against the checkpoint it carries, and the final log verifies offline.
Run: /usr/bin/python3 test_scenario.py QTRACE"""
import base64
import subprocess
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"


class Scenario(qtapi.ApiCase):
    def setUp(self):
        self.srv = qtapi.Server(QTRACE)
        self.receipts = []

    def tearDown(self):
        self.srv.stop()

    def ok(self, status, path, body, token):
        st, v, _ = self.srv.post(path, body, token=token)
        self.assertEqual(st, status, v)
        for key in ("receipt", "receipts"):
            r = v.get(key)
            self.receipts += r if isinstance(r, list) else [r] if r else []
        return v

    def unit(self, division, org, name, roles):
        u = qtapi.uscc(division, org)
        v = self.ok(201, "/api/v1/units", qtapi.unit_body(u, name=name, roles=roles), None)
        return u, v["token"]

    def test_factory_to_shop(self):
        producer, ptok = self.unit("350100", "P0000001", "福建电缆厂", ["producer"])
        dist, dtok = self.unit("440300", "D0000001", "深圳电缆经销部", ["seller"])
        shop, stok = self.unit("440304", "T0000001", "福田五金店", ["seller"])
        prod = self.ok(201, "/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "warranty_months": 24, "schemes": ["gs1"],
            "gtin": "6901234567892"}, ptok)["product"]
        batch = self.ok(201, "/api/v1/batches", {
            "product": prod["id"], "batch_no": "L2026-11", "production_date": "2026-11-01",
            "quantity": 10, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}},
            ptok)["batch"]
        codes = self.ok(201, "/api/v1/codes", {"product": prod["id"], "batch": batch["id"],
                                               "granularity": "item", "scheme": "gs1",
                                               "count": 10}, ptok)["codes"]
        self.assertEqual(len(codes), 10)
        carton = "00/006901234000000018"  # an SSCC: the carton comes into being when packed
        ev = self.ok(201, "/api/v1/events", {"events": [
            {"type": "commission", "codes": codes},
            {"type": "pack", "parent": "(00)006901234000000018", "codes": codes[:6]},
            {"type": "ship", "codes": [carton], "time": "2026-11-20T02:00:00Z",
             "buyer": {"uscc": dist, "name": "深圳电缆经销部",
                       "address": {"value": "深圳市罗湖区1号", "public": False},
                       "contact": {"value": "0755-88888888", "public": False}}}]}, ptok)
        ship1 = ev["first_index"] + 2
        # the distributor finds the shipment among its incoming ones
        st, v, _ = self.srv.get("/api/v1/shipments?direction=in", token=dtok)
        self.assertEqual(st, 200, v)
        self.assertEqual([(s["id"], s["from"], s["codes"], s["received"]) for s in v["shipments"]],
                         [(ship1, producer, [carton], False)])
        # the distributor cannot ship what it has not received
        st, v, _ = self.srv.post("/api/v1/events", {"events": [
            {"type": "ship", "codes": [codes[0]], "buyer": {"uscc": shop, "name": "福田五金店"}}]},
            token=dtok)
        self.assertEqual(st, 409, v)
        self.ok(201, "/api/v1/events", {"events": [
            {"type": "receive", "shipment": ship1, "codes": [carton],
             "supplier": {"uscc": producer, "name": "福建电缆厂"}},
            {"type": "unpack", "parent": carton, "codes": codes[:2]},
            {"type": "ship", "codes": codes[:2],
             "buyer": {"uscc": shop, "name": "福田五金店"}}]}, dtok)
        _, v, _ = self.srv.get("/api/v1/shipments?direction=in", token=stok)
        ship2 = v["shipments"][-1]["id"]
        self.assertEqual(v["shipments"][-1]["codes"], codes[:2])
        _, v, _ = self.srv.get(f"/api/v1/shipments/{ship1}", token=dtok)
        self.assertTrue(v["received"])
        self.ok(201, "/api/v1/events", {"events": [
            {"type": "receive", "shipment": ship2, "codes": codes[:2],
             "supplier": {"uscc": dist, "name": "深圳电缆经销部"}},
            {"type": "retail", "codes": [codes[0]], "time": "2026-11-21T03:00:00Z",
             "buyer": {"name": "张三"}}]}, stok)  # 客户名称: sealed unless flagged public
        sale = self.receipts[-1]["index"]
        # a sold code cannot be sold again, and the producer no longer holds it
        st, v, _ = self.srv.post("/api/v1/events", {"events": [
            {"type": "retail", "codes": [codes[0]]}]}, token=stok)
        self.assertEqual(st, 409, v)
        st, v, _ = self.srv.post("/api/v1/events", {"events": [
            {"type": "ship", "codes": [codes[1]], "buyer": {"uscc": dist, "name": "深圳电缆经销部"}}]},
            token=ptok)
        self.assertEqual(st, 409, v)
        self.assertIn("only its holder", v["error"]["message"])

        # every receipt proves its record against the checkpoint it came with
        self.assertGreaterEqual(len(self.receipts), 10)
        for r in self.receipts:
            self.check_receipt(r)
        # the non-public buyer address was sealed, never written into the public log
        _, entry, _ = self.srv.get(f"/api/v1/ledger/entries/{ship1}")
        self.assertNotIn("深圳市罗湖区1号", base64.b64decode(entry["leaf"]).decode())
        _, entry, _ = self.srv.get(f"/api/v1/ledger/entries/{sale}")
        self.assertEqual(entry["record"]["type"], "event.retail")
        self.assertNotIn("张三", base64.b64decode(entry["leaf"]).decode())
        self.srv.proc.terminate()
        self.srv.proc.wait(timeout=30)
        p = subprocess.run([QTRACE, "verify", "--db", self.srv.db, "--key", self.srv.vkey],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
