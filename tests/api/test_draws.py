"""The double random draw (双随机、一公开): a regulator draws units in its jurisdiction and
inspection bodies; the seed and selection are recomputed here from the published record,
independently of the server's C (docs/DOMAIN.md, "Draws"); other roles are refused with
nothing recorded; `qtrace draw verify` accepts the server's record and names a tampered one.
Run: /usr/bin/python3 test_draws.py QTRACE"""
import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
CU = "wire-cable.plastic-control"


def jcs(v):
    # enough of RFC 8785 for the params: integers and strings, keys sorted
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def select(seed, name, ids, k):
    def key(i):
        return hashlib.sha256(seed + name.encode() + b"\x00" + i.encode()).digest(), i.encode()
    return sorted(ids, key=key)[:k]


class Draws(qtapi.ApiCase):
    path = "/api/v1/draws"

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.id, cls.tok = {}, {}
        for name, division, org, roles in (("sz", "440300", "MA5D0001", ["producer"]),
                                           ("gz", "440100", "MA5D0002", ["producer"]),
                                           ("bj", "110100", "MA5D0003", ["producer"]),
                                           ("shop", "440304", "MA5D0004", ["seller"])):
            u = qtapi.uscc(division, org)
            st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u, roles=roles))
            assert st == 201, v
            cls.id[name], cls.tok[name] = u, v["token"]
        for name in ("sz", "bj"):
            st, v, _ = srv.post("/api/v1/products", {
                "name": "塑料绝缘控制电缆", "catalog_unit": CU, "type": "控制电缆",
                "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
                "licence_no": "XK06-014-00123", "warranty_months": 24, "schemes": ["dic"]},
                token=cls.tok[name])
            assert st == 201, v
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_nat"] = srv.account("regulator", "国家市场监督管理总局", "00")
        cls.tok["insp"] = srv.account("inspection", "检验中心一")
        srv.account("inspection", "检验中心二")

    def draw(self, body, token="reg_44"):
        st, v, _ = self.srv.post("/api/v1/draws", body, token=self.tok[token])
        self.assertEqual(st, 201, v)
        self.check_receipt(v["receipt"], "draw")
        return v["draw"]

    def recompute(self, d):
        size, root = qtapi.checkpoint_root(d["checkpoint"])
        self.assertEqual(size, d["params"]["tree_size"])
        self.assertLessEqual(size, d["index"])
        seed = hashlib.sha256(root + jcs(d["params"])).digest()
        self.assertEqual(seed.hex(), d["seed"])
        for name in ("units", "bodies"):
            self.assertEqual(d["selected"][name],
                             select(seed, name, d["eligible"][name], d["params"][name]))

    def test_provincial_draw(self):
        d = self.draw({"units": 1, "bodies": 1})
        self.assertEqual(d["eligible"]["units"],
                         sorted([self.id["sz"], self.id["gz"], self.id["shop"]]))
        self.assertEqual(len(d["eligible"]["bodies"]), 2)
        self.assertEqual((len(d["selected"]["units"]), len(d["selected"]["bodies"])), (1, 1))
        self.recompute(d)
        # K beyond the eligible set draws all; a catalogue unit keeps units with a product in it
        d = self.draw({"units": 1000, "bodies": 0, "catalog_unit": CU, "region": "4403"})
        self.assertEqual(d["eligible"]["units"], [self.id["sz"]])
        self.assertEqual(d["selected"], {"units": [self.id["sz"]], "bodies": []})
        self.recompute(d)
        d = self.draw({"units": 5, "bodies": 2, "category": "wire-cable"}, token="reg_nat")
        self.assertEqual(d["eligible"]["units"], sorted([self.id["sz"], self.id["bj"]]))
        self.recompute(d)

    def test_refused(self):
        body = {"units": 1, "bodies": 1}
        self.refused(401, body)
        for who in ("sz", "shop", "insp"):
            self.refused(403, body, token=self.tok[who])
        self.refused(403, {**body, "region": "11"}, token=self.tok["reg_44"])
        self.refused(400, {**body, "units": 1001}, token=self.tok["reg_44"])
        self.refused(400, {**body, "extra": 1}, token=self.tok["reg_44"])

    def test_published_and_verified(self):
        d = self.draw({"units": 2, "bodies": 1})
        st, v, _ = self.srv.get("/api/v1/draws?limit=1000")
        self.assertEqual(st, 200)
        self.assertIn(d["index"], [x["index"] for x in v["items"]])
        st, v, _ = self.srv.get(f"/api/v1/draws/{d['index']}")
        self.assertEqual((st, v), (200, d))
        self.assertEqual(self.srv.get("/api/v1/draws/999999")[0], 404)
        p = subprocess.run([QTRACE, "draw", "verify", "--db", self.srv.db, "--draw",
                            str(d["index"])], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1)
        # a copy whose record picks another unit is caught
        copy = os.path.join(self.srv.dir.name, "copy.db")
        src, dst = sqlite3.connect(self.srv.db), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        leaf = json.loads(dst.execute("SELECT leaf FROM records WHERE idx=?",
                                      (d["index"],)).fetchone()[0])
        others = [u for u in leaf["body"]["eligible"]["units"]
                  if u not in leaf["body"]["selected"]["units"]]
        leaf["body"]["selected"]["units"][0] = others[0]
        for (t,) in dst.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND "
                                "tbl_name='records'").fetchall():
            dst.execute(f"DROP TRIGGER {t}")  # the copy is a forger's: no append-only guard
        dst.execute("UPDATE records SET leaf=? WHERE idx=?",
                    (json.dumps(leaf, ensure_ascii=False).encode(), d["index"]))
        dst.commit()
        dst.close()
        p = subprocess.run([QTRACE, "draw", "verify", "--db", copy, "--draw",
                            str(d["index"])], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("selected.units", p.stderr)
        p = subprocess.run([QTRACE, "draw", "verify", "--db", self.srv.db, "--draw", "0"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)


if __name__ == "__main__":
    unittest.main()
