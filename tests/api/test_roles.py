"""Every endpoint against every role, on one real server: anonymous, producer, seller, a unit
that is both, regulators (national, the producer's province, another province), an
inspection body and a system account. Each cell is the status the access rules give; every
refused write is checked to change nothing. Then units acting on another unit's product,
codes, shipment and records.
Run: /usr/bin/python3 test_roles.py QTRACE"""
import sys
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"

ROLES = ("anon", "producer", "seller", "both", "reg_nat", "reg_44", "reg_11", "inspection",
         "system")
REGULATORS = ("reg_nat", "reg_44", "reg_11")
NOT_UNITS = REGULATORS + ("inspection", "system")


def product_body(n):
    return {"name": f"塑料绝缘控制电缆 KVV {n}", "catalog_unit": "wire-cable.plastic-control",
            "type": "控制电缆", "model": f"KVV 4×{n}", "standard": "GB/T 9330-2020",
            "licence_no": "XK06-014-00123", "warranty_months": 24, "schemes": ["dic"]}


class Roles(qtapi.ApiCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.srv = qtapi.Server(QTRACE)
        cls.addClassCleanup(srv.stop)  # also when the set-up fails half way
        cls.tok = {"anon": None}
        cls.id = {}
        for role, division, org, roles in (("producer", "440300", "MA5R0001", ["producer"]),
                                           ("seller", "330100", "MA5R0002", ["seller"]),
                                           ("both", "440100", "MA5R0003",
                                            ["producer", "seller"]),
                                           ("shop", "440304", "MA5R0004", ["seller"])):
            u = qtapi.uscc(division, org)
            st, v, _ = srv.post("/api/v1/units", qtapi.unit_body(u, roles=roles))
            assert st == 201, v
            cls.tok[role], cls.id[role] = v["token"], u
        cls.tok["reg_nat"] = srv.account("regulator", "国家市场监督管理总局", "00")
        cls.tok["reg_44"] = srv.account("regulator", "广东省市场监督管理局", "44")
        cls.tok["reg_11"] = srv.account("regulator", "北京市市场监督管理局", "11")
        cls.tok["inspection"] = srv.account("inspection", "国家电线电缆质量检验检测中心")
        cls.tok["system"] = srv.account("system", "省级追溯平台")
        p = cls.tok["producer"]
        cls.product = cls.ok(201, "/api/v1/products", product_body(1), p)["product"]["id"]
        cls.batch = cls.ok(201, "/api/v1/batches", {
            "product": cls.product, "batch_no": "L1", "production_date": "2026-11-01",
            "quantity": 100, "inspection_report": {"sha256": "cd" * 32, "name": "r.pdf"}},
            p)["batch"]["id"]
        cls.codes = cls.ok(201, "/api/v1/codes", {"batch": cls.batch, "granularity": "item",
                                                  "scheme": "dic", "count": 60}, p)["codes"]
        ev = cls.ok(201, "/api/v1/events", {"events": [
            {"type": "commission", "codes": cls.codes[:50]},
            {"type": "ship", "codes": cls.codes[:2],
             "buyer": {"uscc": cls.id["seller"], "name": "S"}}]}, p)
        cls.ship = ev["first_index"] + 1
        cls.first_event = ev["first_index"]
        cls.next_code = 10  # codes[10:50] are commissioned and held by the producer

    @classmethod
    def ok(cls, status, path, body, token):
        st, v, _ = cls.srv.post(path, body, token=token)
        assert st == status, (path, st, v)
        return v

    @classmethod
    def take_code(cls):
        cls.next_code += 1
        return cls.codes[cls.next_code - 1]

    def matrix(self, method, path, expect, body=None):
        """expect: role -> status ("*" for the rest). body: a function of the role giving a
        fresh body for each call."""
        for role in ROLES:
            want = expect.get(role, expect.get("*"))
            b = body(role) if body else None
            with self.subTest(role=role, call=f"{method} {path}"):
                if want >= 400 and method != "GET":
                    self.refused(want, b, path=path, token=self.tok[role], method=method)
                else:
                    st, v, _ = self.srv.request(method, path, b, token=self.tok[role])
                    self.assertEqual(st, want, v)

    # ---- public reads ----

    def test_public_reads(self):
        for path in ("/healthz", "/metrics", "/checkpoint", "/api/v1/ledger/key",
                     "/api/v1/ledger/entries/0", "/api/v1/ledger/proof/inclusion?index=0&size=1",
                     "/api/v1/catalog", f"/api/v1/products/{self.product}",
                     f"/api/v1/codes/{self.codes[0]}",
                     f"/api/v1/products/{self.product}/batches", f"/api/v1/batches/{self.batch}"):
            self.matrix("GET", path, {"*": 200})

    def test_units_me(self):
        self.matrix("GET", "/api/v1/units/me", {"anon": 401, "*": 200})
        for role in ROLES[1:]:
            _, v, _ = self.srv.get("/api/v1/units/me", token=self.tok[role])
            if role in ("producer", "seller", "both"):
                self.assertEqual(v["id"], self.id[role])

    # ---- reads with rules ----

    def test_products_list(self):
        self.matrix("GET", "/api/v1/products", {"anon": 401, "seller": 403, "inspection": 403,
                                                "system": 403, "*": 200})
        listed = {}
        for role in ("producer", "both") + REGULATORS:
            _, v, _ = self.srv.get("/api/v1/products?limit=1000", token=self.tok[role])
            listed[role] = self.product in [p["id"] for p in v["items"]]
        self.assertEqual(listed, {"producer": True, "both": False, "reg_nat": True,
                                  "reg_44": True, "reg_11": False})

    def test_codes_list(self):
        self.matrix("GET", f"/api/v1/codes?batch={self.batch}",
                    {"producer": 200, "reg_nat": 200, "reg_44": 200, "anon": 401, "*": 403})
        _, v, _ = self.srv.get(f"/api/v1/codes?batch={self.batch}&limit=1000",
                               token=self.tok["reg_44"])
        self.assertEqual(sorted(v["codes"]), sorted(self.codes))

    def test_shipments(self):
        self.matrix("GET", "/api/v1/shipments?direction=out",
                    {"anon": 401, "inspection": 403, "system": 403, "*": 200})
        self.matrix("GET", f"/api/v1/shipments?direction=out&unit={self.id['producer']}",
                    {"producer": 200, "reg_nat": 200, "reg_44": 200, "anon": 401, "*": 403})
        self.matrix("GET", f"/api/v1/shipments/{self.ship}",
                    {"producer": 200, "seller": 200, "reg_nat": 200, "reg_44": 200,
                     "anon": 401, "*": 403})
        # each side sees it in its own list, nobody else does
        seen = {}
        for role, d in (("producer", "out"), ("seller", "in"), ("both", "in"),
                        ("both", "out")):
            _, v, _ = self.srv.get(f"/api/v1/shipments?direction={d}", token=self.tok[role])
            seen[role + "/" + d] = [s["id"] for s in v["shipments"]]
        self.assertEqual(seen["producer/out"][0], self.ship)  # other tests ship later ones
        self.assertEqual(seen["seller/in"], [self.ship])
        self.assertEqual(seen["both/in"] + seen["both/out"], [])

    def test_trace(self):
        # codes[0] went from the producer to the seller: both are on its path; a regulator
        # of the producer's province sees it, Beijing's does not
        self.matrix("GET", f"/api/v1/trace/{self.codes[0]}",
                    {"producer": 200, "seller": 200, "reg_nat": 200, "reg_44": 200,
                     "anon": 401, "*": 403})
        self.matrix("GET", f"/api/v1/trace/batch/{self.batch}",
                    {"producer": 200, "reg_nat": 200, "reg_44": 200, "anon": 401, "*": 403})

    def test_checks(self):
        # a seller checks goods from the producer (each check is a record); nobody else may
        self.matrix("POST", "/api/v1/verify",
                    {"seller": 201, "both": 201, "anon": 401, "*": 403},
                    body=lambda role: {"supplier": self.id["producer"],
                                       "codes": [self.codes[0]]})
        self.matrix("GET", "/api/v1/checks",
                    {"seller": 200, "both": 200, "reg_nat": 200, "reg_44": 200, "reg_11": 200,
                     "anon": 401, "*": 403})
        _, v, _ = self.srv.get("/api/v1/checks", token=self.tok["reg_11"])
        self.assertEqual(v["checks"], [])  # the checkers are in Zhejiang and Guangdong

    # ---- writes ----

    def test_register_product(self):
        n = iter(range(100, 200))
        self.matrix("POST", "/api/v1/products",
                    {"producer": 201, "both": 201, "anon": 401, "*": 403},
                    body=lambda role: product_body(next(n)))

    def test_register_batch(self):
        n = iter(range(100, 200))
        self.matrix("POST", "/api/v1/batches",
                    {"producer": 201, "anon": 401, "*": 403},
                    body=lambda role: {
                        "product": self.product, "batch_no": f"L{next(n)}",
                        "production_date": "2026-11-02", "quantity": 5,
                        "inspection_report": {"sha256": "cd" * 32, "name": "r.pdf"}})

    def test_issue_codes(self):
        self.matrix("POST", "/api/v1/codes", {"producer": 201, "anon": 401, "*": 403},
                    body=lambda role: {"product": self.product, "granularity": "item",
                                       "scheme": "dic", "count": 2})

    def test_commission(self):
        # issued codes 50..59 are not commissioned yet; one each
        left = iter(self.codes[50:60])
        self.matrix("POST", "/api/v1/events",
                    {"producer": 201, "seller": 409, "both": 409, "anon": 401, "*": 403},
                    body=lambda role: {"events": [{"type": "commission",
                                                   "codes": [next(left)]}]})

    def test_recall(self):
        # the producer and regulators of the place it was made may recall; the seller and
        # the other unit do not hold it; Beijing's regulator is out of its jurisdiction
        self.matrix("POST", "/api/v1/events",
                    {"producer": 201, "reg_nat": 201, "reg_44": 201, "seller": 409,
                     "both": 409, "reg_11": 409, "anon": 401, "*": 403},
                    body=lambda role: {"events": [{"type": "recall",
                                                   "codes": [self.take_code()]}]})

    def test_flow_events_are_for_units(self):
        # ship from a code the producer holds: only the producer; everyone else is refused
        self.matrix("POST", "/api/v1/events",
                    {"producer": 201, "seller": 409, "both": 409, "anon": 401, "*": 403},
                    body=lambda role: {"events": [{
                        "type": "ship", "codes": [self.take_code()],
                        "buyer": {"uscc": self.id["shop"], "name": "T"}}]})

    def test_producer_standing(self):
        # only a regulator whose jurisdiction covers the producer: the national one and
        # Guangdong's; Beijing's is refused like everyone else
        self.matrix("POST", "/api/v1/licences/status",
                    {"reg_nat": 201, "reg_44": 201, "anon": 401, "*": 403},
                    body=lambda role: {"producer": self.id["producer"],
                                       "number": "XK06-014-00123", "status": "valid"})
        self.matrix("POST", "/api/v1/credit",
                    {"reg_nat": 201, "reg_44": 201, "anon": 401, "*": 403},
                    body=lambda role: {"unit": self.id["producer"], "listed": False})

    # ---- one unit acting on another's things ----

    def test_other_units_things(self):
        both = self.tok["both"]
        self.refused(403, {"product": self.product, "batch_no": "X1",
                               "production_date": "2026-11-01", "quantity": 1,
                               "inspection_report": {"sha256": "cd" * 32, "name": "r.pdf"}},
                         path="/api/v1/batches", token=both)
        self.refused(403, {"product": self.product, "granularity": "item", "scheme": "dic",
                           "count": 1}, path="/api/v1/codes", token=both)
        self.refused(403, {"product": self.product, "granularity": "item", "scheme": "dic",
                           "codes": [self.codes[59]]}, path="/api/v1/codes", token=both)
        st, v, _ = self.srv.get(f"/api/v1/codes?batch={self.batch}", token=both)
        self.assertEqual(st, 403, v)
        for event, why in (
                ({"type": "ship", "codes": [self.codes[5]],
                  "buyer": {"uscc": self.id["seller"], "name": "S"}}, "only its holder"),
                ({"type": "retail", "codes": [self.codes[6]]}, "only its holder"),
                ({"type": "pack", "parent": "(00)006901234000000018",
                  "codes": [self.codes[7]]}, "only its holder"),
                ({"type": "destroy", "codes": [self.codes[8]]}, "only its holder"),
                ({"type": "receive", "shipment": self.ship, "codes": self.codes[:2]},
                 "not shipped to you"),
                ({"type": "correct", "corrects": self.first_event, "codes": []},
                 "only its author")):
            with self.subTest(event=event["type"]):
                v = self.refused(409, {"events": [event]}, path="/api/v1/events", token=both)
                self.assertIn(why, v["error"]["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
