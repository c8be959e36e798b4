"""API tests for risk warnings (GET /api/v1/warnings, POST /api/v1/warnings/{id}) on a real
server: a suspect 查验 check raises one warning for the checker's region (checked again, still
one), a regulator of another province does not see it nor may move it, open → acknowledged →
closed with a note as "warning.update" records, and bad input refused with nothing recorded.
Then every rule raised end to end by the write that meets it (two failed samplings, a licence
expired or revoked, a complaint cluster, goods sold without flow records seen by a check or a
complaint, recalled goods offered to a seller), with the filters by category and date.
Run: /usr/bin/python3 test_warnings.py QTRACE"""
import datetime
import sys
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
FAKE = "(01)06901234567892(21)FAKE-WARN"


class Warnings(qtapi.ApiCase):
    path = "/api/v1/warnings"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("producer", "440300", "MA5C0001", ["producer"]),
            ("bj", "110105", "MA5C0002", ["seller"])))
        cls.tok["reg_11"] = srv.account("regulator", "北京市市场监督管理局", "11")
        cls.tok["reg_1101"] = srv.account("regulator", "北京市朝阳区市场监督管理局", "1101")
        cls.tok["reg_32"] = srv.account("regulator", "江苏省市场监督管理局", "32")

    def listing(self, role, query=""):
        st, v, _ = self.srv.get(f"{self.path}{query}", token=self.tok[role])
        self.assertEqual(st, 200, v)
        return {w["id"]: w for w in v["warnings"]}

    def check(self):
        st, v, _ = self.srv.post("/api/v1/verify", {"supplier": self.id["producer"],
                                                    "codes": [FAKE]}, token=self.tok["bj"])
        self.assertEqual(st, 201, v)
        self.assertEqual(v["counts"]["suspect"], 1)

    def test_suspect_check_raises_one(self):
        self.check()
        seen = self.listing("reg_11", "?rule=suspect_scan")
        self.assertEqual(len(seen), 1, seen)
        w = list(seen.values())[0]
        self.assertEqual((w["rule"], w["subject"], w["division"], w["state"]),
                         ("suspect_scan", "01/06901234567892/21/FAKE-WARN", "110105", "open"))
        self.assertEqual(w["province"], "北京市")  # the division by name, for a person
        self.assertEqual(list(self.listing("reg_11", "?region=1101")), [w["id"]])
        self.assertEqual(self.listing("reg_11", "?region=44"), {})
        self.assertEqual(self.listing("reg_32"), {})  # another province sees nothing
        self.check()  # the same condition again: no second warning
        self.assertEqual(len(self.listing("reg_11", "?rule=suspect_scan")), 1)

        wpath = f"{self.path}/{w['id']}"
        self.refused(403, {"state": "acknowledged"}, path=wpath, token=self.tok["reg_32"])
        self.refused(403, {"state": "acknowledged"}, path=wpath, token=self.tok["bj"])
        self.refused(400, {"state": "closed"}, path=wpath, token=self.tok["reg_11"],
                     code="invalid")
        self.refused(400, {"state": "open"}, path=wpath, token=self.tok["reg_11"],
                     code="invalid")
        self.refused(400, {"state": "acknowledged", "x": 1}, path=wpath,
                     token=self.tok["reg_11"], code="invalid")
        self.refused(404, {"state": "acknowledged"}, path=f"{self.path}/W00",
                     token=self.tok["reg_11"])

        st, v, _ = self.srv.post(wpath, {"state": "acknowledged"}, token=self.tok["reg_1101"])
        self.assertEqual(st, 200, v)
        self.assertEqual(v["warning"]["state"], "acknowledged")
        self.check_receipt(v["receipt"], "warning.update")
        self.refused(409, {"state": "acknowledged"}, path=wpath, token=self.tok["reg_11"])
        st, v, _ = self.srv.post(wpath, {"state": "closed", "note": "标签为仿冒，已立案"},
                                 token=self.tok["reg_11"])
        self.assertEqual(st, 200, v)
        self.assertEqual([h["state"] for h in v["warning"]["history"]],
                         ["acknowledged", "closed"])
        self.refused(409, {"state": "closed", "note": "again"}, path=wpath,
                     token=self.tok["reg_11"])
        self.assertIn(w["id"], self.listing("reg_11", "?state=closed"))
        self.assertEqual(self.listing("reg_11", "?state=open"), {})

    def test_list_refusals(self):
        for q in ("?rule=nope", "?state=gone", "?region=4a", "?region=1234567"):
            with self.subTest(q=q):
                st, v, _ = self.srv.get(f"{self.path}{q}", token=self.tok["reg_11"])
                self.assertEqual(st, 400, v)
        st, v, _ = self.srv.get(self.path, token=self.tok["bj"])
        self.assertEqual(st, 403, v)
        st, v, _ = self.srv.get(self.path)
        self.assertEqual(st, 401, v)


CABLE = "wire-cable.plastic-control"
LICENCE = "XK06-014-00123"


class Rules(qtapi.ApiCase):
    path = "/api/v1/warnings"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("producer", "440300", "MA5R0001", ["producer"]),
            ("bj", "110105", "MA5R0002", ["seller"]),
            ("js", "320500", "MA5R0003", ["seller"])))
        cls.tok["national"] = srv.account("regulator", "国家市场监督管理总局", "")
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_11"] = srv.account("regulator", "北京市市场监督管理局", "11")
        cls.tok["inspection"] = srv.account("inspection", "国家电线电缆质量检验检测中心")
        p = cls.tok["producer"]
        cls.product = qtapi.cable_product(srv, p, catalog_unit=CABLE, licence_no=LICENCE)
        cls.batch, c = qtapi.item_batch(srv, p, cls.product, 20, production_date="2024-06-01")
        cls.codes = c
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "ship", "codes": c[0:6], "buyer": {"uscc": cls.id["bj"], "name": "B"}},
            {"type": "recall", "codes": [c[16]]}]}, p)
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[0:6]},
            {"type": "retail", "codes": c[0:3]}]}, cls.tok["bj"])

    def listing(self, query="", role="national"):
        st, v, _ = self.srv.get(f"{self.path}{query}", token=self.tok[role])
        self.assertEqual(st, 200, v)
        return v["warnings"]

    def rule(self, rule, **match):
        got = [w for w in self.listing(f"?rule={rule}")
               if all(w.get(k) == v for k, v in match.items())]
        return got

    def warned(self, rule, subject):
        return [w for w in self.listing(f"?rule={rule}") if w["subject"] == subject]

    def test_two_failed_samplings(self):
        def sample(date):
            return self.ok("/api/v1/samplings", {
                "unit": self.id["producer"], "producer": self.id["producer"],
                "product": self.product, "batch": self.batch, "date": date,
                "place": "production", "standard": "GB/T 9330-2020", "items": ["导体电阻"],
                "result": "fail", "failed_items": ["导体电阻"],
                "report": {"sha256": "ab" * 32, "name": "抽查.pdf"}}, self.tok["inspection"])

        sample("2025-01-10")
        self.assertEqual(self.warned("two_failed_samplings", self.id["producer"]), [])
        sample("2026-11-15")  # the second within two years
        [w] = self.warned("two_failed_samplings", self.id["producer"])
        self.assertEqual((w["unit"], w["division"], w["product"], w["catalog_unit"],
                          w["category"]),
                         (self.id["producer"], "440300", self.product, CABLE, "wire-cable"))
        self.assertEqual([x["id"] for x in self.listing("?rule=two_failed_samplings",
                                                        "reg_44")], [w["id"]])
        self.assertEqual(self.listing("?rule=two_failed_samplings", "reg_11"), [])

    def test_licence_expired_and_revoked(self):
        def status(st, **kw):
            return self.ok("/api/v1/licences/status", {
                "producer": self.id["producer"], "number": LICENCE, "status": st,
                "date": "2026-11-01", **kw}, self.tok["reg_44"])

        def kinds():
            q = urllib.parse.quote(self.codes[19], safe="")
            return [w["kind"] for w in self.srv.get(f"/api/v1/codes/{q}")[1]["warnings"]]

        status("expired")  # a fact of the calendar: no reason needed
        self.assertIn("licence_expired", kinds())
        [w] = self.warned("licence_revoked", f"{LICENCE} expired 2026-11-01")
        self.assertEqual((w["division"], w["product"], w["category"]),
                         ("440300", self.product, "wire-cable"))
        status("revoked", reason="抽查不合格且拒不整改")
        self.assertEqual(len(self.warned("licence_revoked", f"{LICENCE} revoked 2026-11-01")), 1)
        status("valid")
        self.assertNotIn("licence_expired", kinds())
        self.assertEqual(len(self.rule("licence_revoked")), 2)  # valid again raises nothing

    def test_complaint_cluster(self):
        c = self.codes
        # sold items: a consumer has them the way the ledger says
        self.complained = [self.ok("/api/v1/complaints", {"code": c[i], "text": "绝缘层开裂"},
                                   None)["complaint"] for i in range(3)]
        [w] = self.warned("complaint_cluster", self.product)
        self.assertEqual((w["unit"], w["details"]["open_complaints"], w["category"]),
                         (self.id["producer"], 3, "wire-cable"))
        self.assertFalse([w for w in self.rule("sold_without_flow")
                          if w["details"]["code"] in [x["code"] for x in self.complained]])

    def test_sold_without_flow_seen_by_a_complaint(self):
        # the ledger has it with the retailer, not sold: a consumer has it all the same
        v = self.ok("/api/v1/complaints", {"code": self.codes[3], "text": "无合格证"}, None)
        [w] = self.warned("sold_without_flow", f"{self.id['bj']} {self.product}")
        self.assertEqual((w["unit"], w["division"], w["details"]["seen_by"],
                          w["details"]["seen_in"], w["details"]["code"]),
                         (self.id["bj"], "110105", "complaint", v["complaint"]["id"],
                          v["complaint"]["code"]))
        self.assertEqual(len(self.listing("?rule=sold_without_flow", "reg_11")), 1)
        self.assertEqual(self.listing("?rule=sold_without_flow&region=11", "reg_44"), [])

    def test_checks(self):
        c = self.codes
        v = self.ok("/api/v1/verify", {"supplier": self.id["producer"],
                                       "codes": [c[15], c[16]]}, self.tok["js"])
        self.assertEqual([r["verdict"] for r in v["results"]], ["genuine", "warning"])
        # recalled goods offered to a seller: a sale after the recall
        [w] = self.warned("suspect_scan", v["results"][1]["code"])
        self.assertEqual((w["division"], w["province"], w["category"]),
                         ("320500", "江苏省", "wire-cable"))
        self.assertEqual(self.warned("suspect_scan", v["results"][0]["code"]), [])
        self.assertEqual(self.rule("sold_without_flow", unit=self.id["producer"]), [])
        # js has an item from bj that the ledger still has with its producer
        v = self.ok("/api/v1/verify", {"supplier": self.id["bj"], "codes": [c[14]]},
                    self.tok["js"])
        self.assertEqual(v["results"][0]["verdict"], "suspect")
        [w] = self.warned("sold_without_flow", f"{self.id['producer']} {self.product}")
        self.assertEqual((w["unit"], w["division"], w["details"]["seen_by"],
                          w["details"]["seen_in"]),
                         (self.id["producer"], "440300", "check", str(v["first_index"])))
        self.assertEqual(len(self.warned("suspect_scan", v["results"][0]["code"])), 1)

    def test_zz_filters(self):
        every = self.listing()
        self.assertGreaterEqual(len(every), 6)
        self.assertEqual(self.listing("?category=wire-cable"), every)
        self.assertEqual(self.listing(f"?category={CABLE}"), every)
        self.assertEqual(self.listing("?category=e-bike"), [])
        today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
        yesterday = today - datetime.timedelta(days=1)
        self.assertEqual(self.listing(f"?from={today}&to={today}"), every)
        self.assertEqual(self.listing(f"?to={yesterday}"), [])
        self.assertEqual(self.listing(f"?from={today + datetime.timedelta(days=1)}"), [])
        first = every[0]["raised"]
        self.assertEqual(self.listing(f"?from={first}"), every)
        page = self.srv.get(f"{self.path}?from={today}&limit=2",
                            token=self.tok["national"])[1]
        rest = self.listing(f"?from={today}&after={urllib.parse.quote(page['next'])}")
        self.assertEqual(page["warnings"] + rest, every)
        for q in ("?from=tomorrow", "?to=11/21/2026", "?category="):
            with self.subTest(q=q):
                st, v, _ = self.srv.get(f"{self.path}{q}", token=self.tok["national"])
                self.assertEqual(st, 400, v)


if __name__ == "__main__":
    unittest.main()
