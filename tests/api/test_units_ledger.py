"""API tests: unit registration, accounts, the ledger endpoints, health and metrics, against
a real server on a real database. Every refusal is followed by a check that nothing changed
(the tree size and the account are as before). Run: /usr/bin/python3 test_units_ledger.py QTRACE"""
import base64
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"


leaf_hash, root_from_inclusion, checkpoint_root = (qtapi.leaf_hash, qtapi.root_from_inclusion,
                                                  qtapi.checkpoint_root)


class Units(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()



    def test_register_and_prove(self):
        u = qtapi.uscc("440300", "MA5D1234")
        st, v, hdrs = self.srv.post("/api/v1/units", qtapi.unit_body(u))
        self.assertEqual(st, 201, v)
        self.assertEqual(v["unit"]["uscc"], u)
        self.assertEqual(v["unit"]["province"], "广东省")
        r = v["receipt"]
        # the receipt proves the record: its leaf, its inclusion, the signed root
        entry, leaf = self.check_receipt(r, "unit.register")
        # the public record holds no contact: it is sealed
        self.assertNotIn("0755-12345678", leaf.decode())
        self.assertIn("contact", entry["record"]["sealed"])
        # the token works, once shown
        st, me, _ = self.srv.get("/api/v1/units/me", token=v["token"])
        self.assertEqual((st, me["id"]), (200, u))
        # a USCC registers once
        self.refused(409, qtapi.unit_body(u, name="另一个名字"), code="conflict")

    def test_bad_input_changes_nothing(self):
        u = qtapi.uscc("350100", "M000200Y")
        good = qtapi.unit_body(u)
        self.refused(400, raw=b'{"name": "x",', code="malformed_json")
        self.refused(400, raw=b'[1,2]', code="invalid")
        self.refused(400, raw=b'{"a":1,"a":2}', code="malformed_json")
        self.refused(400, raw=b'', code="invalid")
        for field, value in [("name", 5), ("name", ""), ("name", "x" * 201), ("roles", []),
                             ("roles", ["regulator"]), ("roles", "producer"),
                             ("licence", {"sha256": "zz", "name": "a"}),
                             ("licence", {"sha256": "ab" * 32}), ("address", None)]:
            body = dict(good, **{field: value})
            if value is None:
                del body[field]
            v = self.refused(400, body, code="invalid")
            self.assertIn(field, v["error"]["message"])
        v = self.refused(400, dict(good, extra=1), code="invalid")
        self.assertIn("unknown field 'extra'", v["error"]["message"])
        bad = u[:-1] + ("0" if u[-1] != "0" else "1")
        v = self.refused(400, dict(good, uscc=bad), code="invalid")
        self.assertIn("统一社会信用代码", v["error"]["message"])
        self.refused(413, raw=b'{"name":"' + b"x" * (70 << 10) + b'"}', code="too_large")
        # none of it registered the unit
        st, _, _ = self.srv.post("/api/v1/units", good)
        self.assertEqual(st, 201)

    def test_tokens_and_roles(self):
        self.refused(401, path="/api/v1/units/me", method="GET", code="unauthorized")
        self.refused(401, path="/api/v1/units/me", method="GET", token="qt_" + "A" * 43,
                     code="unauthorized")
        self.refused(401, path="/api/v1/units/me", method="GET", token="nonsense",
                     code="unauthorized")
        tok = self.srv.account("regulator", "广东省市场监督管理局", "44")
        st, me, _ = self.srv.get("/api/v1/units/me", token=tok)
        self.assertEqual(st, 200)
        self.assertEqual((me["roles"], me["jurisdiction"]), (["regulator"], "44"))
        # 00 is the national level: the whole country, stored as the empty prefix
        st, me, _ = self.srv.get("/api/v1/units/me", token=self.srv.account(
            "regulator", "国家市场监督管理总局", "00"))
        self.assertEqual((st, me["jurisdiction"]), (200, ""))
        # the CLI appended to the log beside the running server: its next write still works
        st, v, _ = self.srv.post("/api/v1/units", qtapi.unit_body(qtapi.uscc("440100", "C0000001")))
        self.assertEqual(st, 201, v)
        self.assertEqual(v["receipt"]["index"], v["receipt"]["tree_size"] - 1)
        self.refused(405, path="/api/v1/units/me", code="method_not_allowed")

    def test_ledger_endpoints(self):
        for i in range(3):
            self.srv.post("/api/v1/units", qtapi.unit_body(qtapi.uscc("110000", f"1234567{i}")))
        _, cp, _ = self.srv.get("/checkpoint")
        size, root = checkpoint_root(cp.decode())
        self.assertGreaterEqual(size, 3)
        st, p, _ = self.srv.get(f"/api/v1/ledger/proof/consistency?from=1&to={size}")
        self.assertEqual(st, 200)
        st, p, _ = self.srv.get(f"/api/v1/ledger/proof/inclusion?index={size - 1}&size={size}")
        _, entry, _ = self.srv.get(f"/api/v1/ledger/entries/{size - 1}")
        self.assertEqual(root_from_inclusion(size - 1, size,
                                             leaf_hash(base64.b64decode(entry["leaf"])),
                                             [base64.b64decode(h) for h in p["hashes"]]), root)
        self.refused(400, path=f"/api/v1/ledger/proof/inclusion?index={size}&size={size}",
                     method="GET", code="invalid")
        self.refused(400, path="/api/v1/ledger/proof/inclusion?index=-1&size=1", method="GET")
        self.refused(400, path="/api/v1/ledger/proof/consistency?from=0&to=1", method="GET")
        self.refused(404, path=f"/api/v1/ledger/entries/{size + 5}", method="GET")
        self.refused(400, path="/api/v1/ledger/entries/x1", method="GET")
        st, tile, _ = self.srv.get(f"/tile/entries/000.p/{size}")
        self.assertEqual(st, 200)
        self.assertEqual(len(tile) > 0, True)
        self.refused(404, path="/tile/nonsense", method="GET")
        st, key, _ = self.srv.get("/api/v1/ledger/key")
        self.assertEqual(key["verifier_key"], self.srv.vkey)

    def test_metrics(self):
        self.srv.get("/healthz")
        st, text, hdrs = self.srv.get("/metrics")
        text = text.decode()
        self.assertIn('qtrace_http_requests_total{route="healthz",status="2xx"}', text)
        self.assertIn("qtrace_ledger_tree_size", text)
        self.assertIn("qtrace_ledger_commits_total", text)


class Stop(unittest.TestCase):
    def test_sigterm_finishes_and_the_log_verifies(self):
        import subprocess
        import threading
        srv = qtapi.Server(QTRACE)
        try:
            answers = []
            before = srv.get("/healthz")[1]["tree_size"]  # the catalogue init loaded

            def register(i):
                answers.append(srv.post("/api/v1/units",
                                        qtapi.unit_body(qtapi.uscc("420100", f"A000000{i}")),
                                        check=False)[0])
            threads = [threading.Thread(target=register, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(answers, [201] * 8)
            srv.proc.terminate()
            self.assertEqual(srv.proc.wait(timeout=30), 0)
            self.assertIn("qtrace: stopped", srv.server_log())
            p = subprocess.run([QTRACE, "verify", "--db", srv.db, "--key", srv.vkey],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith(f"verified {before + 8} records"), p.stdout)
        finally:
            srv.stop()

    def test_one_server_per_database(self):
        """A second `serve` of a database being served is refused, naming the first, and
        changes nothing; once the first has stopped, the database can be served again."""
        import subprocess
        srv = qtapi.Server(QTRACE)
        try:
            before = srv.get("/healthz")[1]["tree_size"]
            second = [QTRACE, "serve", "--db", srv.db, "--listen",
                      f"127.0.0.1:{qtapi.free_port()}"]
            p = subprocess.run(second, capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(f"another qtrace serve (pid {srv.proc.pid}) is serving", p.stderr)
            self.assertEqual(srv.get("/healthz")[1]["tree_size"], before)
            srv.proc.terminate()
            self.assertEqual(srv.proc.wait(timeout=30), 0)
            third = subprocess.Popen(second, stderr=subprocess.PIPE, text=True)
            try:
                for line in third.stderr:
                    if "serving on" in line or "qtrace serve:" in line:
                        break
                self.assertIn("serving on", line)
            finally:
                third.terminate()
                self.assertEqual(third.wait(timeout=30), 0)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
