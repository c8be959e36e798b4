"""API tests for recalls (/api/v1/recalls) on a real server: a batch moved through three tiers
(some sold, one of them returned by its buyer, one code not yet commissioned, which is recalled at the producer and its batch
gets no new codes) is recalled by the producer's regulator, the impact report's holder counts and
sales per region, the public view of an affected code warns recalled, progress moves as
holders return and destroy (others refused), closing, and bad input changing nothing.
Run: /usr/bin/python3 test_recalls.py QTRACE"""
import sys
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"


class RecallCase(qtapi.ApiCase):
    """What both classes share; each runs its own server (cls.srv)."""
    path = "/api/v1/recalls"

    def holders(self, v):
        return {h["unit"]: h for h in v["impact"]["holders"]}


class Recalls(RecallCase):

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("producer", "440300", "MA5T3001", ["producer"]),
            ("dist", "110000", "MA5T3002", ["seller"]),
            ("shop", "330100", "MA5T3003", ["seller"])))
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_51"] = srv.account("regulator", "四川省市场监督管理局", "51")
        p = cls.tok["producer"]
        product = qtapi.cable_product(cls.srv, p)
        # the eleventh code is issued but not commissioned when the batch is recalled
        cls.batch, c = qtapi.item_batch(cls.srv, p, product, 11, batch_no="L2026-11")
        cls.c, cls.later = c[:10], c[10]
        c = cls.c

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
            {"type": "retail", "codes": c[0:3]}]}, cls.tok["shop"])
        # the third was brought back by its buyer: at the shop again, with no consumer
        cls.ok("/api/v1/events", {"events": [{"type": "return", "codes": c[2:3]}]},
               cls.tok["shop"])

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
        # made public as it opens: the platform's announcement, proved by the recall record
        st, ann, _ = self.srv.get("/api/v1/announcements")
        [a] = [a for a in ann["announcements"] if a.get("record") == v["receipt"]["index"]]
        self.assertEqual(a["kind"], "recall")
        for text in ("导体电阻不合格", "共 11 个追溯码", "producer 有限公司", "批号 L2026-11"):
            self.assertIn(text, a["body"])
        h = self.holders(v)
        self.assertEqual(h[self.id["producer"]]["quantity"], 4)
        self.assertEqual(h[self.id["dist"]]["quantity"], 3)
        self.assertEqual(h[self.id["shop"]]["quantity"], 4)
        self.assertEqual((h[self.id["shop"]]["region"], h[self.id["shop"]]["province"]),
                         ("330100", "浙江省"))
        self.assertEqual(h[self.id["dist"]]["name"], "dist 有限公司")
        self.assertEqual(v["impact"]["sold_by_region"], [{"region": "330100", "province": "浙江省", "quantity": 2}])
        self.assertEqual(v["impact"]["totals"], {"found": 11, "sold": 2, "returned": 0,
                                                 "destroyed": 0, "outstanding": 11})
        # the same batch again while this recall is open: its holders would report twice
        v2 = self.refused(409, {"batch": self.batch, "reason": "导体电阻不合格"},
                          token=self.tok["reg_44"])
        self.assertIn(f"under recall {rid} already", v2["error"]["message"])
        # the code not yet commissioned is recalled at its producer: it can never go out,
        # and the batch gets no new codes, which would be outside the recall
        st, pv, _ = self.srv.get("/api/v1/codes/" + urllib.parse.quote(self.later, safe=""))
        self.assertEqual((st, pv["status"]), (200, "recalled"), pv)
        v2 = self.refused(409, {"events": [{"type": "commission", "codes": [self.later]}]},
                          path="/api/v1/events", token=self.tok["producer"])
        self.assertIn("recalled", v2["error"]["message"])
        v2 = self.refused(409, {"batch": self.batch, "granularity": "item", "scheme": "dic",
                                "count": 1}, path="/api/v1/codes", token=self.tok["producer"])
        self.assertIn(f"batch {self.batch} is recalled ({rid})", v2["error"]["message"])

        # every scanner sees it, the sold ones too
        st, pv, _ = self.srv.get("/api/v1/codes/" + urllib.parse.quote(self.c[0], safe=""))
        self.assertEqual(st, 200, pv)
        [w] = [w for w in pv["warnings"] if w["kind"] == "recalled"]
        # the recall's reason and day, as announced, for the page to show
        self.assertEqual((w["reason"], w["since"]), ("导体电阻不合格", v["recall"]["date"]))

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
        v = self.ok(prog, {"codes": self.c[7:10] + [self.later], "action": "destroyed"},
                    self.tok["producer"], 200)
        self.assertEqual(v["impact"]["totals"], {"found": 11, "sold": 2, "returned": 2,
                                                 "destroyed": 4, "outstanding": 5})

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

    def test_3_recalled_on_the_way(self):
        """Goods recalled while shipped are delivered all the same: the receiver has them,
        sees the recall and reports them returned."""
        p = self.tok["producer"]
        batch, c = qtapi.item_batch(self.srv, p, qtapi.cable_product(self.srv, p, model="W"),
                                    2, batch_no="W-1")
        ev = self.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "ship", "codes": c, "buyer": {"uscc": self.id["shop"], "name": "shop"}}]}, p)
        rid = self.ok(self.path, {"batch": batch, "reason": "护套开裂"},
                      self.tok["reg_44"])["recall"]["id"]
        self.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c}]},
            self.tok["shop"])
        st, v, _ = self.srv.get(f"{self.path}/{rid}", token=self.tok["shop"])
        self.assertEqual(st, 200, v)
        self.assertEqual(self.holders(v)[self.id["shop"]]["quantity"], 2)
        self.assertNotIn(self.id["producer"], self.holders(v))
        st, pv, _ = self.srv.get("/api/v1/codes/" + urllib.parse.quote(c[0], safe=""))
        self.assertEqual(pv["status"], "recalled")
        v = self.ok(f"{self.path}/{rid}/progress", {"codes": c, "action": "returned"},
                    self.tok["shop"], 200)
        self.assertEqual((v["impact"]["totals"]["returned"], v["impact"]["totals"]["outstanding"]),
                         (2, 0))

    def test_4_carton_of_recalled_goods(self):
        """A carton is sold and taken in as what it holds: its own scan and a seller's check
        warn of recalled goods packed in it, with the recall's reason."""
        p = self.tok["producer"]
        batch, c = qtapi.item_batch(self.srv, p, qtapi.cable_product(self.srv, p, model="K"),
                                    3, batch_no="K-1")
        box = "00690123400000016"
        box = "(00)" + box + qtapi.qtclient.gs1_check_digit(box)
        self.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "pack", "parent": box, "codes": c[:2]}]}, p)
        st, pv, _ = self.srv.get("/api/v1/codes/" + urllib.parse.quote(box, safe=""))
        self.assertEqual((st, pv["warnings"]), (200, []))
        rid = self.ok(self.path, {"batch": batch, "reason": "绝缘层厚度不合格"},
                      self.tok["reg_44"])["recall"]
        st, pv, _ = self.srv.get("/api/v1/codes/" + urllib.parse.quote(box, safe=""))
        self.assertEqual(st, 200, pv)
        self.assertEqual(pv["status"], "in_circulation")
        [w] = pv["warnings"]
        self.assertEqual((w["kind"], w["recalled"], w["items"], w["reason"], w["since"]),
                         ("contents_recalled", 2, 2, "绝缘层厚度不合格", rid["date"]))
        v = self.ok("/api/v1/verify", {"supplier": self.id["producer"], "codes": [box]},
                    self.tok["dist"], 201)
        [r] = v["results"]
        self.assertEqual((r["verdict"], [x["kind"] for x in r["reasons"]]),
                         ("warning", ["contents_recalled"]))


CARTON = "00690123400000009"
CARTON += qtapi.qtclient.gs1_check_digit(CARTON)


class Scopes(RecallCase):
    """Producer P (Guangdong) makes product X (batch 1: 6 codes, 4 packed in a carton;
    batch 2: 5 codes, 4 commissioned) and product Y (3 codes); producer Q (Sichuan) one
    code. P ships the carton and b2[0:2] to the distributor, which ships b2[0:2] on to
    shop A (Hangzhou), which sells b2[0]; P ships Y[0] to shop B (Nanjing), which sells it."""

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("P", "440300", "MA5T4001", ["producer"]), ("Q", "510100", "MA5T4002", ["producer"]),
            ("dist", "110000", "MA5T4003", ["seller"]), ("A", "330100", "MA5T4004", ["seller"]),
            ("B", "320100", "MA5T4005", ["seller"])))
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_51"] = srv.account("regulator", "四川省市场监督管理局", "51")
        cls.tok["reg_cn"] = srv.account("regulator", "国家市场监督管理总局", "")
        p = cls.tok["P"]
        cls.x = qtapi.cable_product(cls.srv, p, model="X")
        _, b1 = qtapi.item_batch(cls.srv, p, cls.x, 6, batch_no="X-1")
        cls.b2id, b2 = qtapi.item_batch(cls.srv, p, cls.x, 5, batch_no="X-2")
        _, y = qtapi.item_batch(cls.srv, p, qtapi.cable_product(cls.srv, p, model="Y"), 3, batch_no="Y-1")
        _, cls.q = qtapi.item_batch(cls.srv, cls.tok["Q"], qtapi.cable_product(cls.srv, cls.tok["Q"], model="Z"), 1, batch_no="Z-1")
        cls.b1, cls.b2, cls.y = b1, b2, y

        def buyer(who):
            return {"uscc": cls.id[who], "name": f"{who} 有限公司"}

        def step(token, *events):
            return cls.ok("/api/v1/events", {"events": list(events)}, token)["first_index"]

        step(cls.tok["Q"], {"type": "commission", "codes": cls.q})
        first = step(p, {"type": "commission", "codes": b1 + b2[:4] + y},
                     {"type": "pack", "parent": "(00)" + CARTON, "codes": b1[:4]},
                     {"type": "ship", "codes": ["(00)" + CARTON] + b2[:2], "buyer": buyer("dist")},
                     {"type": "ship", "codes": y[:1], "buyer": buyer("B")})
        first_on = step(cls.tok["dist"],
                        {"type": "receive", "shipment": first + 2,
                         "codes": ["(00)" + CARTON] + b2[:2]},
                        {"type": "ship", "codes": b2[:2], "buyer": buyer("A")})
        step(cls.tok["A"], {"type": "receive", "shipment": first_on + 1, "codes": b2[:2]},
             {"type": "retail", "codes": b2[:1]})
        step(cls.tok["B"], {"type": "receive", "shipment": first + 3, "codes": y[:1]},
             {"type": "retail", "codes": y[:1]})

    def status(self, code):
        st, v, _ = self.srv.get("/api/v1/trace/" + urllib.parse.quote(code, safe=""),
                                token=self.tok["reg_cn"])
        self.assertEqual(st, 200, v)
        return v["status"]

    def test_1_codes_refusals_record_nothing(self):
        p = self.tok["P"]
        before = [self.status(c) for c in self.y[1:] + self.q]
        self.refused(400, {"codes": [self.y[1], self.q[0]], "reason": "绝缘"}, token=p)
        self.refused(400, {"codes": [self.y[1], "(01)06901234567892(21)NEVER1"],
                           "reason": "绝缘"}, token=p)
        self.refused(400, {"codes": [], "reason": "绝缘"}, token=p)
        self.refused(400, {"codes": [self.y[1], self.y[1]], "reason": "绝缘"}, token=p)
        self.refused(403, {"codes": [self.y[1]], "reason": "绝缘"}, token=self.tok["Q"])
        self.refused(403, {"codes": [self.y[1]], "reason": "绝缘"}, token=self.tok["reg_51"])
        self.assertEqual([self.status(c) for c in self.y[1:] + self.q], before)
        self.assertEqual(before, ["active", "active", "active"])

    def test_2_codes_with_carton_then_product(self):
        v = self.ok(self.path, {"codes": ["(00)" + CARTON, self.y[0], self.y[1]],
                                "reason": "绝缘老化", "date": "2026-01-05"}, self.tok["P"])
        self.check_receipt(v["receipt"], "recall.open")
        codes_recall = v["recall"]["id"]
        # its announcement names the product of the codes listed (the carton's, in its goods)
        st, ann, _ = self.srv.get("/api/v1/announcements")
        [a] = [a for a in ann["announcements"] if a.get("record") == v["receipt"]["index"]]
        self.assertIn("塑料绝缘控制电缆 KVV", a["title"])
        self.assertIn("产品：塑料绝缘控制电缆 KVV，型号 X", a["body"])
        h = self.holders(v)
        # the carton itself and its four items with the distributor, Y[0] with shop B
        # (sold), Y[1] with the producer
        self.assertEqual({u: x["quantity"] for u, x in h.items()},
                         {self.id["dist"]: 5, self.id["B"]: 1, self.id["P"]: 1})
        self.assertEqual(v["impact"]["sold_by_region"], [{"region": "320100", "province": "江苏省", "quantity": 1}])
        self.assertEqual(v["impact"]["totals"], {"found": 7, "sold": 1, "returned": 0,
                                                 "destroyed": 0, "outstanding": 7})
        self.assertEqual(sorted(v["recall"]["holders"]),
                         sorted([self.id["dist"], self.id["B"], self.id["P"]]))
        for c in self.b1[:4] + self.y[:2]:
            self.assertEqual(self.status(c), "recalled")
        self.assertEqual(self.status(self.y[2]), "active")
        self.assertEqual(self.status(self.b1[4]), "active")

        v = self.ok(self.path, {"product": self.x, "reason": "导体电阻不合格",
                                "date": "2026-01-06"}, self.tok["reg_44"])
        product_recall = v["recall"]["id"]
        h = self.holders(v)
        # batch 1 (6, four of them already recalled in the carton) and batch 2's five; its
        # fifth, never commissioned, is recalled at the producer, so it never goes out
        self.assertEqual({u: x["quantity"] for u, x in h.items()},
                         {self.id["P"]: 5, self.id["dist"]: 4, self.id["A"]: 2})
        self.assertEqual(h[self.id["A"]]["region"], "330100")
        self.assertEqual(v["impact"]["sold_by_region"], [{"region": "330100", "province": "浙江省", "quantity": 1}])
        self.assertEqual(v["impact"]["totals"], {"found": 11, "sold": 1, "returned": 0,
                                                 "destroyed": 0, "outstanding": 11})
        self.assertEqual(self.status(self.b2[4]), "recalled")
        # the product's batches get no new codes; a batch made after the recall does
        v = self.refused(409, {"batch": self.b2id, "granularity": "item", "scheme": "dic",
                               "count": 1}, path="/api/v1/codes", token=self.tok["P"])
        self.assertIn(f"batch {self.b2id} is recalled ({product_recall})", v["error"]["message"])
        qtapi.item_batch(self.srv, self.tok["P"], self.x, 1, batch_no="X-AFTER")
        self.assertEqual(self.status(self.y[2]), "active")

        # a code in both recalls: returned under one, still outstanding in the other
        prog = f"{self.path}/{codes_recall}/progress"
        v = self.ok(prog, {"codes": self.b1[:2], "action": "returned"}, self.tok["dist"], 200)
        self.assertEqual(self.holders(v)[self.id["dist"]]["returned"], 2)
        st, v, _ = self.srv.get(f"{self.path}/{product_recall}", token=self.tok["P"])
        self.assertEqual(st, 200, v)
        self.assertEqual(self.holders(v)[self.id["dist"]]["outstanding"], 4)
        self.assertEqual(v["impact"]["totals"]["returned"], 0)
        v = self.ok(f"{self.path}/{product_recall}/progress",
                    {"codes": self.b1[:1], "action": "destroyed"}, self.tok["dist"], 200)
        self.assertEqual(v["impact"]["totals"], {"found": 11, "sold": 1, "returned": 0,
                                                 "destroyed": 1, "outstanding": 10})
        self.refused(409, {"codes": self.b1[:1], "action": "destroyed"}, path=prog,
                     token=self.tok["dist"])

    def test_3_list_pages_past_what_the_caller_may_not_see(self):
        q = self.ok(self.path, {"codes": self.q, "reason": "标志不全", "date": "2026-02-01"},
                    self.tok["Q"])["recall"]["id"]
        # Guangdong's two recalls come first in date order; Sichuan's regulator sees only Q's
        st, v, _ = self.srv.get(self.path + "?limit=1", token=self.tok["reg_51"])
        self.assertEqual(st, 200, v)
        self.assertEqual([r["id"] for r in v["recalls"]], [q])
        self.assertNotIn("next", v)
        seen, after = [], None
        while True:
            st, v, _ = self.srv.get(self.path + "?limit=1" + (f"&after={after}" if after else ""),
                                    token=self.tok["reg_44"])
            self.assertEqual(st, 200, v)
            seen += [r["id"] for r in v["recalls"]]
            if "next" not in v:
                break
            self.assertEqual(len(v["recalls"]), 1)
            after = urllib.parse.quote(v["next"], safe="")
        self.assertEqual(len(seen), 2)
        self.assertNotIn(q, seen)


if __name__ == "__main__":
    unittest.main()
