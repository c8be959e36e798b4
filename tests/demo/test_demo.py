"""`make demo` at a small scale, driven as a user drives it: scripts/demo.sh with
DEMO_ITEMS=2000 on a free port and a temporary DEMO_DIR, read until it says it is serving,
then Ctrl-C (SIGINT to its process group, as a terminal sends it). Checked: every URL it
prints answers; every token it prints works for its role; the chain it built, counted
through the API (units in several provinces, products with their certificates, every code
of every batch) and in the ledger (records by type); the printed curl example works once and
the platform's rules still hold afterwards; Ctrl-C stops the server and the database
verifies offline with the expected record count.
Run: /usr/bin/python3 test_demo.py QTRACE"""
import collections
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
import qtapi  # noqa: E402

QTRACE = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace")
ITEMS = 2000
DEADLINE = 300  # seconds before a hung demo is killed (ctest's own timeout is longer)


class Demo(unittest.TestCase):
    """Numbered: the tests run in order on one demo, and the last one stops it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = os.path.join(cls.tmp.name, "demo")
        cls.port = qtapi.free_port()
        env = dict(os.environ, DEMO_DIR=cls.dir, DEMO_PORT=str(cls.port),
                   DEMO_ITEMS=str(ITEMS))
        cls.proc = subprocess.Popen(
            ["bash", os.path.join(qtapi.ROOT, "scripts", "demo.sh"), QTRACE], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        # the session holds demo.sh, the seeder and the server: nothing outlives the test
        cls.watchdog = threading.Timer(DEADLINE, cls.kill)
        cls.watchdog.start()
        lines = []
        for line in cls.proc.stdout:
            lines.append(line)
            if line.startswith("Serving "):
                break
        cls.output = "".join(lines)
        if not cls.output.rstrip().endswith("until Ctrl-C."):
            cls.kill()
            raise AssertionError("the demo did not come up:\n" + cls.output + cls.proc.stdout.read())
        cls.api = qtapi.Client(f"http://127.0.0.1:{cls.port}")
        with open(os.path.join(cls.dir, "summary.json"), encoding="utf-8") as f:
            cls.summary = json.load(f)
        with open(os.path.join(cls.dir, "tokens.json"), encoding="utf-8") as f:
            cls.accounts = json.load(f)["accounts"]

    @classmethod
    def kill(cls):
        try:
            os.killpg(cls.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    @classmethod
    def tearDownClass(cls):
        cls.watchdog.cancel()
        if cls.proc.poll() is None:
            cls.kill()
            cls.proc.wait()
        cls.proc.stdout.close()
        cls.tmp.cleanup()

    def ok(self, path, token=None):
        st, v, _ = self.api.get(path, token=token)
        self.assertEqual(st, 200, (path, v))
        return v

    def pages(self, path, key, token):
        """Every item of a paged list (?after=next)."""
        out, after = [], None
        while True:
            sep = "&" if "?" in path else "?"
            q = path + (f"{sep}limit=1000&after={urllib.parse.quote(after, safe='')}"
                        if after else f"{sep}limit=1000")
            v = self.ok(q, token)
            out += v[key]
            after = v.get("next")
            if not after:
                return out

    def section(self, title):
        """The indented lines under a heading of the demo's output."""
        text = self.output.split("\n" + title, 1)[1].split("\n\n", 1)[0]
        return [line.strip() for line in text.split("\n")[1:] if line.startswith("  ")]

    def test_1_printed_urls_answer(self):
        urls = [line.split()[-1] for line in self.section("URLs")]
        self.assertGreaterEqual(len(urls), 9)
        for url in urls:
            self.ok(url[len(self.api.base):])
        # the consumer's view of a sold item: its journey from the factory to the shop
        view = self.ok(next(u for u in urls if "/api/v1/codes/" in u)[len(self.api.base):])
        self.assertEqual(view["status"], "sold")
        self.assertEqual([e["type"] for e in view["events"]][:2], ["issue", "commission"])
        self.assertEqual(view["events"][-1]["type"], "retail")
        # the public page, opened on that item
        pages = {line.split()[0]: next(w for w in line.split() if w.startswith("http"))
                 for line in self.section("Web pages")}
        self.assertEqual(list(pages), ["public", "console", "dashboard"])
        for name, script in (("public", "public.js"), ("console", "console.js"),
                             ("dashboard", "dashboard.js")):
            st, html, hdrs = self.api.request("GET", pages[name][len(self.api.base):], check=False)
            self.assertEqual(st, 200, name)
            self.assertTrue(hdrs["Content-Type"].startswith("text/html"), hdrs)
            self.assertIn(f"/static/{script}", html.decode() if isinstance(html, bytes) else html)
        self.assertIn("?code=", pages["public"])

    def test_2_printed_tokens_work_for_their_roles(self):
        shown = {}
        for line in self.section("Tokens"):
            label, token = re.match(r"(\S+(?: \([^)]*\))?)\s.*\s(qt_\S+)$", line).groups()
            shown[label] = (line, token)
        self.assertEqual(set(shown), {"producer", "seller", "regulator (national)",
                                      "regulator (44)", "inspection"})
        for label, (line, token) in shown.items():
            me = self.ok("/api/v1/units/me", token)
            self.assertEqual(me["roles"], [label.split()[0]], line)
            self.assertIn(me["name"], line)
        self.assertEqual(self.ok("/api/v1/units/me", shown["regulator (44)"][1])["jurisdiction"],
                         "44")
        # every account's token is kept for later, readable by its owner only
        path = os.path.join(self.dir, "tokens.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(collections.Counter(a["role"] for a in self.accounts),
                         {"producer": 8, "seller": 12, "regulator": 2, "inspection": 1})
        self.assertFalse(os.path.exists(os.path.join(self.dir, "authorities.tsv")))

    def test_3_units_products_and_codes(self):
        producers = [a for a in self.accounts if a["role"] == "producer"]
        provinces = {self.ok("/api/v1/units/me", a["token"])["province"] for a in producers}
        self.assertGreaterEqual(len(provinces), 6, provinces)
        catalog = {u["id"]: u["requires"] for c in self.ok("/api/v1/catalog")["categories"]
                   for u in c["units"]}
        national = next(a["token"] for a in self.accounts if a.get("jurisdiction") == "00")
        guangdong = next(a["token"] for a in self.accounts if a.get("jurisdiction") == "44")
        everything = self.pages("/api/v1/products", "items", national)
        self.assertEqual(len(everything), self.summary["products"])
        local = self.pages("/api/v1/products", "items", guangdong)
        self.assertTrue(0 < len(local) < len(everything))
        self.assertTrue(all(p["producer"][2:4] == "44" for p in local))
        for p in everything:  # each carries the certificate its catalogue unit requires
            want = catalog[p["catalog_unit"]]
            self.assertIn("ccc_no" if want == "ccc" else "licence_no", p, p)
        codes, batches = [], 0
        for a in producers:
            for p in self.pages("/api/v1/products", "items", a["token"]):
                for b in self.pages(f"/api/v1/products/{p['id']}/batches", "items", None):
                    got = self.pages(f"/api/v1/codes?batch={b['id']}", "codes", a["token"])
                    self.assertEqual(len(got), b["quantity"], b)
                    codes += got
                    batches += 1
        self.assertEqual(batches, self.summary["batches"])
        self.assertEqual(len(codes), ITEMS)
        self.assertEqual(len(set(codes)), ITEMS)
        by_scheme = self.summary["codes_by_scheme"]
        self.assertEqual(sum(c.startswith("t/") for c in codes), by_scheme["dic"])
        self.assertGreater(by_scheme["gs1"], ITEMS * 0.8)

    def test_4_ledger_holds_the_chain(self):
        size = self.ok("/healthz")["tree_size"]
        self.assertEqual(size, self.summary["tree_size"])
        types = collections.Counter()
        retail_codes = 0
        for i in range(size):
            st, e, _ = self.api.get(f"/api/v1/ledger/entries/{i}", check=False)
            self.assertEqual(st, 200)
            types[e["record"]["type"]] += 1
            if e["record"]["type"] == "event.retail":
                retail_codes += len(e["record"]["body"]["codes"])
        catalogue = sum(len(c["units"]) for c in self.ok("/api/v1/catalog")["categories"])
        want = dict(self.summary["records"], **{"catalog.add": catalogue, "account.add": 3})
        self.assertEqual(dict(types), want)
        # the chain reaches the shops: most goods shipped on, sold, a few returned
        self.assertEqual(types["unit.register"], 20)
        self.assertEqual(types["event.ship"],
                         types["event.receive"] + self.summary["in_transit"])
        self.assertGreater(retail_codes, ITEMS * 0.3)
        self.assertGreater(types["event.return"], 0)
        self.assertIn(f"verified {size} records, tree size {size}", self.output)

    def test_5_printed_curl_example_works_once(self):
        m = re.search(r"-H 'Authorization: Bearer (qt_\S+)' -H 'Content-Type: "
                      r"application/json' \\\n\s+-d '(\{.*\})' (\S+)/api/v1/events", self.output)
        self.assertTrue(m, self.output)
        token, body = m.group(1), json.loads(m.group(2))
        st, v, _ = self.api.post("/api/v1/events", body, token=token)
        self.assertEqual(st, 201, v)
        st, v, _ = self.api.post("/api/v1/events", body, token=token)
        self.assertEqual(st, 409, v)
        self.assertIn("already sold", v["error"]["message"])
        # and its producer, who shipped it long ago, cannot ship it again
        code = body["events"][0]["codes"][0]
        self.assertTrue(code.startswith("01/"), code)  # the seeder shows a GS1 code
        gtin = code.split("/")[1]
        producer = next(a for a in self.accounts if a["role"] == "producer" and any(
            p.get("gtin") == gtin for p in self.pages("/api/v1/products", "items", a["token"])))
        st, v, _ = self.api.post("/api/v1/events", {"events": [
            {"type": "ship", "codes": [code], "buyer": {"uscc": self.summary["example"][
                "shelf_shop"], "name": "x"}}]}, token=producer["token"])
        self.assertEqual(st, 409, v)
        self.assertIn("only its holder", v["error"]["message"])

    def test_9_ctrl_c_stops_the_server_and_the_ledger_verifies(self):
        size = self.ok("/healthz")["tree_size"]
        os.killpg(self.proc.pid, signal.SIGINT)
        self.assertEqual(self.proc.wait(timeout=60), 0)
        rest = self.proc.stdout.read()
        self.assertIn("server stopped", rest)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
        with open(os.path.join(self.dir, "verifier-key.txt"), encoding="utf-8") as f:
            vkey = f.read().strip()
        p = subprocess.run([QTRACE, "verify", "--db", os.path.join(self.dir, "demo.db"),
                            "--key", vkey], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"verified {size} records", p.stdout)

    def test_9z_a_killed_verify_leaves_no_scratch_store(self):
        """A regulator's Ctrl-C, or a kill, in the middle of `qtrace verify` leaves nothing
        in $TMPDIR: its scratch store is as large as the platform's state."""
        db = os.path.join(self.dir, "demo.db")
        with open(os.path.join(self.dir, "verifier-key.txt"), encoding="utf-8") as f:
            vkey = f.read().strip()
        t0 = time.monotonic()
        subprocess.run([QTRACE, "verify", "--db", db, "--key", vkey], check=True,
                       capture_output=True)
        whole = time.monotonic() - t0
        killed = 0
        for part in (0.2, 0.4, 0.6, 0.8):
            with tempfile.TemporaryDirectory() as tmpdir:
                p = subprocess.Popen([QTRACE, "verify", "--db", db, "--key", vkey],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=dict(os.environ, TMPDIR=tmpdir))
                time.sleep(whole * part)
                p.kill()
                killed += p.wait() == -signal.SIGKILL
                self.assertEqual(os.listdir(tmpdir), [], f"killed at {part:.0%} of a verify")
        # most kills must have found it running, or nothing was shown
        self.assertGreaterEqual(killed, 3, f"a verify takes {whole:.2f} s")


if __name__ == "__main__":
    unittest.main(verbosity=2)
