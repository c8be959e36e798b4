"""API tests for code issuing and events, against a real server: auth, validation and rule
refusals, each followed by a check that nothing changed. Issuing that succeeds is tested in C
(tests/unit/core/test_codes.c) and end to end in test_scenario.py and test_labels.py.
Run: /usr/bin/python3 test_codes_events.py QTRACE"""
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


if __name__ == "__main__":
    unittest.main()
