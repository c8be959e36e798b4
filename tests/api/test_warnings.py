"""API tests for risk warnings (GET /api/v1/warnings, POST /api/v1/warnings/{id}) on a real
server: a suspect 查验 check raises one warning for the checker's region (checked again, still
one), a regulator of another province does not see it nor may move it, open → acknowledged →
closed with a note as "warning.update" records, and bad input refused with nothing recorded.
Run: /usr/bin/python3 test_warnings.py QTRACE"""
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
FAKE = "(01)06901234567892(21)FAKE-WARN"


class Warnings(qtapi.ApiCase):
    path = "/api/v1/warnings"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = {}, {}
        for name, division, org, roles in (("producer", "440300", "MA5C0001", ["producer"]),
                                           ("bj", "110105", "MA5C0002", ["seller"])):
            u = qtapi.uscc(division, org)
            st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u, roles=roles))
            assert st == 201, v
            cls.tok[name], cls.id[name] = v["token"], u
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


if __name__ == "__main__":
    unittest.main()
