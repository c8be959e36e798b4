"""API and CLI tests for labels: GET /api/v1/codes/{code}/label.svg and .png on a real server
(the producer gets SVG and PNG in each symbology, the SVG parses as XML and carries the
human-readable text with the batch's lot, the QR read back by zbarimg is the code's resolver
URL with the lot, which the resolver answers with the code; a batch number that is no GS1 lot
leaves it out; the holder of a
shipped code gets its label, the producer keeps it and any other unit is refused; no token,
an unknown code, a bad symbology and gs1-128 of a digital identity code are refused), and
`qtrace label` on the server's database: one file per code of a batch (read back), an A4 PDF,
the count line, and a bad batch id or option, a code the symbology cannot carry part way
through the batch, or a batch with no codes, that writes nothing.
Run: /usr/bin/python3 test_labels.py QTRACE"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
GTIN = "06901234567892"
LOT = "L2026-11"
SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def enc(code):
    return urllib.parse.quote(code, safe="")


def zbar(path):
    p = subprocess.run(["zbarimg", "-q", "--raw", path], capture_output=True, text=True)
    assert p.returncode == 0, (path, p.stdout)
    return p.stdout.strip()


class Labels(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        cls.tok, cls.id = qtapi.register_units(srv, (
            ("producer", "440300", "MA5L1001", ["producer"]),
            ("shop", "330100", "MA5L1002", ["seller"]),
            ("other", "510100", "MA5L1003", ["producer", "seller"])))
        p = cls.tok["producer"]
        product = cls.ok("/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "schemes": ["gs1", "dic"], "gtin": GTIN}, p)
        cls.product = product["product"]["id"]
        cls.batch = cls.ok("/api/v1/batches", {
            "product": cls.product, "batch_no": LOT, "production_date": "2026-11-01",
            "quantity": 10, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验.pdf"}},
            p)["batch"]["id"]
        issue = {"product": cls.product, "batch": cls.batch, "granularity": "item"}
        # a serial a URL must escape and XML must escape
        cls.item = cls.ok("/api/v1/codes", {**issue, "scheme": "gs1",
                                            "codes": [f"(01){GTIN}(21)A/1&<b>"]}, p)["codes"][0]
        cls.items = cls.ok("/api/v1/codes", {**issue, "scheme": "gs1", "count": 3},
                           p)["codes"]
        cls.dic = cls.ok("/api/v1/codes", {**issue, "scheme": "dic", "count": 1},
                         p)["codes"][0]
        # a batch number outside GS1's character set cannot be printed as a lot (AI 10)
        cls.batch_cn = cls.ok("/api/v1/batches", {
            "product": cls.product, "batch_no": "二〇二六年第一批", "production_date": "2026-11-02",
            "quantity": 1, "inspection_report": {"sha256": "ce" * 32, "name": "出厂检验.pdf"}},
            p)["batch"]["id"]
        cls.item_cn = cls.ok("/api/v1/codes", {**issue, "batch": cls.batch_cn, "scheme": "gs1",
                                               "codes": [f"(01){GTIN}(21)CN-1"]}, p)["codes"][0]
        ev = cls.ok("/api/v1/events", {"events": [
            {"type": "commission", "codes": cls.items},
            {"type": "ship", "codes": cls.items[:1],
             "buyer": {"uscc": cls.id["shop"], "name": "shop 有限公司"}}]}, p)
        cls.ok("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ev["first_index"] + 1, "codes": cls.items[:1]}]},
            cls.tok["shop"])

    def label(self, code, ext="svg", symbology=None, token=None, status=200):
        q = f"?symbology={symbology}" if symbology else ""
        st, v, h = self.srv.get(f"/api/v1/codes/{enc(code)}/label.{ext}{q}",
                                token=token or self.tok["producer"])
        self.assertEqual(st, status, v)
        return v, h

    def test_svg_and_png_for_the_producer(self):
        for sym in ("qr", "datamatrix", "gs1-128"):
            body, h = self.label(self.item, "svg", sym)
            self.assertEqual(h["Content-Type"], "image/svg+xml")
            self.assertEqual(h["Cache-Control"], "private")
            self.assertRegex(h["Content-Disposition"],
                             rf'^inline; filename="01_{GTIN}_21_A%2F1%26%3Cb%3E-{sym}\.svg"$')
            root = ET.fromstring(body)
            self.assertEqual(root.tag, SVG + "svg")
            text = " ".join(t.text for t in root.iter(SVG + "text"))
            self.assertIn(f"(01){GTIN}", text)
            self.assertIn(f"(10){LOT}", text)  # the batch's lot, as GS1 item labels show it
            self.assertIn("(21)A/1&<b>", text)
            png, h = self.label(self.item, "png", sym)
            self.assertEqual(h["Content-Type"], "image/png")
            self.assertTrue(png.startswith(PNG_SIGNATURE))
            self.assertRegex(h["Content-Disposition"], rf'-{sym}\.png"$')

    def test_qr_is_the_resolver_url(self):
        png, _ = self.label(self.item, "png")
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            f.write(png)
            f.flush()
            url = zbar(f.name)
        self.assertEqual(
            url, f"http://127.0.0.1:{self.srv.port}/01/{GTIN}/10/{LOT}/21/A%2F1%26%3Cb%3E")
        # the resolver answers it with this very code
        st, v, _ = self.srv.get(url.split(str(self.srv.port))[1],
                                headers={"Accept": "application/json"})
        self.assertEqual((st, v["code"]), (200, self.item), v)

    def test_batch_number_that_is_no_lot(self):
        body, _ = self.label(self.item_cn, "svg", "datamatrix")
        text = " ".join(t.text for t in ET.fromstring(body).iter(SVG + "text"))
        self.assertIn(f"(01){GTIN}", text)
        self.assertIn("(21)", text)
        self.assertNotIn("(10)", text)
        png, _ = self.label(self.item_cn, "png")
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            f.write(png)
            f.flush()
            self.assertEqual(zbar(f.name), f"http://127.0.0.1:{self.srv.port}/{self.item_cn}")

    def test_any_form_of_the_code(self):
        # a canonical key with its slashes as they are, and a scanned form
        key = self.items[1]
        st, v, _ = self.srv.get(f"/api/v1/codes/{key}/label.svg", token=self.tok["producer"])
        self.assertEqual(st, 200, v)
        _, h = self.label(f"(01){GTIN}(21){key.split('/')[-1]}", "svg")
        self.assertIn(key.replace("/", "_"), h["Content-Disposition"])

    def test_digital_identity_code(self):
        body, _ = self.label(self.dic, "svg")
        self.assertIn(f">{self.dic}</text>", body.decode())
        v, _ = self.label(self.dic, "png", "gs1-128", status=400)
        self.assertIn("gs1-128 symbol carries a GS1 element string", v["error"]["message"])
        self.label(self.dic, "svg", "datamatrix", status=400)

    def test_holder_and_others(self):
        shipped = self.items[0]
        self.label(shipped, "png", token=self.tok["shop"])  # its holder now
        self.label(shipped, "png")  # its producer still
        v, _ = self.label(self.items[1], "png", token=self.tok["shop"], status=403)
        self.assertIn("producer or its holder", v["error"]["message"])
        self.label(self.item, "svg", token=self.tok["other"], status=403)

    def test_refusals(self):
        st, v, _ = self.srv.get(f"/api/v1/codes/{enc(self.item)}/label.svg")
        self.assertEqual(st, 401, v)
        regulator = self.srv.account("regulator", "广东省市场监督管理局", "44")
        st, v, _ = self.srv.get(f"/api/v1/codes/{enc(self.item)}/label.svg", token=regulator)
        self.assertEqual(st, 403, v)
        v, _ = self.label(f"(01){GTIN}(21)NOBODY", "svg", status=404)
        self.assertIn("no code", v["error"]["message"])
        v, _ = self.label(self.item, "svg", "ean13", status=400)
        self.assertEqual(v["error"]["message"], "symbology must be qr, datamatrix or gs1-128")
        self.label("not a code", "png", status=400)
        # the public view is still the public view
        st, v, _ = self.srv.get(f"/api/v1/codes/{enc(self.item)}")
        self.assertEqual((st, v["code"]), (200, self.item))

    # ---- qtrace label on the server's database ----

    def cli(self, *args):
        return subprocess.run([QTRACE, "label", "--db", self.srv.db, *args],
                              capture_output=True, text=True)

    def test_cli_batch(self):
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        d = os.path.join(out, "png")
        p = self.cli("--batch", self.batch, "--out", d, "--format", "png",
                     "--public-url", "https://id.example.cn")
        self.assertEqual(p.returncode, 0, p.stderr)
        codes = [self.item, *self.items, self.dic]
        self.assertRegex(p.stdout, rf"^5 labels \(qr, png\) written to {d} in [0-9.]+ s\n$")
        files = sorted(os.listdir(d))
        # canonical keys are percent-encoded already: only their '/' become '_'
        self.assertEqual(files, sorted(c.replace("/", "_") + "-qr.png" for c in codes))
        url = zbar(os.path.join(d, self.dic.replace("/", "_") + "-qr.png"))
        self.assertEqual(url, f"https://id.example.cn/{self.dic}")
        url = zbar(os.path.join(d, self.items[0].replace("/", "_") + "-qr.png"))
        serial = self.items[0].split("/")[-1]
        self.assertEqual(url, f"https://id.example.cn/01/{GTIN}/10/{LOT}/21/{serial}")
        # GS1-128 of a batch holding a digital identity code: a clear error naming it
        p = self.cli("--batch", self.batch, "--out", os.path.join(out, "l"), "--symbology",
                     "gs1-128")
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"code {self.dic}: a gs1-128 symbol carries", p.stderr)
        # ... after the four GS1 items sorted before it were drawn: none of them is left for
        # a printer operator to take for the whole batch, in files or in a PDF
        self.assertEqual(os.listdir(os.path.join(out, "l")), [])
        p = self.cli("--batch", self.batch, "--out", os.path.join(out, "l"), "--symbology",
                     "gs1-128", "--sheet", "a4")
        self.assertEqual(p.returncode, 1)
        self.assertIn("(nothing written)", p.stderr)
        self.assertEqual(os.listdir(os.path.join(out, "l")), [])
        # a batch with no codes yet: said so, and no empty PDF
        empty = self.ok("/api/v1/batches", {
            "product": self.product, "batch_no": "L-EMPTY", "production_date": "2026-11-03",
            "quantity": 1, "inspection_report": {"sha256": "cf" * 32, "name": "出厂检验.pdf"}},
            self.tok["producer"])["batch"]["id"]
        p = self.cli("--batch", empty, "--out", os.path.join(out, "l"), "--sheet", "a4",
                     "--public-url", "https://id.example.cn")
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"batch {empty} has no codes yet", p.stderr)
        self.assertEqual(os.listdir(os.path.join(out, "l")), [])
        # A4 sheets: one PDF
        p = self.cli("--batch", self.batch, "--out", os.path.join(out, "a4"), "--sheet", "a4",
                     "--public-url", "https://id.example.cn")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("5 labels (qr) on 1 A4 pages", p.stdout)
        with open(os.path.join(out, "a4", f"{self.batch}-qr.pdf"), "rb") as f:
            self.assertEqual(f.read(5), b"%PDF-")

    def test_cli_refusals(self):
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        d = os.path.join(out, "labels")
        p = self.cli("--batch", "B0000000000000000", "--out", d, "--public-url",
                     "https://id.example.cn")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no batch B0000000000000000", p.stderr)
        self.assertFalse(os.path.exists(d), "a refused run wrote something")
        for args, msg in ((["--symbology", "ean13"], "symbology must be"),
                          ([], "give --public-url"),
                          (["--public-url", "ftp://x"], "--public-url wants"),
                          (["--sheet", "a3", "--public-url", "https://x.cn"], "--sheet takes a4")):
            p = self.cli("--batch", self.batch, "--out", d, *args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(msg, p.stderr)
            self.assertFalse(os.path.exists(d), "a refused run wrote something")


if __name__ == "__main__":
    unittest.main()
