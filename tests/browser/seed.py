"""Starts a real qtrace server on a fresh database for a browser test, writes a scenario into
it through the HTTP API (tests/api/qtapi.py), prints one JSON line - {base, ...what the
scenario made} - and keeps the server running until stdin closes.
Run: /usr/bin/python3 seed.py QTRACE SCENARIO"""
import datetime
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

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
                      "fresh": codes[4], "spare": codes[5]}}


def regulator_desk(srv):
    """What a provincial regulator's dashboard works on: the supply chain above, plus a second
    batch (four codes commissioned, two of them shipped to and received by the shop) that
    nobody has recalled yet, so the test opens that recall through the page; two failed
    samplings of the producer (the second raises the open two_failed_samplings warning), a
    consumer's complaint, a double random draw with an inspection body, an announcement; and
    Beijing's regulator, whose jurisdiction holds the shop but not the producer."""
    made = supply_chain(srv)
    tok, ids, p = made["tokens"], made["ids"], made["tokens"]["producer"]
    reg = tok["regulator"]
    tok["regulator_bj"] = srv.account("regulator", "北京市市场监督管理局", "11")
    tok["inspection"] = srv.account("inspection", "国家电线电缆质量检验检测中心")
    batch, codes = qtapi.item_batch(srv, p, made["product"], 4, batch_no="L2026-12",
                                    production_date="2026-11-05")
    ev = qtapi.made(srv, "/api/v1/events", {"events": [
        {"type": "commission", "codes": codes},
        {"type": "ship", "codes": codes[0:2], "buyer": {"uscc": ids["shop"], "name": "朝阳五金店"}}]}, p)
    qtapi.made(srv, "/api/v1/events", {"events": [
        {"type": "receive", "shipment": ev["first_index"] + 1, "codes": codes[0:2]}]}, tok["shop"])
    samplings = [qtapi.made(srv, "/api/v1/samplings", {
        "unit": ids["producer"], "producer": ids["producer"], "product": made["product"],
        "batch": made["batch"], "date": date, "place": "production", "standard": "GB/T 9330-2020",
        "items": ["导体电阻", "绝缘厚度"], "result": "fail", "failed_items": ["绝缘厚度"],
        "report": {"sha256": "ef" * 32, "name": "监督抽查报告.pdf"}}, reg)["sampling"]["id"]
        for date in ("2026-11-10", "2026-11-15")]
    complaint = qtapi.made(srv, "/api/v1/complaints", {
        "code": made["codes"]["sold"], "text": "电缆外皮开裂，担心漏电"}, None)["complaint"]["id"]
    draw = qtapi.made(srv, "/api/v1/draws", {"units": 1, "bodies": 1}, reg)["draw"]
    announcement = qtapi.made(srv, "/api/v1/announcements", {
        "title": "关于开展电线电缆产品质量监督抽查的通告", "body": "本季度对省内电线电缆生产企业开展监督抽查。",
        "kind": "other"}, reg)["announcement"]["id"]
    return {**made, "tokens": tok, "open_batch": batch, "open_batch_codes": codes,
            "samplings": samplings, "complaint": complaint, "draw": draw["index"],
            "draw_seed": draw["seed"], "announcement": announcement}


def made_at_once(srv, path, bodies, token):
    """POSTs that must each be answered 201, sixteen at a time (a group commit takes them
    together); returns the answers in the order of bodies."""
    def one(body):
        st, v, _ = srv.post(path, body, token=token, check=False)
        assert st == 201, (path, st, v)
        return v
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, bodies))


def second_page(srv, path, token=None):
    """The first item of the second page of a list in pages of 1,000, the API's most."""
    path += "&" if "?" in path else "?"
    st, v, _ = srv.get(f"{path}limit=1000", token=token)
    assert st == 200 and "next" in v, (path, st)
    st, v, _ = srv.get(f"{path}limit=1000&after={quote(v['next'])}", token=token)
    assert st == 200 and v["items"], (path, st)
    return v["items"][0]


def many_batches(srv):
    """A producer of more than a page of products (1,001; the API gives 1,000 at the most) and,
    of the one on the second page, a batch a day for nearly three years (1,001): the batch on
    the second page of those newest first (the oldest) is named, and so is the newest; and a
    regulator of the producer's province."""
    tok, ids = qtapi.register_units(srv, (("bigmaker", "320500", "MA5W0003", ["producer"]),))
    p = tok["bigmaker"]
    made_at_once(srv, "/api/v1/products", [{
        "name": "塑料绝缘控制电缆 KVV", "catalog_unit": "wire-cable.plastic-control",
        "type": "控制电缆", "model": f"KVV-{i:04d}", "standard": "GB/T 9330-2020",
        "licence_no": "XK06-014-00123", "schemes": ["dic"]} for i in range(1001)], p)
    product = second_page(srv, "/api/v1/products", p)
    first = datetime.date(2023, 1, 1)
    days = [first + datetime.timedelta(days=i) for i in range(1001)]
    made_at_once(srv, "/api/v1/batches", [{
        "product": product["id"], "batch_no": f"D{day:%Y%m%d}", "production_date": day.isoformat(),
        "quantity": 500, "inspection_report": {"sha256": "cd" * 32, "name": f"出厂检验 {day}.pdf"}}
        for day in days], p)
    batch = second_page(srv, f"/api/v1/products/{product['id']}/batches?order=newest")
    tok["regulator"] = srv.account("regulator", "江苏省市场监督管理局", "32")
    return {"tokens": tok, "ids": ids, "product": product, "products": 1001, "batch": batch,
            "batches": len(days), "newest": f"D{days[-1]:%Y%m%d}"}


SCENARIOS = {"supply_chain": supply_chain, "regulator_desk": regulator_desk, "many_batches": many_batches}


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
