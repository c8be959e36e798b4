"""API tests for ledger files (台账) uploaded as CSV (POST /api/v1/events/csv) against a real
server: good files in Chinese and English commit and their receipts prove the records; a file
with bad rows lists every one of them (values, shape and flow rules) and changes nothing; a
file that cannot be read as a ledger, a wrong type, role or size is refused.
Run: /usr/bin/python3 test_csv_upload.py QTRACE"""
import base64
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
PATH = "/api/v1/events/csv"
BOM = b"\xef\xbb\xbf"


class CsvUpload(qtapi.ApiCase):
    path = PATH

    @classmethod
    def setUpClass(cls):
        cls.srv = qtapi.Server(QTRACE)
        cls.p_uscc = qtapi.uscc("350100", "P0000011")
        cls.s_uscc = qtapi.uscc("440300", "D0000011")
        cls.producer = cls.register(cls.p_uscc, "福建电缆厂", ["producer"])
        cls.seller = cls.register(cls.s_uscc, "深圳电缆经销部", ["seller"])
        cls.regulator = cls.srv.account("regulator", "福建省市场监督管理局", "35")
        st, prod, _ = cls.srv.post("/api/v1/products", {
            "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": "KVV 4×1.5", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "warranty_months": 24, "schemes": ["gs1"],
            "gtin": "6901234567892"}, token=cls.producer)
        assert st == 201, prod
        st, v, _ = cls.srv.post("/api/v1/codes", {
            "product": prod["product"]["id"], "granularity": "item", "scheme": "gs1",
            "count": 40}, token=cls.producer)
        assert st == 201, v
        cls.codes = v["codes"]
        cls.next_code = 0

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    @classmethod
    def register(cls, uscc, name, roles):
        st, v, _ = cls.srv.post("/api/v1/units", qtapi.unit_body(uscc, name=name, roles=roles))
        assert st == 201, v
        return v["token"]

    def take(self, n):
        """n codes no other test uses."""
        c = self.codes[self.next_code:self.next_code + n]
        type(self).next_code += n
        return c

    def upload(self, text, token, ctype="text/csv; charset=utf-8", bom=False):
        raw = text.encode() if isinstance(text, str) else text
        return self.srv.request("POST", PATH, raw=(BOM if bom else b"") + raw, token=token,
                                headers={"Content-Type": ctype})

    def refused_file(self, status, raw, token=None, ctype="text/csv", code=None):
        """The file is refused with status and the ledger does not grow."""
        before = self.size()
        st, v, _ = self.srv.request("POST", PATH, raw=raw, token=token,
                                    headers={"Content-Type": ctype})
        self.assertEqual(st, status, v)
        if code:
            self.assertEqual(v["error"]["code"], code, v)
        self.assertEqual(self.size(), before, "a refused file changed the ledger")
        return v

    def events(self, token, *events):
        st, v, _ = self.srv.post("/api/v1/events", {"events": list(events)}, token=token)
        self.assertEqual(st, 201, v)
        return v

    def ship_to_seller(self, codes):
        """Commission codes and ship them to the seller (JSON API); the shipment's index."""
        v = self.events(self.producer, {"type": "commission", "codes": codes},
                        {"type": "ship", "codes": codes,
                         "buyer": {"uscc": self.s_uscc, "name": "深圳电缆经销部"}})
        return v["first_index"] + 1

    def entry(self, index):
        _, e, _ = self.srv.get(f"/api/v1/ledger/entries/{index}")
        return e["record"], base64.b64decode(e["leaf"]).decode()

    def accepted(self, text, token, n, **kw):
        """Upload a good file: 201, n events, every receipt proved. The records and leaves."""
        st, v, _ = self.upload(text, token, **kw)
        self.assertEqual(st, 201, v)
        self.assertEqual(v["accepted"], n)
        for r in v["receipts"]:
            self.check_receipt(r)
        return [self.entry(v["first_index"] + i) for i in range(n)]

    def test_chinese_headers_with_bom(self):
        a, b, c = self.take(3)
        text = ("类型,追溯码,日期,购货单位统一社会信用代码,购货单位名称,购货单位地址,"
                "购货单位联系方式,购货单位联系方式是否公开\n"
                f"赋码,\"{a};{b}、{c}\",,,,,,\n"
                ",,,,,,,\n"  # a blank row is spacing, not an event
                f"销售,{a} {b},2026/11/11 14:05,{self.s_uscc},深圳电缆经销部,"
                "深圳市罗湖区1号,0755-88888888,否\n")
        (commission, _), (rec, leaf) = self.accepted(text, self.producer, 2, bom=True)
        self.assertEqual(commission["type"], "event.commission")
        self.assertEqual(commission["body"]["codes"], [a, b, c])
        self.assertEqual(rec["type"], "event.ship")
        self.assertEqual(rec["body"]["time"], "2026-11-11T06:05:00Z")  # +08:00 → UTC
        self.assertEqual(rec["body"]["buyer_name"], "深圳电缆经销部")
        self.assertIn("buyer_contact", rec["sealed"])  # 是否公开 = 否: sealed
        self.assertNotIn("0755-88888888", leaf)
        # the state moved: the codes are in transit, so a second ship is refused by rule
        st, v2, _ = self.srv.post("/api/v1/events", {"events": [
            {"type": "ship", "codes": [a], "buyer": {"uscc": self.s_uscc, "name": "X"}}]},
            token=self.producer)
        self.assertEqual(st, 409, v2)
        self.assertIn("in transit", v2["error"]["message"])

    def test_english_headers_crlf_no_bom(self):
        a, b = self.take(2)
        ship = self.ship_to_seller([a, b])
        text = ("Type,Codes, Time ,Shipment,Supplier_USCC,supplier name,Supplier Address,"
                "Public\r\n"
                f"receive,{a};{b},2026-11-12T09:00:00+08:00,{ship},{self.p_uscc},"
                "\"福建电缆厂, 一分厂\",\"福建省福州市\r\n鼓楼区1号\",\r\n"
                f"retail,{a},2026-11-13,,,,,no\r\n")
        (rec, _), (retail, _) = self.accepted(text, self.seller, 2, ctype="text/csv")
        self.assertEqual(rec["type"], "event.receive")
        self.assertEqual(rec["body"]["shipment"], ship)
        self.assertEqual(rec["body"]["time"], "2026-11-12T01:00:00Z")
        self.assertEqual(rec["body"]["supplier_name"], "福建电缆厂, 一分厂")
        self.assertEqual(rec["body"]["supplier_address"], "福建省福州市\r\n鼓楼区1号")
        self.assertEqual(retail["type"], "event.retail")
        self.assertIn("time", retail["sealed"])  # public = no seals a retail's time
        self.assertNotIn("time", retail["body"])

    def test_bad_rows_are_all_listed_and_nothing_changes(self):
        a, b, held = self.take(3)
        ship = self.ship_to_seller([a, b])
        self.events(self.producer, {"type": "commission", "codes": [held]})
        text = ("类型,追溯码,日期,发货单号,供货单位名称,供货单位地址\n"
                f"进货,{a};{b},2026-11-12,{ship},福建电缆厂,\"福建省\n福州市\"\n"  # row 2: good
                f"飞行,{a},2026-11-12,,,\n"                                      # 3: type
                "售出,(01)06901234567893(21)A1,2026-11-12,,,\n"                   # 4: check digit
                f"售出,{b},2026-13-01,,,\n"                                       # 5: date
                f"销售,{held},2026-11-12,,,\n"                                    # 6: no buyer
                f"售出,{held},2026-11-12,,,\n"                                    # 7: not held
                f"售出,{a},2026-11-13,,,\n"                                       # 8: good
                f"售出,{a},2026-11-14,,,\n")                                      # 9: sold
        before = self.size()
        st, v, _ = self.upload(text, self.seller)
        self.assertEqual(st, 422, v)
        self.assertEqual(v["error"]["code"], "rows_refused")
        self.assertIn("6 of 8 rows", v["error"]["message"])
        got = {r["row"]: r for r in v["rows"]}
        self.assertEqual(sorted(got), [3, 4, 5, 6, 7, 9], v)
        self.assertEqual([r["row"] for r in v["rows"]], sorted(r["row"] for r in v["rows"]))
        self.assertEqual(got[3]["column"], "类型")
        self.assertIn("飞行", got[3]["message"])
        self.assertEqual(got[4]["column"], "追溯码")
        self.assertEqual(got[5]["column"], "日期")
        self.assertIn("2026-13-01", got[5]["message"])
        self.assertIn("buyer", got[6]["message"])
        self.assertIn("only its holder may retail it", got[7]["message"])
        self.assertNotIn("column", got[7])
        self.assertIn("already sold", got[9]["message"])
        self.assertEqual(self.size(), before, "a refused file changed the ledger")
        # nothing of the good rows happened: the shipment can still be received, a sold
        st, v, _ = self.srv.post("/api/v1/events", {"events": [
            {"type": "receive", "shipment": ship, "codes": [a, b]},
            {"type": "retail", "codes": [a]}]}, token=self.seller)
        self.assertEqual(st, 201, v)

    def test_only_rule_failures(self):
        """A file whose rows all read well but break rules: the rules of every row are
        checked (a refused row is left out of the state the next one sees)."""
        a, b = self.take(2)
        text = ("type,code\n"
                f"commission,{a}\n"
                f"commission,{a}\n"        # row 3: twice
                f"retail,{b}\n"            # row 4: not commissioned yet
                f"commission,{b}\n")
        before = self.size()
        st, v, _ = self.upload(text, self.producer)
        self.assertEqual(st, 422, v)
        self.assertEqual([r["row"] for r in v["rows"]], [3, 4], v)
        self.assertIn("already commissioned", v["rows"][0]["message"])
        self.assertNotIn("event 1", v["rows"][0]["message"])
        self.assertIn("not commissioned", v["rows"][1]["message"])
        self.assertEqual(self.size(), before)
        self.events(self.producer, {"type": "commission", "codes": [a, b]})

    def test_cell_failure_keeps_the_good_rows_out(self):
        a, = self.take(1)
        v = self.refused_file(422, f"类型,追溯码\n赋码,{a}\n飞行,{a}\n".encode(), self.producer)
        self.assertEqual([r["row"] for r in v["rows"]], [3], v)
        self.events(self.producer, {"type": "commission", "codes": [a]})  # row 2 left no trace

    def test_column_without_header_and_two_cells_for_one_field(self):
        a, = self.take(1)
        text = ("类型,追溯码,进货日期,销售日期,\n"
                f"赋码,{a},,,stray\n"
                f"赋码,{a},2026-11-01,2026-11-02,\n"
                f"{'赋码' * 30},{a},,,\n")
        v = self.refused_file(422, text.encode(), self.producer)
        self.assertEqual(v["rows"][0], {"row": 2, "column": "E",
                                        "message": "a value in a column without a header"})
        self.assertEqual(v["rows"][1]["row"], 3)
        self.assertEqual(v["rows"][1]["column"], "销售日期")
        self.assertEqual(v["rows"][2]["row"], 4)  # a long word is no type, not the first one
        self.assertIn("is not a type", v["rows"][2]["message"])

    def test_example_file_reads(self):
        """examples/ledger-upload.csv is read cell by cell without fault; its codes and its
        shipment do not exist here, so only the flow rules refuse its rows."""
        with open(f"{qtapi.ROOT}/examples/ledger-upload.csv", "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(BOM))
        v = self.refused_file(422, raw, self.seller)
        # row 3's address has a line break inside its quotes: still one row, as in Excel
        self.assertEqual([r["row"] for r in v["rows"]], [2, 3, 4, 5], v)
        for r in v["rows"]:
            self.assertNotIn("column", r, r)  # no cell is wrong
        self.assertEqual(v["rows"][0]["message"], "receive: there is no shipment 1042")
        self.assertIn("never issued", v["rows"][1]["message"])

    def test_file_refusals(self):
        t = self.producer
        v = self.refused_file(400, "类型,追溯码,产品名称\n赋码,x,y\n".encode(), t,
                              code="invalid")
        self.assertIn("column C", v["error"]["message"])
        self.assertIn("产品名称", v["error"]["message"])
        v = self.refused_file(400, b"", t)
        self.assertIn("empty", v["error"]["message"])
        v = self.refused_file(400, BOM + "类型,追溯码\r\n".encode(), t)
        self.assertIn("no rows", v["error"]["message"])
        v = self.refused_file(400, "类型,追溯码\n\n,\n".encode(), t)
        self.assertIn("no rows", v["error"]["message"])
        v = self.refused_file(400, "类型,日期\n".encode(), t)
        self.assertIn("追溯码", v["error"]["message"])
        # Excel's default "CSV" on a Chinese Windows is GBK, not UTF-8
        v = self.refused_file(400, "类型,追溯码\n".encode("gbk"), t)
        self.assertIn("row 1", v["error"]["message"])
        self.assertIn("UTF-8", v["error"]["message"])
        v = self.refused_file(400, "类型,追溯码\n赋码,A\n赋码,".encode() + b"\xff\n", t)
        self.assertIn("row 3, column B", v["error"]["message"])
        v = self.refused_file(400, "类型,追溯码\n赋码,\"A\n".encode(), t)
        self.assertIn("not closed", v["error"]["message"])
        v = self.refused_file(400, b"type,code\ncommission,a\"b\n", t)
        self.assertIn("row 2, column B", v["error"]["message"])

    def test_limits(self):
        t = self.producer
        v = self.refused_file(413, b"type,code\n" + b"commission,t/X\n" * 10001, t,
                              code="too_large")
        self.assertIn("10000", v["error"]["message"])
        self.refused_file(413, b"type,code\n" + b"x" * (17 << 20), t, code="too_large")
        self.refused_file(413, b"type,code\ncommission," + b"x" * 9000 + b"\n", t)

    def test_type_role_and_token(self):
        body = b"type,code\ncommission,t/X\n"
        self.refused_file(415, body, self.producer, ctype="application/json",
                          code="unsupported_media_type")
        self.refused_file(415, body, self.producer, ctype="text/csv; charset=gbk")
        self.refused_file(415, body, self.producer, ctype="text/csvx")
        self.refused_file(401, body, None, code="unauthorized")
        self.refused_file(403, body, self.regulator, code="forbidden")
        st, v, _ = self.srv.get(PATH, token=self.producer)
        self.assertEqual(st, 405, v)


if __name__ == "__main__":
    unittest.main(verbosity=2)
