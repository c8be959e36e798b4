"""API tests for announcements (追溯公告): POST /api/v1/announcements by regulators only (other
roles and bad input refused with nothing recorded), the public list newest first with paging,
and the Atom feed /announcements.atom: parsed with xml.etree, RFC 4287's required elements,
a title holding <&> escaped and read back intact.
Run: /usr/bin/python3 test_announcements.py QTRACE"""
import sys
import unittest
import xml.etree.ElementTree as ET

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
A = "{http://www.w3.org/2005/Atom}"
TRICKY = "召回 <KVV & \"RVV\"> 'x' 电缆"


class Announcements(qtapi.ApiCase):
    path = "/api/v1/announcements"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        u = qtapi.uscc("440300", "MA5T2001")
        st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u))
        assert st == 201, v
        cls.tok = {"producer": v["token"],
                   "reg": srv.account("regulator", "国家市场监督管理总局", ""),
                   "inspection": srv.account("inspection", "检验中心")}

    def publish(self, title, kind="other", body="正文"):
        st, v, _ = self.srv.post(self.path, {"title": title, "body": body, "kind": kind},
                                 token=self.tok["reg"])
        self.assertEqual(st, 201, v)
        return v

    def test_0_catalogue_announced(self):
        # qtrace init loaded the first-batch catalogue: the platform announced it
        st, cat, _ = self.srv.get("/api/v1/catalog")
        self.assertEqual(st, 200, cat)
        units = [u for c in cat["categories"] for u in c["units"]]
        st, v, _ = self.srv.get(self.path)
        [a] = [a for a in v["announcements"] if a["kind"] == "catalog"]
        self.assertEqual((a["title"], a["by"], a["id"]),
                         (f"追溯目录新增 {len(units)} 个产品单元", "platform",
                          f"AR{a['record']:020d}"))
        self.assertEqual(len(a["body"].splitlines()), len(units))
        self.assertIn(units[0]["name"], a["body"])
        st, e, _ = self.srv.get(f"/api/v1/ledger/entries/{a['record']}")
        self.assertEqual(e["record"]["type"], "catalog.add")

    def test_1_refused_records_nothing(self):
        good = {"title": "t", "body": "b", "kind": "other"}
        for role in ("producer", "inspection"):
            self.refused(403, good, token=self.tok[role])
        self.refused(401, good)
        for bad in ({**good, "kind": "news"}, {"title": "t", "kind": "other"},
                    {**good, "title": "x" * 201}, {**good, "extra": 1}):
            self.refused(400, bad, token=self.tok["reg"])

    def test_2_list_and_feed(self):
        first = self.publish("2026年产品目录调整", "catalog")
        self.check_receipt(first["receipt"], "announcement")
        self.publish(TRICKY, "recall", body="a < b && c > d\n第二行")
        st, v, _ = self.srv.get(self.path)
        self.assertEqual(st, 200, v)
        titles = [a["title"] for a in v["announcements"]]
        self.assertEqual(titles[:2], [TRICKY, "2026年产品目录调整"])  # newest first
        st, page, _ = self.srv.get(self.path + "?limit=1")
        self.assertEqual(len(page["announcements"]), 1)
        st, rest, _ = self.srv.get(f"{self.path}?limit=1&after={page['next']}")
        self.assertEqual(rest["announcements"][0]["id"], v["announcements"][1]["id"])

        st, text, hdrs = self.srv.get("/announcements.atom")
        self.assertEqual(st, 200)
        self.assertTrue(hdrs["Content-Type"].startswith("application/atom+xml"))
        raw = text if isinstance(text, str) else text.decode()
        self.assertIn("&lt;KVV &amp; &quot;RVV&quot;&gt;", raw)
        feed = ET.fromstring(raw.encode())
        self.assertEqual(feed.tag, A + "feed")
        for el in ("id", "title", "updated", "author"):
            self.assertIsNotNone(feed.find(A + el), el)
        entries = feed.findall(A + "entry")
        self.assertGreaterEqual(len(entries), 2)
        e = entries[0]
        self.assertEqual(e.find(A + "title").text, TRICKY)
        self.assertEqual(e.find(A + "content").text, "a < b && c > d\n第二行")
        self.assertTrue(e.find(A + "id").text.startswith("tag:"))
        self.assertEqual(e.find(A + "updated").text, v["announcements"][0]["published"])
        self.assertEqual(feed.find(A + "updated").text, e.find(A + "updated").text)
        self.assertEqual(e.find(A + "category").get("term"), "recall")
        self.assertEqual(len({x.find(A + "id").text for x in entries}), len(entries))


if __name__ == "__main__":
    unittest.main()
