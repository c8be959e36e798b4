"""API tests for statistics (GET /api/v1/stats) on a real server: a small known dataset - a
Guangdong producer and seller and a Sichuan producer, products in two catalogue categories,
codes some of which flowed to the seller and were sold, a recall and a complaint - counted
exactly as the national and two provincial regulators see it; anyone else refused.
Run: /usr/bin/python3 test_stats.py QTRACE"""
import datetime
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
CABLE = "wire-cable.plastic-control"
ROPE = "steel-wire-rope.single-layer-strand"


class Stats(qtapi.ApiCase):
    path = "/api/v1/stats"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("p44", "440300", "MA5T4001", ["producer"]),
            ("s44", "440100", "MA5T4002", ["seller"]),
            ("p51", "510100", "MA5T4003", ["producer"])))
        cls.tok["national"] = srv.account("regulator", "国家市场监督管理总局", "")
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_51"] = srv.account("regulator", "四川省市场监督管理局", "51")
        cls.tok["inspection"] = srv.account("inspection", "检验所")

        def codes(producer, unit, n):
            t = cls.tok[producer]
            return qtapi.item_batch(srv, t, qtapi.cable_product(
                srv, t, name="产品", catalog_unit=unit, type="型", model="M1"), n)

        _, c = codes("p44", CABLE, 5)
        codes("p44", ROPE, 2)  # issued, never commissioned
        b51, d = codes("p51", CABLE, 4)
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "ship", "codes": c[0:3],
             "buyer": {"uscc": cls.id["s44"], "name": "s44 有限公司"}}]}, cls.tok["p44"])
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": c[0:3]},
            {"type": "retail", "codes": c[0:1]}]}, cls.tok["s44"])
        cls.ok("/api/v1/events", {"events": [{"type": "commission", "codes": d}]},
               cls.tok["p51"])
        cls.ok("/api/v1/recalls", {"batch": b51, "reason": "导体电阻不合格"}, cls.tok["reg_51"])
        cls.ok("/api/v1/complaints", {"code": c[4], "text": "标签与实物不符"}, None)

    def stats(self, who):
        st, v, _ = self.srv.get(self.path, token=self.tok[who])
        self.assertEqual(st, 200, v)
        return v

    def today(self, v):
        # today in China (UTC+8), whose day the events were made on
        china = datetime.timezone(datetime.timedelta(hours=8))
        day = datetime.datetime.now(china).date().isoformat()
        self.assertEqual(len(v["events"]["days"]), 30)
        self.assertEqual(v["events"]["days"][-1]["date"], day)
        self.assertTrue(v["events"]["complete"])
        return {d["date"]: d["count"] for d in v["events"]["days"]}

    def test_national(self):
        v = self.stats("national")
        self.assertEqual(v["units"]["total"], 3)
        self.assertEqual(v["units"]["by_region"]["44"], {
            "name": v["units"]["by_region"]["44"]["name"], "units": 2, "producers": 1,
            "sellers": 1, "products": 2, "codes": 7})
        r51 = v["units"]["by_region"]["51"]
        self.assertEqual((r51["units"], r51["producers"], r51["sellers"], r51["products"],
                          r51["codes"]), (1, 1, 0, 1, 4))
        cats = v["products"]["by_category"]
        self.assertEqual(v["products"]["total"], 3)
        self.assertEqual((cats["wire-cable"]["products"], cats["wire-cable"]["codes"]), (2, 9))
        self.assertEqual((cats["steel-wire-rope"]["products"], cats["steel-wire-rope"]["codes"]),
                         (1, 2))
        self.assertTrue(all(c["products"] == 0 for k, c in cats.items()
                            if k not in ("wire-cable", "steel-wire-rope")))
        # commissioned: 5 + 4; flowed: the 3 received by the seller (one of them sold)
        self.assertEqual(v["codes"], {"total": 11, "commissioned": 9, "flowed": 3,
                                      "flow_share": 0.3333})
        cat = v["catalog"]
        self.assertEqual((cat["with_producer"], cat["with_codes"]), (2, 2))
        self.assertAlmostEqual(cat["producer_share"], round(2 / cat["units"], 4))
        self.assertEqual(v["recalls"], {"open": 1})
        self.assertEqual(v["complaints"], {"open": 1})
        # the complaint on an item the ledger has with its producer: sold without flow
        self.assertEqual(v["warnings"], {"open": 1})
        # commission, ship; receive, retail; commission (recall.open is not an event.*)
        self.assertEqual(sum(self.today(v).values()), 5)
        self.assertEqual(v["jurisdiction"], "")

    def test_province(self):
        v = self.stats("reg_44")
        self.assertEqual(list(v["units"]["by_region"]), ["44"])
        self.assertEqual((v["units"]["total"], v["products"]["total"]), (2, 2))
        self.assertEqual(v["codes"], {"total": 7, "commissioned": 5, "flowed": 3,
                                      "flow_share": 0.6})
        self.assertEqual((v["catalog"]["with_producer"], v["catalog"]["with_codes"]), (2, 2))
        self.assertEqual(v["recalls"], {})
        self.assertEqual(v["complaints"], {"open": 1})  # routed to Shenzhen, 4403
        self.assertEqual(v["warnings"], {"open": 1})  # about the producer, 440300
        self.assertEqual(sum(self.today(v).values()), 4)

        v = self.stats("reg_51")
        self.assertEqual(list(v["units"]["by_region"]), ["51"])
        self.assertEqual(v["codes"], {"total": 4, "commissioned": 4, "flowed": 0,
                                      "flow_share": 0.0})
        self.assertEqual((v["catalog"]["with_producer"], v["catalog"]["with_codes"]), (1, 1))
        self.assertEqual(v["products"]["by_category"]["steel-wire-rope"]["products"], 0)
        self.assertEqual(v["recalls"], {"open": 1})
        self.assertEqual(v["complaints"], {})
        self.assertEqual(v["warnings"], {})
        self.assertEqual(sum(self.today(v).values()), 1)

    def test_refused(self):
        st, _, _ = self.srv.get(self.path)
        self.assertEqual(st, 401)
        for who in ("p44", "s44", "inspection"):
            st, _, _ = self.srv.get(self.path, token=self.tok[who])
            self.assertEqual(st, 403, who)


if __name__ == "__main__":
    unittest.main()
