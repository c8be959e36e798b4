"""Checking incoming goods over HTTP (POST /api/v1/verify, GET /api/v1/checks) on a real
server: each verdict, the records it leaves in the ledger, a cloned label, who may check and
who may list, and bad input that records nothing.
Run: /usr/bin/python3 test_check.py QTRACE"""
import json
import sys
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
UNKNOWN = "(01)06901234567892(21)NEVER-ISSUED"


class Check(qtapi.ApiCase):
    path = "/api/v1/verify"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("producer", "440300", "MA5C0001", ["producer"]),
            ("bj", "110105", "MA5C0002", ["seller"]),
            ("sz", "320500", "MA5C0003", ["seller"]),
            ("hz", "330100", "MA5C0004", ["seller"])))
        cls.tok["reg_11"] = srv.account("regulator", "北京市市场监督管理局", "11")
        cls.tok["reg_32"] = srv.account("regulator", "江苏省市场监督管理局", "32")
        p = cls.tok["producer"]
        _, cls.codes = qtapi.item_batch(srv, p, qtapi.cable_product(srv, p), 20, quantity=100)
        cls.ok("/api/v1/events", {"events": [{"type": "commission", "codes": cls.codes[:19]},
                                             {"type": "recall", "codes": [cls.codes[18]]}]}, p)

    def verify(self, who, supplier, codes):
        before = self.size()
        v = self.ok("/api/v1/verify", {"supplier": self.id[supplier], "codes": codes},
                    self.tok[who])
        self.assertEqual(self.size(), before + len(codes))
        return v

    def kinds(self, result):
        return sorted(r["kind"] for r in result["reasons"])

    def test_each_verdict(self):
        # held by the supplier: genuine; recalled: a warning; never issued: suspect
        v = self.verify("bj", "producer", [self.codes[0], self.codes[18], UNKNOWN])
        self.assertEqual(v["counts"], {"genuine": 1, "warning": 1, "suspect": 1})
        got = [(r["verdict"], self.kinds(r)) for r in v["results"]]
        self.assertEqual(got, [("genuine", []), ("warning", ["recalled"]),
                               ("suspect", ["never_issued"])])
        self.assertEqual(v["results"][2]["code"], "01/06901234567892/21/NEVER-ISSUED")
        # each is a "check" record, proved by its receipt
        _, leaf = self.check_receipt(v["receipts"][-1], "check")
        body = json.loads(leaf)["body"]
        self.assertEqual((body["checker"], body["supplier"], body["code"], body["verdict"]),
                         (self.id["bj"], self.id["producer"], v["results"][2]["code"],
                          "suspect"))
        self.assertEqual([r["index"] for r in v["results"]],
                         [v["first_index"] + i for i in range(3)])

    def test_sold_and_not_held(self):
        c = self.codes[1:4]
        ev = self.ok("/api/v1/events", {"events": [
            {"type": "ship", "codes": c[:2], "buyer": {"uscc": self.id["hz"], "name": "H"}}]},
            self.tok["producer"])
        self.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"], "codes": c[:2]},
            {"type": "retail", "codes": [c[0]], "time": "2026-11-20T08:00:00Z"}]},
            self.tok["hz"])
        v = self.verify("sz", "hz", c)
        self.assertEqual([(r["verdict"], self.kinds(r)) for r in v["results"]],
                         [("suspect", ["sold"]), ("genuine", []),
                          ("suspect", ["supplier_not_holder"])])

    def test_uscc_as_typed(self):
        # a USCC in lower case or with spaces names the same unit, everywhere it is typed
        typed = lambda u: " " + u.lower() + " "
        c = self.codes[7:9]
        v = self.ok("/api/v1/verify", {"supplier": typed(self.id["producer"]), "codes": c[:1]},
                    self.tok["bj"])
        self.assertEqual(v["results"][0]["verdict"], "genuine", v)
        ev = self.ok("/api/v1/events", {"events": [
            {"type": "ship", "codes": c, "time": "2026-11-20T10:30:00+08:00",
             "buyer": {"uscc": typed(self.id["sz"]), "name": "S"}}]},
            self.tok["producer"])
        st, ins, _ = self.srv.get("/api/v1/shipments?direction=in", token=self.tok["sz"])
        self.assertIn(ev["first_index"], [s["id"] for s in ins["shipments"]])
        # a receipt names the shipper as its supplier, or none: not another unit
        before = self.size()
        v = self.refused(409, {"events": [
            {"type": "receive", "shipment": ev["first_index"], "codes": c,
             "supplier": {"uscc": self.id["hz"], "name": "H"}}]},
            path="/api/v1/events", token=self.tok["sz"])
        self.assertIn(f"came from {self.id['producer']}, not from supplier {self.id['hz']}",
                      v["error"]["message"])
        self.assertEqual(self.size(), before)
        self.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"], "codes": c,
             "supplier": {"uscc": typed(self.id["producer"]), "name": "P"}}]}, self.tok["sz"])
        journey = self.srv.get("/api/v1/codes/" + urllib.parse.quote(c[0], safe=""))[1]
        # a time with China's offset is the same instant, recorded in UTC
        self.assertEqual([e.get("time") for e in journey["events"] if e["type"] == "ship"],
                         ["2026-11-20T02:30:00Z"])
        self.assertEqual([e.get("buyer_uscc") or e.get("supplier_uscc")
                          for e in journey["events"] if e["type"] in ("ship", "receive")],
                         [self.id["sz"], self.id["producer"]])

    def test_clone(self):
        # two units take in the same item from its holder before it moves: one is a copy
        c = self.codes[5]
        journey = self.srv.get("/api/v1/codes/" + urllib.parse.quote(c, safe=""))[1]
        self.assertEqual(self.verify("bj", "producer", [c])["results"][0]["verdict"], "genuine")
        r = self.verify("sz", "producer", [c])["results"][0]
        self.assertEqual((r["verdict"], self.kinds(r)), ("suspect", ["cloned"]))
        self.assertIn(self.id["bj"], r["reasons"][0]["message"])
        # checks change nothing a consumer's scan shows, and are not part of the journey
        after = self.srv.get("/api/v1/codes/" + urllib.parse.quote(c, safe=""))[1]
        self.assertEqual([(e["index"], e["type"]) for e in after["events"]],
                         [(e["index"], e["type"]) for e in journey["events"]])
        self.assertEqual((after["status"], after["warnings"]),
                         (journey["status"], journey["warnings"]))

    def test_refusals_record_nothing(self):
        c = self.codes[6]
        good = {"supplier": self.id["producer"], "codes": [c]}
        self.refused(401, good)
        self.refused(403, good, token=self.tok["producer"], code="forbidden")
        self.refused(403, good, token=self.tok["reg_11"], code="forbidden")
        t = self.tok["bj"]
        for body, says in (
                ({"supplier": self.id["producer"], "codes": ["(01)06901234567893(21)A"]},
                 "codes[0]"),
                ({"supplier": "91440300MA5C0001XX", "codes": [c]}, "supplier"),
                ({"supplier": self.id["bj"], "codes": [c]}, "itself"),
                ({"codes": [c]}, "supplier"),
                ({"supplier": self.id["producer"], "codes": []}, "codes"),
                ({"supplier": self.id["producer"], "codes": [c, c]}, "codes[1]"),
                ({"supplier": self.id["producer"], "codes": [c], "shipment": 1}, "shipment")):
            with self.subTest(body=body):
                v = self.refused(400, body, token=t, code="invalid")
                self.assertIn(says, v["error"]["message"])
        self.refused(400, raw=b"{\"supplier\":", token=t, code="malformed_json")
        v = self.refused(413, {"supplier": self.id["producer"],
                               "codes": [f"(01)06901234567892(21)N{i}" for i in range(1001)]},
                         token=t, code="too_large")
        self.assertIn("1000", v["error"]["message"])

    def listed(self, who, query=""):
        st, v, _ = self.srv.get("/api/v1/checks" + query, token=self.tok[who])
        self.assertEqual(st, 200, v)
        return v["checks"]

    def test_regulators_list_their_region(self):
        bad = "(01)06901234567892(21)FAKE-LIST"
        v = self.verify("bj", "producer", [bad, self.codes[7]])
        suspect, genuine = v["first_index"], v["first_index"] + 1
        # Beijing's regulator sees the Beijing checker's checks; Jiangsu's does not
        seen = self.listed("reg_11", "?verdict=suspect&limit=1000")
        self.assertIn(suspect, [c["index"] for c in seen])
        self.assertNotIn(genuine, [c["index"] for c in seen])
        self.assertTrue(all(c["checker"] == self.id["bj"] for c in seen))
        mine = [c for c in seen if c["index"] == suspect][0]
        self.assertEqual((mine["code"], mine["verdict"], mine["reasons"][0]["kind"]),
                         ("01/06901234567892/21/FAKE-LIST", "suspect", "never_issued"))
        everything = [c["index"] for c in self.listed("reg_11", "?limit=1000")]
        self.assertIn(genuine, everything)
        self.assertNotIn(suspect, [c["index"] for c in self.listed("reg_32", "?limit=1000")])
        self.assertNotIn(suspect, [c["index"] for c in self.listed(
            "reg_32", "?verdict=suspect&limit=1000")])
        # the checker lists its own; another seller only its own
        self.assertIn(suspect, [c["index"] for c in self.listed("bj", "?limit=1000")])
        self.assertNotIn(suspect, [c["index"] for c in self.listed("sz", "?limit=1000")])
        # paging
        first = self.srv.get("/api/v1/checks?limit=1", token=self.tok["reg_11"])[1]
        second = self.srv.get("/api/v1/checks?limit=1&after=" + first["next"],
                              token=self.tok["reg_11"])[1]
        self.assertLess(first["checks"][0]["index"], second["checks"][0]["index"])
        # refusals
        for who, query, status in (("reg_32", f"?unit={self.id['bj']}", 403),
                                   ("sz", f"?unit={self.id['bj']}", 403),
                                   ("producer", "", 403), (None, "", 401),
                                   ("reg_11", "?verdict=fake", 400),
                                   ("reg_11", "?limit=0", 400)):
            with self.subTest(who=who, query=query):
                st, v, _ = self.srv.get("/api/v1/checks" + query,
                                        token=self.tok[who] if who else None)
                self.assertEqual(st, status, v)
        got = self.listed("reg_11", f"?unit={self.id['bj']}&verdict=suspect&limit=1000")
        self.assertIn(suspect, [c["index"] for c in got])


if __name__ == "__main__":
    unittest.main()
