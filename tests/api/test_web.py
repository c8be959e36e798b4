"""API tests for the web files (src/http/h_web.c): the three pages with their security headers
(CSP, no-referrer, nosniff) and cache rules; static/ names that could leave the directory,
hidden files and unknown types refused; the vendor allow-list; and gzip - a client that takes
it gets the file gzipped (and exactly the file once unzipped), one that does not or refuses it
(q=0) gets the file as written, and a changed file is served changed, never from the cache;
and every error code of the contract has its Chinese words in static/common.js.
Run: /usr/bin/python3 test_web.py QTRACE"""
import gzip
import os
import shutil
import sys
import tempfile
import time
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
HERE = os.path.dirname(os.path.abspath(__file__))
WEB = os.path.join(HERE, "..", "..", "web")
CHART = os.path.join(HERE, "..", "..", "node_modules", "chart.js", "dist", "chart.umd.min.js")


class Web(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.web = os.path.join(cls.tmp.name, "web")
        shutil.copytree(WEB, cls.web)  # a web root of our own, to change a file in
        os.symlink(os.path.abspath(os.path.join(HERE, "..", "..", "node_modules")),
                   os.path.join(cls.tmp.name, "node_modules"))
        cls.srv = qtapi.Server(QTRACE, serve_args=("--web", cls.web))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.tmp.cleanup()

    def get(self, path, encoding=None):
        headers = {"Accept-Encoding": encoding} if encoding is not None else {}
        return self.srv.get(path, headers=headers, check=False)

    def test_pages_carry_their_security_headers(self):
        for path, script in (("/", "public.js"), ("/console", "console.js"),
                             ("/dashboard", "dashboard.js")):
            st, body, h = self.get(path)
            self.assertEqual(st, 200, path)
            self.assertEqual(h["Content-Type"], "text/html; charset=utf-8")
            self.assertIn(f'src="/static/{script}"', body.decode())
            self.assertIn("script-src 'self'", h["Content-Security-Policy"])
            self.assertIn("connect-src 'self'", h["Content-Security-Policy"])
            self.assertEqual(h["Referrer-Policy"], "no-referrer")
            self.assertEqual(h["X-Content-Type-Options"], "nosniff")
            self.assertEqual(h["Cache-Control"], "no-cache")
        st, _, h = self.get("/static/qtrace.css")
        self.assertEqual((st, h["Content-Type"]), (200, "text/css; charset=utf-8"))
        self.assertIn("max-age", h["Cache-Control"])

    def test_names_outside_static_or_of_unknown_type_are_not_served(self):
        for path in ("/static/../console.html", "/static/%2e%2e/console.html",
                     "/static/.hidden.js", "/static//common.js", "/static/common.exe",
                     "/static/nothing.js", "/vendor/chart.js", "/vendor/..%2Fpackage.json"):
            st, body, _ = self.get(path)
            self.assertEqual(st, 404, path)
        st, _, h = self.get("/vendor/chart.umd.min.js")
        self.assertEqual((st, h["Content-Type"]), (200, "text/javascript; charset=utf-8"))

    def test_gzip_for_a_client_that_takes_it(self):
        with open(CHART, "rb") as f:
            chart = f.read()
        st, body, h = self.get("/vendor/chart.umd.min.js", "gzip, deflate, br")
        self.assertEqual((st, h.get("Content-Encoding")), (200, "gzip"))
        self.assertEqual(h["Vary"], "Accept-Encoding")
        self.assertLess(len(body), len(chart) // 2)
        self.assertEqual(gzip.decompress(body), chart)
        # the same again (now from the cache)
        self.assertEqual(gzip.decompress(self.get("/vendor/chart.umd.min.js", "gzip")[1]), chart)
        for encoding in (None, "identity", "gzip;q=0", "br"):
            st, body, h = self.get("/vendor/chart.umd.min.js", encoding)
            self.assertEqual((st, h.get("Content-Encoding")), (200, None), encoding)
            self.assertEqual(body, chart, encoding)
        # a page and a script too; a file of 1 KiB or less goes as it is
        st, body, h = self.get("/console", "gzip")
        with open(os.path.join(WEB, "console.html"), "rb") as f:
            self.assertEqual(gzip.decompress(body), f.read())
        tiny = os.path.join(self.web, "static", "tiny.js")
        with open(tiny, "w") as f:
            f.write("// small\n")
        st, body, h = self.get("/static/tiny.js", "gzip")
        self.assertEqual((st, body, h.get("Content-Encoding")), (200, b"// small\n", None))

    def test_every_error_code_has_chinese_words(self):
        """A Chinese page says in Chinese what kind of refusal an error answer is (common.js,
        errorText): every code the contract lists has its words there."""
        error = qtapi.spec()["components"]["schemas"]["Error"]["properties"]["error"]
        with open(os.path.join(WEB, "static", "common.js"), encoding="utf-8") as f:
            common = f.read()
        self.assertEqual([c for c in error["properties"]["code"]["enum"]
                          if f'"err.code.{c}":' not in common], [])

    def test_a_changed_file_is_served_changed(self):
        path = os.path.join(self.web, "static", "changing.js")
        first = "// first!\n" + "let a = 1;\n" * 300
        with open(path, "w") as f:
            f.write(first)
        self.assertEqual(gzip.decompress(self.get("/static/changing.js", "gzip")[1]).decode(),
                         first)
        second = "// second\n" + "let b = 2;\n" * 300  # the same size
        self.assertEqual(len(first), len(second))
        time.sleep(0.01)
        with open(path, "w") as f:
            f.write(second)
        self.assertEqual(gzip.decompress(self.get("/static/changing.js", "gzip")[1]).decode(),
                         second)
        self.assertEqual(self.get("/static/changing.js")[1].decode(), second)


if __name__ == "__main__":
    unittest.main(verbosity=2)
