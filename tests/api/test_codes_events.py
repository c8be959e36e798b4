"""API tests for code issuing and events, against a real server: auth, validation and rule
refusals, each followed by a check that nothing changed. Issuing that succeeds is tested in C
(tests/unit/core/test_codes.c) and end to end in test_scenario.py and test_labels.py.
Run: /usr/bin/python3 test_codes_events.py QTRACE"""
import sqlite3
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"


class CodesEvents(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)
        st, v, _ = cls.srv.post("/api/v1/units", qtapi.unit_body(qtapi.uscc("440300", "MA5D7001")))
        assert st == 201, v
        cls.producer = v["token"]
        st, v, _ = cls.srv.post("/api/v1/units", qtapi.unit_body(
            qtapi.uscc("110000", "MA5D7002"), roles=("seller",)))
        assert st == 201, v
        cls.seller = v["token"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()


    def refused(self, status, path, body=None, token=None, raw=None, code=None):
        return super().refused(status, body, raw=raw, code=code, path=path, token=token)

    def test_codes_need_a_producer(self):
        body = {"product": "P0000000000000001", "granularity": "item", "scheme": "dic", "count": 1}
        self.refused(401, "/api/v1/codes", body)
        self.refused(403, "/api/v1/codes", body, token=self.seller)

    def test_codes_validation(self):
        t = self.producer
        self.refused(400, "/api/v1/codes", {"granularity": "item", "scheme": "dic", "count": 1}, t)
        self.refused(400, "/api/v1/codes", {"product": "P1", "granularity": "piece",
                                            "scheme": "dic", "count": 1}, t)
        self.refused(400, "/api/v1/codes", {"product": "P1", "granularity": "item",
                                            "scheme": "dic", "count": 100001}, t)
        self.refused(400, "/api/v1/codes", {"product": "P1", "granularity": "item",
                                            "scheme": "dic", "count": 1, "codes": ["x"]}, t)
        self.refused(400, "/api/v1/codes", {"product": "P1", "granularity": "item",
                                            "scheme": "dic", "count": 1, "extra": 1}, t)
        v = self.refused(404, "/api/v1/codes", {"product": "P00000000000000ff",
                                                "granularity": "item", "scheme": "dic",
                                                "count": 1}, t)
        self.assertIn("P00000000000000ff", v["error"]["message"])
        self.refused(413, "/api/v1/codes", raw=b"{" + b" " * (17 << 20) + b"}", token=t)

    def test_codes_list(self):
        st, v, _ = self.srv.get("/api/v1/codes?batch=B0000000000000001", token=self.producer)
        self.assertEqual(st, 404, v)
        st, v, _ = self.srv.get("/api/v1/codes", token=self.producer)
        self.assertEqual(st, 400, v)
        st, v, _ = self.srv.get("/api/v1/codes?batch=B1&limit=0", token=self.producer)
        self.assertEqual(st, 400, v)

    def test_events_refusals(self):
        t = self.producer
        ev = {"events": [{"type": "commission", "codes": ["(01)06901234567892(21)A1"]}]}
        self.refused(401, "/api/v1/events", ev)
        self.refused(400, "/api/v1/events", {"events": []}, t)
        self.refused(400, "/api/v1/events", {"events": [{"type": "fly", "codes": ["x"]}]}, t)
        self.refused(400, "/api/v1/events",
                     {"events": [{"type": "ship", "codes": ["(01)06901234567892(21)A1"]}]}, t)
        self.refused(400, "/api/v1/events",
                     {"events": [{"type": "commission", "codes": ["(01)06901234567893(21)A1"]}]}, t)
        v = self.refused(400, "/api/v1/events", {"events": [{
            "type": "ship", "codes": ["(01)06901234567892(21)A1"],
            "buyer": {"uscc": "91440300MA5D12340X", "name": "B"}}]}, t)
        self.assertIn("buyer_uscc", v["error"]["message"])
        v = self.refused(400, "/api/v1/events", {"events": [{
            "type": "commission", "codes": ["(01)06901234567892(21)A1"],
            "time": "2099-01-01T00:00:00Z"}]}, t)
        self.assertIn("in the future", v["error"]["message"])
        self.refused(413, "/api/v1/events",
                     {"events": [{"type": "commission", "codes": ["t/X"]}] * 10001}, t)
        v = self.refused(409, "/api/v1/events", ev, t, code="conflict")
        self.assertIn("event 0 (commission 01/06901234567892/21/A1)", v["error"]["message"])
        self.assertIn("never issued", v["error"]["message"])


class PendingShipments(qtapi.ApiCase):
    """?pending=true lists the shipments still on their way, for the buyer and the shipper:
    a receipt or a cancellation takes one off, a corrected receipt puts it back; databases
    made before the list existed get it from their stored shipments (migration 4)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(cls.srv.stop)
        cls.tok, cls.id = qtapi.register_units(cls.srv, (
            ("p", "440300", "MA5D7101", ["producer"]), ("s", "110000", "MA5D7102", ["seller"])))

    def ids(self, who, direction, more=""):
        st, v, _ = self.srv.get(f"/api/v1/shipments?direction={direction}&pending=true{more}",
                                token=self.tok[who])
        self.assertEqual(st, 200, v)
        return [x["id"] for x in v["shipments"]]

    def test_pending(self):
        p, s = self.tok["p"], self.tok["s"]
        _, c = qtapi.item_batch(self.srv, p, qtapi.cable_product(self.srv, p), 3)
        buyer = {"uscc": self.id["s"], "name": "S"}
        first = qtapi.made(self.srv, "/api/v1/events", {"events": [
            {"type": "commission", "codes": c}] + [
            {"type": "ship", "codes": [x], "buyer": buyer} for x in c]}, p)["first_index"]
        a, b, k = first + 1, first + 2, first + 3
        self.assertEqual(self.ids("s", "in"), [a, b, k])
        self.assertEqual(self.ids("p", "out"), [a, b, k])
        self.assertEqual(self.ids("p", "in"), [])
        rcv = qtapi.made(self.srv, "/api/v1/events", {"events": [
            {"type": "receive", "shipment": b, "codes": [c[1]]}]}, s)["first_index"]
        self.assertEqual(self.ids("s", "in"), [a, k])
        self.assertEqual(self.ids("p", "out"), [a, k])
        st, v, _ = self.srv.get("/api/v1/shipments?direction=in", token=s)
        self.assertEqual([x["id"] for x in v["shipments"]], [a, b, k])
        qtapi.made(self.srv, "/api/v1/events", {"events": [{"type": "correct", "corrects": rcv}]}, s)
        self.assertEqual(self.ids("s", "in"), [a, b, k])
        qtapi.made(self.srv, "/api/v1/events", {"events": [{"type": "correct", "corrects": k}]}, p)
        self.assertEqual(self.ids("s", "in"), [a, b])
        # pages like the full list
        st, v, _ = self.srv.get("/api/v1/shipments?direction=in&pending=true&limit=1", token=s)
        self.assertEqual(([x["id"] for x in v["shipments"]], st), ([a], 200))
        self.assertEqual(self.ids("s", "in", "&after=" + v["next"]), [b])
        st, v, _ = self.srv.get("/api/v1/shipments?direction=in&pending=yes", token=s)
        self.assertEqual(st, 400, v)
        self.assertIn("'pending' must be true or false", v["error"]["message"])
        # newest first, paged from the newest on, for all of them and for the pending
        self.assertEqual(self.ids("s", "in", "&order=newest"), [b, a])
        for more in ("", "&pending=true"):
            st, v, _ = self.srv.get(f"/api/v1/shipments?direction=in{more}&order=newest&limit=2",
                                    token=s)
            want = [k, b] if not more else [b, a]
            self.assertEqual(([x["id"] for x in v["shipments"]], st), (want, 200))
            st, v, _ = self.srv.get(f"/api/v1/shipments?direction=in{more}&order=newest&limit=2"
                                    f"&after={v['next']}", token=s)
            self.assertEqual([x["id"] for x in v["shipments"]], [a] if not more else [])
        self.assertEqual(self.ids("p", "out", "&order=oldest"), [a, b])
        st, v, _ = self.srv.get("/api/v1/shipments?direction=in&order=latest", token=s)
        self.assertEqual(st, 400, v)
        self.assertIn("'order' must be", v["error"]["message"])

        # a database from before the list: the migration makes it from the shipments stored
        db = sqlite3.connect(self.srv.db)
        with db:
            db.execute("DELETE FROM links WHERE kind LIKE 'shipments_pending%'")
            db.execute("PRAGMA user_version = 3")
        self.assertEqual(self.ids("s", "in"), [])
        self.srv.account("regulator", "北京市市场监督管理局", "11")  # the CLI opens (and migrates) it
        self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], 5)
        db.close()
        self.assertEqual(self.ids("s", "in"), [a, b])
        self.assertEqual(self.ids("p", "out"), [a, b])


if __name__ == "__main__":
    unittest.main()
