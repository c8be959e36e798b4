"""API tests for tracing (GET /api/v1/trace/{code}, /api/v1/trace/batch/{id}) on a real
server: a three-tier flow (producer → distributor → two retailers, some sold, five items in a
carton), a regulator's whole chain whose every record index is proved against the signed
checkpoint (checked here, independently of the server), units seeing only their neighbours,
outsiders refused, the carton's steps on the items inside it, a batch's holder counts with
paged items, and bad input that changes nothing.
Run: /usr/bin/python3 test_trace.py QTRACE"""
import base64
import json
import sys
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
TIME = "2026-11-20T02:00:00Z"  # the past: event times may not lie ahead of the server's clock


def sscc(serial):
    body = "1069012340" + f"{serial:07d}"
    return body + qtapi.qtclient.gs1_check_digit(body)


def enc(code):
    return urllib.parse.quote(code, safe="")


class Trace(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = {}, {}
        for role, division, org, roles in (
                ("producer", "440300", "MA5T1001", ["producer"]),
                ("dist", "110000", "MA5T1002", ["seller"]),
                ("shop1", "330100", "MA5T1003", ["seller"]),
                ("shop2", "320100", "MA5T1004", ["seller"]),
                ("outsider", "510100", "MA5T1005", ["producer", "seller"])):
            u = qtapi.uscc(division, org)
            st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u, name=f"{role} 有限公司",
                                                                 roles=roles))
            assert st == 201, v
            cls.tok[role], cls.id[role] = v["token"], u
        cls.tok["reg_nat"] = srv.account("regulator", "国家市场监督管理总局", "00")
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_33"] = srv.account("regulator", "浙江省市场监督管理局", "33")
        cls.tok["reg_51"] = srv.account("regulator", "四川省市场监督管理局", "51")
        cls.tok["inspection"] = srv.account("inspection", "国家电线电缆质量检验检测中心")
        p = cls.tok["producer"]
        product = cls.ok("/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "schemes": ["dic"]}, p)["product"]["id"]
        cls.batch = cls.ok("/api/v1/batches", {
            "product": product, "batch_no": "L2026-11", "production_date": "2026-11-01",
            "quantity": 30, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}},
            p)["batch"]["id"]
        c = cls.codes = cls.ok("/api/v1/codes", {"batch": cls.batch, "granularity": "item",
                                                 "scheme": "dic", "count": 30}, p)["codes"]
        cls.carton = "00/" + sscc(1)

        def buyer(role):
            return {"uscc": cls.id[role], "name": f"{role} 有限公司"}

        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "pack", "parent": "(00)" + sscc(1), "codes": c[0:5]},
            {"type": "ship", "codes": [cls.carton] + c[5:20], "buyer": buyer("dist"),
             "time": TIME}]}, p)
        cls.ship1 = ev["first_index"] + 2
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": cls.ship1, "codes": [cls.carton] + c[5:20]},
            {"type": "ship", "codes": [cls.carton] + c[5:10], "buyer": buyer("shop1")},
            {"type": "ship", "codes": c[10:15], "buyer": buyer("shop2")}]}, cls.tok["dist"])
        cls.receive1, cls.ship2, cls.ship3 = ev["first_index"], ev["first_index"] + 1, \
            ev["first_index"] + 2
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": cls.ship2, "codes": [cls.carton] + c[5:10]},
            {"type": "retail", "codes": c[5:8]}]}, cls.tok["shop1"])
        cls.receive2, cls.retail = ev["first_index"], ev["first_index"] + 1
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": cls.ship3, "codes": c[10:15]},
            {"type": "retail", "codes": c[10:11]}]}, cls.tok["shop2"])

    def trace(self, code, role, direction=None, status=200):
        q = f"?direction={direction}" if direction else ""
        st, v, _ = self.srv.get(f"/api/v1/trace/{enc(code)}{q}", token=self.tok[role])
        self.assertEqual(st, status, v)
        return v

    def batch_trace(self, role, query="", status=200):
        st, v, _ = self.srv.get(f"/api/v1/trace/batch/{self.batch}{query}",
                                token=self.tok[role])
        self.assertEqual(st, status, v)
        return v

    def units(self, v):
        return [h["unit"] for h in v["holders"]]

    def proves(self, index, rtype):
        """The record at index is in the tree of the signed checkpoint, by an inclusion proof
        checked here, and is of type rtype."""
        _, note, _ = self.srv.get("/checkpoint")
        size, root = qtapi.checkpoint_root(note.decode() if isinstance(note, bytes) else note)
        _, entry, _ = self.srv.get(f"/api/v1/ledger/entries/{index}")
        _, proof, _ = self.srv.get(f"/api/v1/ledger/proof/inclusion?index={index}&size={size}")
        leaf = base64.b64decode(entry["leaf"])
        got = qtapi.root_from_inclusion(index, size, qtapi.leaf_hash(leaf),
                                        [base64.b64decode(h) for h in proof["hashes"]])
        self.assertEqual(got, root, f"record {index} is not proved by the checkpoint")
        self.assertEqual(entry["record"]["type"], rtype)
        return entry["record"]

    # ---- a code's chain ----

    def test_regulator_sees_the_whole_chain_and_every_step_is_proved(self):
        code = self.codes[5]
        v = self.trace(code, "reg_nat")
        self.assertEqual(v["view"], "regulator")
        self.assertEqual(v["status"], "sold")
        self.assertEqual(v["direction"], "both")
        self.assertEqual(self.units(v), [self.id["producer"], self.id["dist"], self.id["shop1"]])
        self.assertEqual([h["how"] for h in v["holders"]], ["issued", "received", "received"])
        self.assertEqual([h["region"] for h in v["holders"]], ["440300", "110000", "330100"])
        self.assertEqual(v["holders"][1]["name"], "dist 有限公司")
        self.assertEqual(v["holders"][0]["until"], {"index": self.ship1, "time": TIME})
        self.assertEqual(v["holders"][1]["since"]["index"], self.receive1)
        self.assertEqual(v["holders"][1]["until"]["index"], self.ship2)
        self.assertEqual(v["holders"][2]["since"]["index"], self.receive2)
        self.assertNotIn("until", v["holders"][2])
        self.assertEqual([s["type"] for s in v["steps"]],
                         ["code.issue", "event.commission", "event.ship", "event.receive",
                          "event.ship", "event.receive", "event.retail"])
        self.assertEqual(v["steps"][-1]["index"], self.retail)
        # every step's record is in the log the checkpoint signs, and says what the step says
        for s in v["steps"]:
            rec = self.proves(s["index"], s["type"])
            self.assertIn(code, rec["keys"])
            if s["type"].startswith("event."):
                self.assertEqual(rec["body"]["by"], s["by"])
        # back: the source; forward: none
        self.assertEqual(v["source"]["producer"]["unit"], self.id["producer"])
        self.assertEqual(v["source"]["batch"]["production_date"], "2026-11-01")
        self.assertEqual(v["source"]["batch"]["inspection_report"]["name"], "出厂检验.pdf")
        self.assertIn("source", self.trace(code, "reg_nat", "back"))
        fwd = self.trace(code, "reg_nat", "forward")
        self.assertNotIn("source", fwd)
        self.assertEqual(self.units(fwd), self.units(v))
        # any scanned form, and the canonical key with its slashes as they are
        url = "https://id.example.cn/" + code
        self.assertEqual(self.trace(url, "reg_44")["code"], code)
        st, w, _ = self.srv.get(f"/api/v1/trace/{code}", token=self.tok["reg_33"])
        self.assertEqual(st, 200, w)
        self.assertEqual(w["holders"], v["holders"])

    def test_units_see_only_their_neighbours(self):
        code, ids = self.codes[5], self.id
        v = self.trace(code, "dist")
        self.assertEqual(v["view"], "unit")
        self.assertEqual(self.units(v), [ids["producer"], ids["dist"], ids["shop1"]])
        self.assertEqual(set(v["holders"][0]), {"unit", "name", "region", "province", "how",
                                                "until"})
        self.assertEqual(set(v["holders"][2]), {"unit", "name", "region", "province", "how",
                                                "since"})
        self.assertEqual([s["index"] for s in v["steps"]],
                         [self.ship1, self.receive1, self.ship2, self.receive2])
        # the retailer never sees the producer, the producer never the retailer
        for role, direction, far, want in (
                ("shop1", None, "producer", ["dist", "shop1"]),
                ("shop1", "back", "producer", ["dist", "shop1"]),
                ("shop1", "forward", "producer", ["shop1"]),
                ("producer", None, "shop1", ["producer", "dist"]),
                ("producer", "forward", "shop1", ["producer", "dist"]),
                ("producer", "back", "shop1", ["producer"]),
                ("dist", "back", "shop1", ["producer", "dist"]),
                ("dist", "forward", "producer", ["dist", "shop1"])):
            with self.subTest(role=role, direction=direction):
                v = self.trace(code, role, direction)
                self.assertEqual(self.units(v), [ids[r] for r in want])
                self.assertNotIn(ids[far], json.dumps(v, ensure_ascii=False))
                self.assertNotIn(f"{far} 有限公司", json.dumps(v, ensure_ascii=False))
        # the retailer's steps: what brought the code to it and what it did
        v = self.trace(code, "shop1")
        self.assertEqual([s["type"] for s in v["steps"]],
                         ["event.ship", "event.receive", "event.retail"])

    def test_outsiders_are_refused(self):
        code = self.codes[5]
        for role in ("outsider", "reg_51", "shop2"):  # shop2 is on other codes' paths only
            with self.subTest(role=role):
                self.refused(403, path=f"/api/v1/trace/{enc(code)}", token=self.tok[role],
                             method="GET", code="forbidden")
        self.refused(403, path=f"/api/v1/trace/{enc(code)}", token=self.tok["inspection"],
                     method="GET")
        self.refused(401, path=f"/api/v1/trace/{enc(code)}", method="GET")
        # a code that stayed with its producer: Zhejiang's regulator has no part in it
        self.trace(self.codes[25], "reg_33", status=403)
        self.assertEqual(self.units(self.trace(self.codes[25], "reg_44")),
                         [self.id["producer"]])

    def test_items_in_a_carton_move_with_it(self):
        v = self.trace(self.codes[0], "reg_44")
        self.assertEqual(self.units(v), [self.id["producer"], self.id["dist"],
                                         self.id["shop1"]])
        moved = [(s["type"], s["index"], s.get("via")) for s in v["steps"] if "via" in s]
        self.assertEqual(moved, [("event.ship", self.ship1, self.carton),
                                 ("event.receive", self.receive1, self.carton),
                                 ("event.ship", self.ship2, self.carton),
                                 ("event.receive", self.receive2, self.carton)])
        self.assertEqual([s["type"] for s in v["steps"] if "via" not in s],
                         ["code.issue", "event.commission", "event.pack"])
        for s in v["steps"]:
            if "via" in s:
                self.assertIn(self.carton, self.proves(s["index"], s["type"])["keys"])
        # the carton's own trace lists what is in it
        c = self.trace("(00)" + sscc(1), "shop1", "back")
        self.assertEqual(c["code"], self.carton)
        self.assertEqual(sorted(i["code"] for i in c["items"]), sorted(self.codes[0:5]))
        self.assertFalse(c["items_more"])
        self.assertEqual({i["parent"] for i in c["items"]}, {self.carton})
        self.assertEqual(self.units(c), [self.id["dist"], self.id["shop1"]])

    # ---- a batch ----

    def test_batch_forward_counts_after_three_tiers(self):
        v = self.batch_trace("producer", "?direction=forward&limit=7")
        self.assertNotIn("units", v)
        counts = {h["unit"]: (h["count"], h["by_status"]) for h in v["holders"]}
        self.assertEqual(counts, {
            self.id["producer"]: (10, {"active": 10}),
            self.id["dist"]: (5, {"active": 5}),
            self.id["shop1"]: (10, {"active": 7, "sold": 3}),
            self.id["shop2"]: (5, {"active": 4, "sold": 1})})
        self.assertEqual([h["unit"] for h in v["holders"]],
                         sorted(h["unit"] for h in v["holders"]))
        for h in v["holders"]:
            self.assertEqual(h["region"], h["unit"][2:8])
        # every item, page by page, where the summary says
        items, pages = v["items"], 1
        while "next" in v:
            v = self.batch_trace("producer", f"?direction=forward&limit=7&after={v['next']}")
            items += v["items"]
            pages += 1
        self.assertEqual(pages, 5)
        self.assertEqual(sorted(i["code"] for i in items), sorted(self.codes))
        held = {}
        for i in items:
            held.setdefault(i["holder"], {}).setdefault(i["status"], 0)
            held[i["holder"]][i["status"]] += 1
        self.assertEqual(held, {u: s for u, (_, s) in counts.items()})
        self.assertEqual({i["parent"] for i in items if "parent" in i}, {self.carton})

    def test_batch_back_and_who_may_trace_it(self):
        v = self.batch_trace("reg_33", "?direction=back")  # a retailer's regulator
        self.assertEqual([u["unit"] for u in v["units"]],
                         sorted([self.id["dist"], self.id["shop1"], self.id["shop2"]]))
        self.assertFalse(v["units_more"])
        self.assertEqual(v["source"]["producer"]["unit"], self.id["producer"])
        self.assertEqual(v["source"]["batch"]["batch_no"], "L2026-11")
        self.assertEqual(v["source"]["product"]["standard"], "GB/T 9330-2020")
        self.assertNotIn("holders", v)
        v = self.batch_trace("reg_44")
        self.assertIn("units", v)
        self.assertIn("holders", v)
        for role, status in (("outsider", 403), ("reg_51", 403), ("dist", 403),
                             ("inspection", 403)):
            with self.subTest(role=role):
                self.refused(status, path=f"/api/v1/trace/batch/{self.batch}",
                             token=self.tok[role], method="GET")

    # ---- bad input ----

    def test_bad_input_changes_nothing(self):
        t = self.tok["reg_nat"]
        good = enc(self.codes[5])
        for path, status in (
                ("/api/v1/trace/not-a-code", 400),
                (f"/api/v1/trace/{enc('(01)06901234567893(21)A1')}", 400),  # bad check digit
                (f"/api/v1/trace/{enc('(01)06901234567892(21)NEVER')}", 404),
                (f"/api/v1/trace/{good}?direction=sideways", 400),
                (f"/api/v1/trace/{good}?direction=", 400),
                (f"/api/v1/trace/batch/{self.batch}?direction=up", 400),
                (f"/api/v1/trace/batch/{self.batch}?limit=0", 400),
                ("/api/v1/trace/batch/B00000000000000ff", 404)):
            with self.subTest(path=path):
                self.refused(status, path=path, token=t, method="GET")


if __name__ == "__main__":
    unittest.main()
