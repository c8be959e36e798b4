"""Starts a real qtrace server on a fresh database for a browser test, writes a scenario into
it through the HTTP API (tests/api/qtapi.py), prints one JSON line - {base, ...what the
scenario made} - and keeps the server running until stdin closes.
Run: /usr/bin/python3 seed.py QTRACE SCENARIO"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
import qtapi  # noqa: E402

def supply_chain(srv):
    """A producer in Shenzhen, a retailer in Beijing, a provincial regulator; a cable batch of
    six item codes: two sold through the retailer, one recalled, the rest with the producer."""
    tok, ids = qtapi.register_units(srv, (
        ("producer", "440300", "MA5W0001", ["producer"]),
        ("shop", "110105", "MA5W0002", ["seller"])))
    tok["regulator"] = srv.account("regulator", "广东省市场监督管理局", "44")
    p = tok["producer"]
    product = qtapi.cable_product(srv, p, warranty_months=24, schemes=["dic", "gs1"],
                                  gtin="06901234567892")
    batch, codes = qtapi.item_batch(srv, p, product, 6, batch_no="L2026-11")
    ev = qtapi.made(srv, "/api/v1/events", {"events": [
        {"type": "commission", "codes": codes},
        {"type": "ship", "codes": codes[0:3],
         "buyer": {"uscc": ids["shop"], "name": "朝阳五金店", "contact": "010-12345678"}}]}, p)
    qtapi.made(srv, "/api/v1/events", {"events": [
        {"type": "receive", "shipment": ev["first_index"] + 1, "codes": codes[0:3]},
        {"type": "retail", "codes": codes[0:1], "public": False}]}, tok["shop"])
    qtapi.made(srv, "/api/v1/events", {"events": [
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
