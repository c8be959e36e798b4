"""`qtrace verify` rebuilds the documents and links the platform answers from by applying
every record again, and compares them with the store's: a database written through the API (units, a regulator, a product with a GTIN, a
batch and its codes, a carton packed, a licence revoked, a unit listed for serious violations,
a recall, a seller's check, a complaint and a warning acknowledged, two failed samplings, a
draw) verifies; then each document is changed, added or removed in a copy of the file, as
an insider with the file could, and verify must fail (exit 1) naming it, where before it
passed. Run: /usr/bin/python3 test_verify_state.py QTRACE"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
GTIN = "06901234567892"
CARTON = "069012345000000011"
REPORT = {"sha256": "ab" * 32, "name": "抽查报告.pdf"}


class VerifyState(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)
        tok, ids = qtapi.register_units(srv, (
            ("producer", "440300", "MA5W0001", ["producer"]),
            ("shop", "440300", "MA5W0002", ["seller"])))
        cls.producer, cls.shop = ids["producer"], ids["shop"]
        gd = srv.account("regulator", "广东省市场监督管理局", "44")
        p = tok["producer"]
        cls.product = qtapi.cable_product(srv, p, schemes=["dic", "gs1"], gtin=GTIN)
        cls.batch, cls.codes = qtapi.item_batch(srv, p, cls.product, 4, batch_no="LV-1")
        c = cls.codes
        qtapi.made(srv, "/api/v1/events", {"events": [
            {"type": "commission", "codes": c},
            {"type": "pack", "parent": "(00)" + CARTON, "codes": c[:2]},
            {"type": "ship", "codes": ["00/" + CARTON],
             "buyer": {"uscc": cls.shop, "name": "shop 有限公司"}}]}, p)
        qtapi.made(srv, "/api/v1/licences/status", {
            "producer": cls.producer, "number": "XK06-014-00123", "status": "revoked",
            "reason": "抽查不合格", "date": "2026-11-20"}, gd)
        qtapi.made(srv, "/api/v1/credit", {"unit": cls.producer, "listed": True,
                                           "reason": "伪造追溯码"}, gd)
        qtapi.made(srv, "/api/v1/recalls", {"batch": cls.batch, "reason": "绝缘电阻不合格"}, gd)
        # the shop checks a recalled item its producer offers it: a warning for its region
        cls.check = qtapi.made(srv, "/api/v1/verify", {"supplier": cls.producer,
                                                       "codes": [c[2]]}, tok["shop"])
        st, v, _ = srv.get("/api/v1/warnings?rule=suspect_scan", token=gd)
        cls.suspect = v["warnings"][0]["id"]
        st, v, _ = srv.post(f"/api/v1/warnings/{cls.suspect}", {"state": "acknowledged"},
                            token=gd)
        assert st == 200, v
        # a consumer complains, the regulator acknowledges
        cls.complaint = qtapi.made(srv, "/api/v1/complaints", {
            "code": c[1], "text": "外皮开裂"}, None)["complaint"]["id"]
        st, v, _ = srv.post(f"/api/v1/complaints/{cls.complaint}",
                            {"state": "acknowledged"}, token=gd)
        assert st == 200, v
        # two failed samplings: the second flags the producer for an on-site inspection
        cls.samplings = [qtapi.made(srv, "/api/v1/samplings", {
            "unit": cls.producer, "producer": cls.producer, "product": cls.product,
            "batch": cls.batch, "date": date, "place": "production",
            "standard": "GB/T 9330-2020", "items": ["导体电阻"], "result": "fail",
            "failed_items": ["导体电阻"], "report": REPORT}, gd)["sampling"]["id"]
            for date in ("2026-11-10", "2026-11-15")]
        cls.draw = qtapi.made(srv, "/api/v1/draws", {"units": 1, "bodies": 0}, gd)["draw"]["index"]
        cls.dir = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, cls.dir)
        # a copy of the database as the server left it, checkpointed into one file
        cls.db = os.path.join(cls.dir, "t.db")
        con = sqlite3.connect(f"file:{srv.db}?mode=ro", uri=True)
        con.execute(f"VACUUM INTO '{cls.db}'")
        con.close()

    def verify(self, db):
        return subprocess.run([QTRACE, "verify", "--db", db, "--key", self.srv.vkey],
                              capture_output=True, text=True)

    def altered(self, *statements):
        """verify's answer on a copy changed with SQL."""
        db = os.path.join(self.dir, "altered.db")
        shutil.copy(self.db, db)
        con = sqlite3.connect(db)
        for sql in statements:
            self.assertEqual(con.execute(sql).rowcount, 1, sql)
        con.commit()
        con.close()
        return self.verify(db)

    def body(self, kind, id):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        b = con.execute("SELECT CAST(body AS TEXT) FROM docs WHERE kind=? AND id=?",
                        (kind, id)).fetchone()[0]
        con.close()
        return b

    def set_body(self, kind, id, old, new):
        b = self.body(kind, id)
        self.assertIn(old, b)
        return (f"UPDATE docs SET body=CAST({sql_text(b.replace(old, new, 1))} AS BLOB) "
                f"WHERE kind='{kind}' AND id='{id}'")

    def assert_caught(self, p, *words):
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("qtrace verify: FAILED: ", p.stderr)
        for w in words:
            self.assertIn(w, p.stderr)

    def test_untouched_verifies(self):
        p = self.verify(self.db)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^verified \d+ records, tree size \d+, root \S+\n$")

    def test_product_changed(self):
        # another licence number shown to every consumer who scans its codes
        p = self.altered(self.set_body("product", self.product, "XK06-014-00123",
                                       "XK06-014-00124"))
        self.assert_caught(p, f"document product {self.product}: its licence_no differs")
        # or given to another producer
        p = self.altered(f"UPDATE docs SET owner='{self.shop}' WHERE kind='product' "
                         f"AND id='{self.product}'")
        self.assert_caught(p, f'document product {self.product}: its owner is "{self.shop}"')
        p = self.altered(f"DELETE FROM docs WHERE kind='product' AND id='{self.product}'")
        self.assert_caught(p, f"document product {self.product} is missing: record")

    def test_batch_gtin_batchno_changed(self):
        p = self.altered(self.set_body("batch", self.batch, '"cd', '"ce'))
        self.assert_caught(p, f"document batch {self.batch}: its inspection_report differs")
        p = self.altered(self.set_body("gtin", GTIN, self.product, "P0000000000000000"))
        self.assert_caught(p, f"document gtin {GTIN}: its product differs")
        p = self.altered(f"UPDATE docs SET id='{self.product}/LV-2' WHERE kind='batchno'")
        self.assert_caught(p, f"document batchno {self.product}/LV-1 is missing")

    def test_standing_changed(self):
        # the revocation hidden: the consumer's page would show no warning
        p = self.altered(self.set_body("licence_status", "XK06-014-00123", '"revoked"',
                                       '"valid"'))
        self.assert_caught(p, "document licence_status XK06-014-00123: its status differs")
        p = self.altered("DELETE FROM docs WHERE kind='licence_status'")
        self.assert_caught(p, "document licence_status XK06-014-00123 is missing: record")
        p = self.altered(self.set_body("credit", self.producer, '"listed":true',
                                       '"listed":false'))
        self.assert_caught(p, f"document credit {self.producer}: its listed differs")
        p = self.altered(f"DELETE FROM docs WHERE kind='credit' AND id='{self.producer}'")
        self.assert_caught(p, f"document credit {self.producer} is missing: record")

    def test_account_and_token_changed(self):
        p = self.altered(self.set_body("account", self.producer, "producer 有限公司",
                                       "另一家 有限公司"))
        self.assert_caught(p, f"document account {self.producer}: its name differs")
        # a token made to sign in as another account
        p = self.altered(f"UPDATE docs SET owner='{self.shop}', "
                         f"body=CAST('{{\"account\":\"{self.shop}\"}}' AS BLOB) "
                         f"WHERE kind='token' AND owner='{self.producer}'")
        self.assert_caught(p, "document token ", "is not the token its account was made with")

    def test_codes_changed(self):
        code = self.codes[3]
        # a code moved to another product or producer
        p = self.altered(self.set_body("code", code, f'"producer":"{self.producer}"',
                                       f'"producer":"{self.shop}"'))
        self.assert_caught(p, f"document code {code}: its producer differs")
        p = self.altered(self.set_body("code", code, f'"product":"{self.product}"',
                                       '"product":"P0000000000000000"'))
        self.assert_caught(p, f"document code {code}: its product differs")
        p = self.altered(self.set_body("code", "00/" + CARTON, f'"producer":"{self.producer}"',
                                       f'"producer":"{self.shop}"'))
        self.assert_caught(p, f"document code 00/{CARTON}: its producer differs")
        # a counterfeit code made to scan as issued
        fake = code[:-4] + "ZZZZ"
        p = self.altered(f"INSERT INTO docs SELECT kind, '{fake}', owner, "
                         f"CAST(replace(CAST(body AS TEXT), '{code}', '{fake}') AS BLOB), rec "
                         f"FROM docs WHERE kind='code' AND id='{code}'")
        self.assert_caught(p, f"document code {fake} is in the store, but no record made it")
        p = self.altered(f"DELETE FROM docs WHERE kind='code' AND id='{code}'")
        self.assert_caught(p, f"document code {code} is missing: record")
        # a document naming a writer the ledger does not hold
        p = self.altered(f"UPDATE docs SET rec=rec+1000000 WHERE kind='shipment'")
        self.assert_caught(p, "document shipment", "as its writer, not")
        # a token, which no record can make again, naming a writer the ledger does not hold
        p = self.altered(f"UPDATE docs SET rec=rec+1000000 WHERE kind='token' "
                         f"AND owner='{self.producer}'")
        self.assert_caught(p, "document token ", "is not the token its account was made with")
        # a kind this qtrace does not make: its writer must still be in the ledger
        p = self.altered("INSERT INTO docs VALUES('newkind', 'x', '', CAST('{}' AS BLOB), "
                         "1000000)")
        self.assert_caught(p, "document newkind x names record 1000000 as its writer, which "
                              "the ledger does not hold")

    def test_event_state_changed(self):
        """What events made (holder, status, shipments, packing, recalls) is rebuilt by
        applying every record again: a change no single record decides is caught too."""
        code = self.codes[3]
        # a recalled code made to scan as in circulation
        p = self.altered(self.set_body("code", code, '"status":"recalled"',
                                       '"status":"active"'))
        self.assert_caught(p, f"document code {code}: its status differs from what record")
        # goods put in another unit's hands
        p = self.altered(self.set_body("code", code, f'"holder":"{self.producer}"',
                                       f'"holder":"{self.shop}"'))
        self.assert_caught(p, f"document code {code}: its holder differs")
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        ship = con.execute("SELECT id FROM docs WHERE kind='shipment'").fetchone()[0]
        recall = con.execute("SELECT id FROM docs WHERE kind='recall'").fetchone()[0]
        con.close()
        # a shipment shown as received, so the buyer's receipt would be refused
        p = self.altered(self.set_body("shipment", ship, '"received":false',
                                       '"received":true'))
        self.assert_caught(p, f"document shipment {ship}: its received differs")
        # a recall shown as closed while its goods are still out
        p = self.altered(self.set_body("recall", recall, '"status":"open"',
                                       '"status":"closed"'))
        self.assert_caught(p, f"document recall {recall}: its status differs")
        # a carton's contents changed: an item dropped, another unit's code put in
        item = self.codes[0]
        p = self.altered(f"DELETE FROM links WHERE kind='children' AND dst='{item}'")
        self.assert_caught(p, f"link children 00/{CARTON} -> {item} is missing")
        p = self.altered(f"INSERT INTO links VALUES('children', '00/{CARTON}', "
                         f"'{self.codes[3]}')")
        self.assert_caught(p, f"link children 00/{CARTON} -> {self.codes[3]} is in the "
                              "store, but no record made it")
        # a code taken out of the recall, so its holder is never asked to return it
        p = self.altered(f"DELETE FROM links WHERE kind='recall_codes' AND dst='{code}'")
        self.assert_caught(p, f"link recall_codes {recall} -> {code} is missing")

    def doc_id(self, kind, where):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        row = con.execute(f"SELECT id FROM docs WHERE kind='{kind}' AND {where}").fetchone()
        con.close()
        return row[0]

    def test_cases_changed(self):
        """Warnings and complaints follow from the records that raised, filed and moved
        them: a case shown in another state than its records put it in is caught."""
        revoked = self.doc_id("warning",
                              """CAST(body AS TEXT) LIKE '%"rule":"licence_revoked"%'""")
        # a warning no regulator closed shown as closed, so nobody looks at it
        p = self.altered(self.set_body("warning", revoked, '"state":"open"',
                                       '"state":"closed"'))
        self.assert_caught(p, f"document warning {revoked}: its state differs")
        # (the state itself, not the history's: the rule's member comes before it)
        p = self.altered(self.set_body("warning", self.suspect,
                                       '"rule":"suspect_scan","state":"acknowledged"',
                                       '"rule":"suspect_scan","state":"closed"'))
        self.assert_caught(p, f"document warning {self.suspect}: its state differs")
        p = self.altered(f"DELETE FROM docs WHERE kind='warning' AND id='{revoked}'")
        self.assert_caught(p, f"document warning {revoked} is missing")
        p = self.altered(f"DELETE FROM links WHERE kind='warnings' AND dst LIKE '%{revoked}'")
        self.assert_caught(p, "link warnings all -> ", f"{revoked} is missing")
        # a consumer's complaint shown as closed, or its words changed
        p = self.altered(self.set_body("complaint", self.complaint,
                                       f'"producer":"{self.producer}","state":"acknowledged"',
                                       f'"producer":"{self.producer}","state":"closed"'))
        self.assert_caught(p, f"document complaint {self.complaint}: its state differs")
        p = self.altered(self.set_body("complaint", self.complaint, "外皮开裂", "一切正常"))
        self.assert_caught(p, f"document complaint {self.complaint}: its text differs")
        p = self.altered("DELETE FROM links WHERE kind='product_complaints'")
        self.assert_caught(p, f"link product_complaints {self.product} -> ", "is missing")

    def test_check_changed(self):
        """A check's sightings and the lists it is found in follow from its record."""
        code = self.codes[2]
        index = self.check["first_index"]
        p = self.altered(f"DELETE FROM docs WHERE kind='sightings' AND id='{code}'")
        self.assert_caught(p, f"document sightings {code} is missing: record {index}")
        # the shop's check forgotten, so a later one elsewhere would not say cloned
        p = self.altered(self.set_body("sightings", code, f'"still":["{self.shop}"]',
                                       '"still":[]'))
        self.assert_caught(p, f"document sightings {code}: its still differs")
        p = self.altered(f"DELETE FROM links WHERE kind='checks' AND src='unit:{self.shop}'")
        self.assert_caught(p, f"link checks unit:{self.shop} -> {index:020d} is missing")

    def test_samplings_and_draw_changed(self):
        """A sampling's document, the producer's list of fails and a draw with its
        announcement are what their records make."""
        first, second = self.samplings
        # a failed sampling shown as passed
        p = self.altered(self.set_body("sampling", first, '"result":"fail"',
                                       '"result":"pass"'))
        self.assert_caught(p, f"document sampling {first}: its result differs")
        p = self.altered(self.set_body("sampling", second, '"on_site_inspection":true',
                                       '"on_site_inspection":false'))
        self.assert_caught(p, f"document sampling {second}: its on_site_inspection differs")
        p = self.altered(f"DELETE FROM links WHERE kind='unit_fails' AND dst LIKE '%{first}'")
        self.assert_caught(p, f"link unit_fails {self.producer} -> 2026-11-10/{first} is "
                              "missing")
        # a draw's selection, or its public announcement, changed after the fact
        p = self.altered(self.set_body("draw", f"{self.draw:020d}", '"seed":"', '"seed":"0'))
        self.assert_caught(p, f"document draw {self.draw:020d}: its seed differs")
        p = self.altered(self.set_body("announcement", f"AR{self.draw:020d}", "双随机抽查结果",
                                       "抽查结果"))
        self.assert_caught(p, f"document announcement AR{self.draw:020d}: its title differs")


def sql_text(s):
    return "'" + s.replace("'", "''") + "'"


if __name__ == "__main__":
    unittest.main()
