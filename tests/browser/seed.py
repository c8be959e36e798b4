"""Starts a real qtrace server on a fresh database for a browser test, writes a scenario into
it through the HTTP API (tests/api/qtapi.py), prints one JSON line - {base, ...what the
scenario made} - and keeps the server running until stdin closes.
Run: /usr/bin/python3 seed.py QTRACE SCENARIO"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
import qtapi  # noqa: E402

CABLE = "wire-cable.plastic-control"


def ok(srv, path, body, token):
    st, v, _ = srv.post(path, body, token=token)
    assert st == 201, (path, st, v)
    return v


def supply_chain(srv):
    """A producer in Shenzhen, a retailer in Beijing, a provincial regulator; a cable batch of
    six item codes: two sold through the retailer, one recalled, the rest with the producer."""
    tok, ids = qtapi.register_units(srv, (
        ("producer", "440300", "MA5W0001", ["producer"]),
        ("shop", "110105", "MA5W0002", ["seller"])))
    tok["regulator"] = srv.account("regulator", "广东省市场监督管理局", "44")
    p = tok["producer"]
    product = ok(srv, "/api/v1/products", {
        "name": "塑料绝缘控制电缆 KVV", "catalog_unit": CABLE, "type": "控制电缆",
        "model": "KVV 4×1.5", "standard": "GB/T 9330-2020", "licence_no": "XK06-014-00123",
        "warranty_months": 24, "schemes": ["dic", "gs1"], "gtin": "06901234567892"},
        p)["product"]["id"]
    batch = ok(srv, "/api/v1/batches", {
        "product": product, "batch_no": "L2026-11", "production_date": "2026-11-01",
        "quantity": 6, "inspection_report": {"sha256": "cd" * 32, "name": "出厂检验报告.pdf"}},
        p)["batch"]["id"]
    codes = ok(srv, "/api/v1/codes", {"batch": batch, "granularity": "item", "scheme": "dic",
                                      "count": 6}, p)["codes"]
    ev = ok(srv, "/api/v1/events", {"events": [
        {"type": "commission", "codes": codes},
        {"type": "ship", "codes": codes[0:3],
         "buyer": {"uscc": ids["shop"], "name": "朝阳五金店", "contact": "010-12345678"}}]}, p)
    ok(srv, "/api/v1/events", {"events": [
        {"type": "receive", "shipment": ev["first_index"] + 1, "codes": codes[0:3]},
        {"type": "retail", "codes": codes[0:1], "public": False}]}, tok["shop"])
    ok(srv, "/api/v1/events", {"events": [
        {"type": "recall", "codes": [codes[3]], "reason": "绝缘层厚度不合格"}]}, p)
    return {"tokens": tok, "ids": ids, "product": product, "batch": batch,
            "codes": {"sold": codes[0], "at_shop": codes[1], "recalled": codes[3],
                      "fresh": codes[4]}}


SCENARIOS = {"supply_chain": supply_chain}


def main():
    qtrace, scenario = sys.argv[1], sys.argv[2]
    srv = qtapi.Server(qtrace)
    try:
        made = SCENARIOS[scenario](srv)
        print(json.dumps({"base": srv.base, "db": srv.db, **made}), flush=True)
        sys.stdin.read()  # until the test closes our stdin
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
