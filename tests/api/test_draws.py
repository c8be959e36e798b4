"""The double random draw (双随机、一公开): a regulator draws units in its jurisdiction and
inspection bodies; the seed and selection are recomputed here from the published record,
independently of the server's C (docs/DOMAIN.md, "Draws"); other roles are refused with
nothing recorded; `qtrace draw verify` accepts the server's record and names a tampered one,
including one whose candidate lists leave a unit out or add one, the selection recomputed
to match (the candidates are read again from the ledger as of the seed's checkpoint).
Run: /usr/bin/python3 test_draws.py QTRACE"""
import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
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

    def verify(self, db, index):
        return subprocess.run([QTRACE, "draw", "verify", "--db", db, "--draw", str(index)],
                              capture_output=True, text=True)

    def forged_copy(self, index, edit):
        """A copy of the database whose draw record at index has its body changed by edit."""
        fd, copy = tempfile.mkstemp(suffix=".db", dir=self.srv.dir.name)
        os.close(fd)
        src, dst = sqlite3.connect(self.srv.db), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        leaf = json.loads(dst.execute("SELECT leaf FROM records WHERE idx=?",
                                      (index,)).fetchone()[0])
        edit(leaf["body"])
        for (t,) in dst.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND "
                                "tbl_name='records'").fetchall():
            dst.execute(f"DROP TRIGGER {t}")  # the copy is a forger's: no append-only guard
        dst.execute("UPDATE records SET leaf=? WHERE idx=?",
                    (json.dumps(leaf, ensure_ascii=False).encode(), index))
        dst.commit()
        dst.close()
        return copy

    def test_candidates_from_the_ledger(self):
        d = self.draw({"units": 1, "bodies": 1}, token="reg_nat")
        late = qtapi.uscc("320100", "MA5D0009")
        st, v, _ = self.srv.post("/api/v1/units", qtapi.unit_body(late, roles=["seller"]))
        self.assertEqual(st, 201, v)
        # registered after d's checkpoint: not d's candidate, but the next draw's
        self.assertNotIn(late, d["eligible"]["units"])
        self.assertIn(late, self.draw({"units": 1, "bodies": 1}, token="reg_nat")
                      ["eligible"]["units"])
        p = self.verify(self.srv.db, d["index"])
        self.assertEqual(p.returncode, 0, p.stderr)

        def relist(body, name, drop=None, add=None):
            # lists, seed and selection consistent with each other: only the ledger tells
            ids = [u for u in body["eligible"][name] if u != drop] + ([add] if add else [])
            body["eligible"][name] = ids
            body["selected"][name] = select(bytes.fromhex(body["seed"]), name, ids,
                                            body["params"][name])
        for name, drop, add, says in (
                ("units", self.id["gz"], None, "is a candidate in the ledger"),
                ("units", None, late, "is in the record but not a candidate"),
                ("bodies", d["eligible"]["bodies"][0], None, "is a candidate in the ledger")):
            who = drop or add
            p = self.verify(self.forged_copy(d["index"], lambda b: relist(b, name, drop, add)),
                            d["index"])
            self.assertEqual(p.returncode, 1, p.stdout)
            self.assertIn(f"eligible.{name}: {who} {says}", p.stderr)

    def test_refused(self):
        body = {"units": 1, "bodies": 1}
        self.refused(401, body)
        for who in ("sz", "shop", "insp"):
            self.refused(403, body, token=self.tok[who])
        self.refused(403, {**body, "region": "11"}, token=self.tok["reg_44"])
        self.refused(400, {**body, "units": 1001}, token=self.tok["reg_44"])
        self.refused(400, {**body, "extra": 1}, token=self.tok["reg_44"])
        # a draw that could select nobody is refused, not published empty
        v = self.refused(400, {"units": 0, "bodies": 0}, token=self.tok["reg_44"])
        self.assertIn("at least one unit or inspection body", v["error"]["message"])
        v = self.refused(400, {**body, "category": "wire-cabel"}, token=self.tok["reg_44"])
        self.assertIn("'category' wire-cabel is not in the trace catalogue", v["error"]["message"])
        v = self.refused(400, {**body, "catalog_unit": "9999"}, token=self.tok["reg_44"])
        self.assertIn("'catalog_unit' 9999 is not in the trace catalogue", v["error"]["message"])
        v = self.refused(409, {"units": 2, "bodies": 0, "region": "4405"}, token=self.tok["reg_44"])
        self.assertEqual(v["error"]["message"], "nothing to draw: no producer or seller in that "
                         "region in jurisdiction 44 matches")

    def test_published_and_verified(self):
        d = self.draw({"units": 2, "bodies": 1})
        st, v, _ = self.srv.get("/api/v1/draws?limit=1000")
        self.assertEqual(st, 200)
        self.assertIn(d["index"], [x["index"] for x in v["items"]])
        st, v, _ = self.srv.get(f"/api/v1/draws/{d['index']}")
        self.assertEqual((st, v), (200, d))
        self.assertEqual(self.srv.get("/api/v1/draws/999999")[0], 404)
        # 一公开: the result is announced as it is made, with how to check it
        st, v, _ = self.srv.get("/api/v1/announcements?limit=100")
        [a] = [a for a in v["announcements"] if a.get("record") == d["index"]]
        self.assertEqual((a["kind"], a["by"], a["index"]), ("draw", d["by"], d["index"]))
        self.assertIn(f"qtrace draw verify --draw {d['index']}", a["body"])
        self.assertIn(d["seed"], a["body"])
        for u in d["selected"]["units"] + d["selected"]["bodies"]:
            self.assertIn(u, a["body"])
        p = self.verify(self.srv.db, d["index"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1)
        # a copy whose record picks another unit is caught
        def pick_another(body):
            others = [u for u in body["eligible"]["units"] if u not in body["selected"]["units"]]
            body["selected"]["units"][0] = others[0]
        p = self.verify(self.forged_copy(d["index"], pick_another), d["index"])
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("selected.units", p.stderr)
        self.assertEqual(self.verify(self.srv.db, 0).returncode, 1)


if __name__ == "__main__":
    unittest.main()
