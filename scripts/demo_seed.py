#!/usr/bin/python3
"""demo_seed.py — the supply chain `make demo` shows, written into a running qtrace server
through its public HTTP API only, as producers' and shops' own systems would: producers in
seven provinces register with the first-batch catalogue's products (wires and cables, gas
appliances, e-bikes with their batteries and chargers, helmets, plywood and blockboard,
cold-rolled ribbed steel bars, steel wire rope), record batches, issue item codes (一物一码),
commission them, pack them into cartons (SSCC), ship them to distributors, who receive them
and ship on to retailers, who receive them and sell most of them, with a few returns.

The structure (units, products, quantities, dates relative to today, who buys what) comes
from a seeded RNG, so every run builds the same chain; the codes' serials come from the
platform. Standard library only (run with /usr/bin/python3).

Usage: demo_seed.py --base http://127.0.0.1:8080 --out DIR [--items N] [--seed S]
                    [--authorities FILE]
Writes DIR/tokens.json (every account's token, mode 0600) and DIR/summary.json (what was
written, for tests), shows progress on stdout and ends by printing the URLs and one token
per role. --authorities: lines "role<TAB>jurisdiction<TAB>name<TAB>token" of the accounts
`qtrace account add` made (regulators, inspection bodies), to list with the rest."""
import argparse
import collections
import datetime
import hashlib
import json
import os
import random
import sys
import time
import unicodedata
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtclient  # noqa: E402

EVENTS_PER_REQUEST = 10000  # the API's limit (POST /api/v1/events)
CODES_PER_EVENT = 63        # the API's limit on an event's codes
CODES_PAGE = 1000           # the largest page of GET /api/v1/codes
CN = datetime.timezone(datetime.timedelta(hours=8))  # production dates are China dates

# ---- the chain: who makes what, who buys from whom ----

# Producers. Licence numbers and CCC certificate numbers are made up in the real formats
# (XKnn-nnn-nnnnn; year, body, product class, serial); standards are the current national
# (GB, GB/T) or industry (CJ/T) standards for each product. A product is
# (catalogue unit, name, type, model, standard, warranty months or None, items per carton
#  or 0 when shipped loose, share of the items, code schemes its batches use in turn).
PRODUCERS = [
    dict(name="东莞市粤通电线电缆有限公司", division="441900",
         address="广东省东莞市长安镇振安中路128号", contact="0769-85331201",
         licence="(粤)XK06-001-02871", buyers={"D1": 5, "D2": 2, "D3": 1, "D4": 1},
         products=[
             ("wire-cable.extruded-lv-power", "交联聚乙烯绝缘聚氯乙烯护套电力电缆", "低压电力电缆",
              "YJV-0.6/1kV 3×4+1×2.5 100m/卷", "GB/T 12706.1-2020", 24, 10, 8, ["gs1"]),
             ("wire-cable.plastic-control", "聚氯乙烯绝缘聚氯乙烯护套控制电缆", "控制电缆",
              "KVV-450/750V 4×1.5 100m/卷", "GB/T 9330-2020", 24, 20, 8, ["gs1"]),
             ("wire-cable.overhead-insulated", "10kV交联聚乙烯绝缘架空电缆", "架空绝缘电缆",
              "JKLYJ-10kV 1×70 500m/盘", "GB/T 14049-2008", 24, 0, 2, ["gs1"]),
             ("wire-cable.overhead-stranded", "钢芯铝绞线", "架空绞线",
              "JL/G1A-240/30 1000m/盘", "GB/T 1179-2017", 24, 0, 1, ["gs1"]),
         ]),
    dict(name="佛山市顺德区美厨燃气具有限公司", division="440606",
         address="广东省佛山市顺德区容桂街道华口工业大道23号", contact="0757-26631788",
         ccc=("2024", "01", "0807"), buyers={"D1": 4, "D2": 3, "D3": 2, "D4": 2},
         products=[
             ("gas-appliance.household-cooker", "嵌入式家用燃气灶", "家用燃气灶具",
              "JZT-2-B23 天然气12T 4.5kW", "GB 16410-2020", 36, 12, 6, ["gs1"]),
             ("gas-appliance.connecting-hose", "燃气用不锈钢波纹连接软管", "燃气用连接软管",
              "BWG-DN10×1500mm", "CJ/T 197-2010", 60, 50, 8, ["gs1"]),
             ("gas-appliance.household-detector", "家用可燃气体探测器", "家用可燃气体探测器",
              "JT-AW-N100 天然气 独立式", "GB 15322.2-2019", 60, 40, 6, ["gs1", "ecode"]),
             ("gas-appliance.lpg-cylinder-regulator", "瓶装液化石油气调压器", "家用调压器",
              "JYT-0.6 出口压力2.8kPa", "GB 35844-2018", 24, 50, 4, ["gs1"]),
         ]),
    dict(name="无锡市锡山区骏驰电动车有限公司", division="320205",
         address="江苏省无锡市锡山区东港镇港下工业园兴港路8号", contact="0510-88711608",
         ccc=("2025", "01", "1116"), buyers={"D3": 3, "D4": 3, "R6": 2, "R7": 2},
         products=[
             ("e-bike.bicycle", "电动自行车", "电动自行车", "TDT2501Z 48V 25km/h",
              "GB 17761-2024", 24, 0, 3, ["dic", "gs1"]),
         ]),
    dict(name="长兴县天宇电源科技有限公司", division="330522",
         address="浙江省湖州市长兴县雉城街道画溪工业园区10号", contact="0572-6265318",
         ccc=("2025", "01", "1118"), buyers={"D3": 3, "D4": 3, "R6": 2, "R7": 2},
         products=[
             ("e-bike.battery", "电动自行车用锂离子蓄电池", "锂离子蓄电池组",
              "48V 20Ah 磷酸铁锂 TY-4820L", "GB 43854-2024", 24, 4, 4, ["gs1"]),
             ("e-bike.charger", "电动自行车用充电器", "充电器", "TY-CH4820 48V 2A",
              "GB 42295-2022", 12, 20, 4, ["gs1", "ecode"]),
         ]),
    dict(name="长垣市安盾劳保用品有限公司", division="410783",
         address="河南省新乡市长垣市丁栾镇产业集聚区纬三路6号", contact="0373-8672213",
         licence="XK16-003-00587", buyers={"D1": 2, "D2": 2, "D3": 3, "D4": 2},
         products=[
             ("safety-helmet.ordinary", "ABS普通型安全帽", "普通型安全帽", "V型 ABS 白色 帽壳带透气孔",
              "GB 2811-2019", 30, 20, 10, ["gs1", "gs1", "dic"]),
             ("safety-helmet.special", "阻燃绝缘特殊型安全帽", "特殊型安全帽（阻燃、电绝缘）",
              "V型 玻璃钢 G级", "GB 2811-2019", 30, 20, 3, ["gs1"]),
         ]),
    dict(name="临沂市兰山区鲁森木业有限公司", division="371302",
         address="山东省临沂市兰山区义堂镇工业园沂州路16号", contact="0539-8536620",
         licence="(鲁)XK19-001-01142", buyers={"D1": 2, "D2": 3, "D3": 3, "D4": 2},
         products=[
             ("plywood.ordinary", "杨木芯普通胶合板", "普通胶合板 Ⅱ类",
              "1220×2440×18mm E1级", "GB/T 9846-2015", None, 40, 8, ["gs1"]),
             ("plywood.fire-retardant", "难燃胶合板", "难燃胶合板 B1级", "1220×2440×15mm",
              "GB/T 18101-2013", None, 40, 2, ["gs1"]),
             ("blockboard.ordinary", "杉木芯细木工板", "细木工板", "1220×2440×17mm E1级",
              "GB/T 5849-2016", None, 40, 6, ["gs1"]),
         ]),
    dict(name="唐山市丰润区冀港钢铁制品有限公司", division="130208",
         address="河北省唐山市丰润区丰润镇北环路西段199号", contact="0315-5186612",
         licence="XK05-001-00366", buyers={"D1": 1, "D2": 2, "D3": 4, "D4": 1},
         products=[
             ("crb-steel-bar.reinforced-concrete", "CRB550冷轧带肋钢筋", "普通钢筋混凝土用",
              "CRB550 Φ8mm 盘卷 约2t", "GB/T 13788-2017", None, 0, 2, ["gs1"]),
             ("crb-steel-bar.prestressed-concrete", "CRB650冷轧带肋钢筋", "预应力混凝土用",
              "CRB650 Φ6mm 盘卷 约1.5t", "GB/T 13788-2017", None, 0, 1, ["gs1"]),
         ]),
    dict(name="遵义市红花岗区黔峰钢绳有限公司", division="520302",
         address="贵州省遵义市红花岗区深溪镇钢绳工业园2号", contact="0851-28716653",
         licence="XK05-002-00045", buyers={"D1": 1, "D2": 1, "D3": 1, "D4": 3},
         products=[
             ("steel-wire-rope.single-layer-strand", "光面钢丝绳", "单层股钢丝绳",
              "6×19S+FC 12mm 1770MPa 500m/卷", "GB/T 20118-2017", 12, 0, 2, ["gs1"]),
             ("steel-wire-rope.rotation-resistant", "阻旋转钢丝绳", "阻旋转钢丝绳",
              "35W×7 16mm 1960MPa 300m/卷", "GB/T 8918-2006", 12, 0, 1, ["gs1"]),
         ]),
]

DISTRIBUTORS = {
    "D1": dict(name="广州华南机电建材贸易有限公司", division="440103",
               address="广东省广州市荔湾区芳村大道东200号", contact="020-81512326",
               retailers=["R1", "R2"]),
    "D2": dict(name="上海沪申五金建材有限公司", division="310107",
               address="上海市普陀区真南路1051号", contact="021-52807731", retailers=["R3", "R4"]),
    "D3": dict(name="北京京丰建材机电商贸有限公司", division="110106",
               address="北京市丰台区南四环西路188号", contact="010-63702215",
               retailers=["R5", "R6"]),
    "D4": dict(name="成都蓉欣机电贸易有限公司", division="510106",
               address="四川省成都市金牛区蜀汉路366号", contact="028-87561932",
               retailers=["R7", "R8"]),
}

# Retailers: hardware and building-material shops sell all but e-bikes; e-bike shops sell
# e-bikes, their batteries and chargers, and helmets. "92": individual businesses (个体工商户).
HARDWARE = {"wire-cable", "gas-appliance", "safety-helmet", "plywood", "blockboard",
            "crb-steel-bar", "steel-wire-rope"}
EBIKE_SHOP = {"e-bike", "safety-helmet"}
RETAILERS = {
    "R1": dict(name="深圳市福田区鹏城五金店", division="440304", kind="92", sells=HARDWARE,
               address="广东省深圳市福田区华强北路1019号", contact="0755-83365210"),
    "R2": dict(name="广州市天河区安居建材商行", division="440106", kind="92", sells=HARDWARE,
               address="广东省广州市天河区员村二横路5号", contact="020-85562718"),
    "R3": dict(name="上海浦东百安建材超市有限公司", division="310115", kind="91", sells=HARDWARE,
               address="上海市浦东新区川沙路5198号", contact="021-58921136"),
    "R4": dict(name="苏州市虎丘区鑫达五金机电商行", division="320505", kind="92", sells=HARDWARE,
               address="江苏省苏州市虎丘区狮山路88号", contact="0512-68251907"),
    "R5": dict(name="北京东坝建材城惠民五金店", division="110105", kind="92", sells=HARDWARE,
               address="北京市朝阳区东坝中路38号", contact="010-84331562"),
    "R6": dict(name="天津市南开区恒通电动车行", division="120104", kind="92", sells=EBIKE_SHOP,
               address="天津市南开区鞍山西道296号", contact="022-27425518"),
    "R7": dict(name="成都市武侯区蓉安电动车销售中心", division="510107", kind="92",
               sells=EBIKE_SHOP, address="四川省成都市武侯区武侯大道铁佛段147号",
               contact="028-85070633"),
    "R8": dict(name="重庆市渝中区解放碑五金交电商店", division="500103", kind="91",
               sells=HARDWARE, address="重庆市渝中区民族路166号", contact="023-63834109"),
}

RETURN_REASONS = ["七天无理由退货", "质量问题退货：外包装破损", "顾客购买型号有误，退货"]


class SeedError(Exception):
    pass


# ---- output ----

def width(text):
    """Columns text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text, cols):
    return text + " " * max(0, cols - width(text))


def n(x):
    return f"{x:,}"


class Progress:
    """A line per step. On a terminal the line counts up in place; elsewhere (logs, tests)
    only each step's final line is written."""

    def __init__(self, out):
        self.out = out
        self.tty = out.isatty()
        self.last = self.step_start = time.monotonic()

    def show(self, step, text, final=False):
        """final: the step's last line, with the seconds it took (since the last final)."""
        now = time.monotonic()
        if not final and (not self.tty or now - self.last < 0.1):
            return
        self.last = now
        line = f"  {pad(step, 12)} {text}"
        if final:
            line += f"  ({now - self.step_start:.1f} s)"
            self.step_start = now
        if self.tty:
            self.out.write("\r\033[K" + line + ("\n" if final else ""))
        elif final:
            self.out.write(line + "\n")
        self.out.flush()


class Tally:
    """A running count shown as a step's progress: call it with each request's count."""

    def __init__(self, progress, step, what, total=None):
        self.progress, self.step, self.what, self.total = progress, step, what, total
        self.done = 0

    def __call__(self, k):
        self.done += k
        of = f"/{n(self.total)}" if self.total else ""
        self.progress.show(self.step, f"{n(self.done)}{of} {self.what}")


# ---- the API ----

class Api:
    def __init__(self, base):
        self.base = base
        self.requests = 0
        self.waited = 0.0  # seconds spent in requests (the rest is this script's own work)

    def call(self, method, path, body=None, token=None):
        self.requests += 1
        t = time.monotonic()
        st, v, _ = qtclient.request(self.base, method, path, body, token, timeout=600)
        self.waited += time.monotonic() - t
        if st not in (200, 201):
            raise SeedError(f"{method} {path} answered {st}: {v}")
        return v

    def events(self, token, events, progress=None):
        """Posts events in requests of at most EVENTS_PER_REQUEST; returns each event's
        ledger index. progress(k) after each request of k events."""
        indices = []
        for i in range(0, len(events), EVENTS_PER_REQUEST):
            chunk = events[i:i + EVENTS_PER_REQUEST]
            first = self.call("POST", "/api/v1/events", {"events": chunk}, token)["first_index"]
            indices += range(first, first + len(chunk))
            if progress:
                progress(len(chunk))
        return indices


# ---- the model ----

class Unit:
    """A registered producer or seller."""

    def __init__(self, key, spec, roles, rng):
        self.key = key
        self.name, self.division = spec["name"], spec["division"]
        self.address, self.contact = spec["address"], spec["contact"]
        self.roles = roles
        org = "MA" + "".join(rng.choice(qtclient.USCC_ALPHABET) for _ in range(6))
        self.uscc = qtclient.uscc(self.division, org, spec.get("kind", "91"))
        self.token = None
        self.stock = []  # the parcels it holds

    def party(self):
        """This unit as a ship's buyer: name public, address and contact sealed."""
        return {"uscc": self.uscc, "name": self.name,
                "address": {"value": self.address, "public": False},
                "contact": {"value": self.contact, "public": False}}


class Parcel:
    """What moves as one: a carton (its SSCC and the items packed in it) or one loose item."""

    def __init__(self, key, items, category, ready):
        self.key, self.items, self.category, self.ready = key, items, category, ready


class Clock:
    """Event times: days after a given time, during China working hours, never in the
    future (so the server accepts production dates and the times read true). Counted from
    today's midnight in China with an RNG of their own, so that neither the time of day
    the demo runs nor the times drawn change the chain's structure."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.today = self.now.astimezone(CN).replace(hour=0, minute=0, second=0)

    def after(self, t, lo_days, hi_days):
        d = t + datetime.timedelta(days=self.rng.uniform(lo_days, hi_days))
        local = d.astimezone(CN)
        d = local.replace(hour=self.rng.randint(8, 18), minute=self.rng.randint(0, 59),
                          second=self.rng.randint(0, 59)).astimezone(datetime.timezone.utc)
        latest = self.now - datetime.timedelta(minutes=5)
        return min(max(d, t + datetime.timedelta(minutes=10)), latest)

    def days_ago(self, days):
        return self.after(self.today - datetime.timedelta(days=days), 0, 0)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def split(total, weights):
    """total split in proportion to weights (largest remainders), every share at least 1
    when total allows."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
            :total - sum(out)]:
        out[i] += 1
    for i in range(len(out)):
        while out[i] == 0 and max(out) > 1:
            out[out.index(max(out))] -= 1
            out[i] += 1
    return out


def fake_file(what):
    """A document reference (the API stores the file's hash and name, not the file)."""
    return {"sha256": hashlib.sha256(what.encode()).hexdigest(), "name": what + ".pdf"}


def ship_event(parcels, buyer, t):
    return {"type": "ship", "codes": [p.key for p in parcels], "time": iso(t),
            "buyer": buyer.party()}


# ---- seeding, step by step ----

class Seeder:
    def __init__(self, api, items, seed, out):
        self.api, self.items = api, items
        self.rng = random.Random(seed)
        self.clock = Clock(seed + 1)
        self.progress = Progress(out)
        self.out = out
        self.count = collections.Counter()  # ledger records written, by record type
        self.codes_by_scheme = collections.Counter()
        self.example = {}
        self.producers, self.sellers = [], {}
        self.in_transit = 0

    def run(self):
        self.check_catalogue()
        self.register_units()
        self.register_products()
        self.issue_codes()
        self.commission_and_pack()
        self.in_transit = self.ship_from_producers() + self.ship_to_retailers()
        self.sell()

    def check_catalogue(self):
        cat = self.api.call("GET", "/api/v1/catalog")
        self.requires = {u["id"]: u["requires"] for c in cat["categories"] for u in c["units"]}
        wanted = {p[0] for spec in PRODUCERS for p in spec["products"]}
        missing = sorted(wanted - set(self.requires))
        if missing:
            raise SeedError("the catalogue has no unit " + ", ".join(missing))
        self.progress.show("catalogue", f"{len(cat['categories'])} categories, "
                           f"{len(self.requires)} product units; the demo uses {len(wanted)}",
                           True)

    def register(self, unit):
        body = {"name": unit.name, "uscc": unit.uscc, "address": unit.address,
                "contact": unit.contact, "licence": fake_file("营业执照-" + unit.uscc),
                "roles": unit.roles}
        unit.token = self.api.call("POST", "/api/v1/units", body)["token"]
        self.count["unit.register"] += 1

    def register_units(self):
        rng = self.rng
        for i, spec in enumerate(PRODUCERS):
            u = Unit(f"P{i + 1}", spec, ["producer"], rng)
            u.spec = spec
            u.gcp = "69" + "".join(rng.choice("0123456789") for _ in range(7))
            u.sscc_next = rng.randint(1000, 9000) * 100
            self.producers.append(u)
        for key, spec in list(DISTRIBUTORS.items()) + list(RETAILERS.items()):
            u = Unit(key, spec, ["seller"], rng)
            u.spec = spec
            self.sellers[key] = u
        every = self.producers + list(self.sellers.values())
        for k, u in enumerate(every):
            self.register(u)
            self.progress.show("units", f"{k + 1}/{len(every)}")
        provinces = {u.division[:2] for u in self.producers}
        self.progress.show("units", f"{len(self.producers)} producers in {len(provinces)} "
                           f"provinces, {len(DISTRIBUTORS)} distributors, {len(RETAILERS)} "
                           "retailers", True)

    def certificate(self, producer, unit_id):
        requires = self.requires[unit_id]
        if requires in ("licence", "licence_or_ccc") and "licence" in producer.spec:
            return {"licence_no": producer.spec["licence"]}
        if requires in ("ccc", "licence_or_ccc") and "ccc" in producer.spec:
            year, body, cls = producer.spec["ccc"]
            return {"ccc_no": f"{year}{body}{cls}{self.rng.randint(100000, 999999):06d}"}
        raise SeedError(f"{producer.name} has no certificate of the kind {unit_id} needs "
                        f"({requires})")

    def register_products(self):
        rng = self.rng
        specs = [(u, p) for u in self.producers for p in u.spec["products"]]
        shares = split(self.items, [p[7] for _, p in specs])
        self.products = []
        for k, ((u, p), share) in enumerate(zip(specs, shares)):
            unit_id, name, ptype, model, standard, warranty, carton, _, schemes = p
            ref = f"{len([q for q in self.products if q['producer'] is u]) + 1:03d}"
            gtin = u.gcp + ref + qtclient.gs1_check_digit(u.gcp + ref)
            body = {"name": name, "catalog_unit": unit_id, "type": ptype, "model": model,
                    "standard": standard, "schemes": sorted(set(schemes)), "gtin": gtin,
                    **self.certificate(u, unit_id)}
            if warranty is not None:
                body["warranty_months"] = warranty
            doc = self.api.call("POST", "/api/v1/products", body, u.token)["product"]
            self.count["product.register"] += 1
            self.products.append({"producer": u, "id": doc["id"], "category": unit_id.split(".")[0], "carton": carton,
                                  "schemes": schemes, "items": share, "batches": []})
            self.progress.show("products", f"{k + 1}/{len(specs)}")
        n_batches = 0
        for prod in self.products:
            count = max(1, min(prod["items"], rng.randint(2, 4)))
            days = sorted((rng.uniform(30, 175) for _ in range(count)), reverse=True)
            for b, (qty, ago) in enumerate(zip(split(prod["items"], [rng.uniform(0.6, 1.4)
                                                                      for _ in range(count)]),
                                               days)):
                made = self.clock.days_ago(ago)
                day = made.astimezone(CN).date()
                batch_no = f"{day:%Y%m%d}{b + 1:02d}"
                doc = self.api.call("POST", "/api/v1/batches", {
                    "product": prod["id"], "batch_no": batch_no,
                    "production_date": day.isoformat(), "quantity": qty,
                    "inspection_report": fake_file(f"出厂检验报告-{batch_no}")},
                    prod["producer"].token)["batch"]
                self.count["batch.register"] += 1
                scheme = prod["schemes"][b % len(prod["schemes"])]
                prod["batches"].append({"id": doc["id"], "qty": qty, "made": made,
                                        "scheme": scheme, "codes": []})
                n_batches += 1
        self.progress.show("products", f"{len(self.products)} products, {n_batches} batches "
                           "with their inspection reports", True)

    def issue_codes(self):
        done = 0
        for prod in self.products:
            tok = prod["producer"].token
            for b in prod["batches"]:
                r = self.api.call("POST", "/api/v1/codes", {
                    "batch": b["id"], "granularity": "item", "scheme": b["scheme"],
                    "count": b["qty"]}, tok)
                self.count["code.issue"] += r["records"]
                after = ""
                while True:  # the answer lists the first 1000: page the rest
                    q = f"/api/v1/codes?batch={b['id']}&limit={CODES_PAGE}"
                    if after:
                        q += "&after=" + urllib.parse.quote(after, safe="")
                    page = self.api.call("GET", q, token=tok)
                    b["codes"] += page["codes"]
                    after = page.get("next")
                    if not after:
                        break
                if len(b["codes"]) != b["qty"]:
                    raise SeedError(f"batch {b['id']}: issued {b['qty']}, listed "
                                    f"{len(b['codes'])}")
                self.codes_by_scheme[b["scheme"]] += b["qty"]
                done += b["qty"]
                self.progress.show("codes", f"{n(done)}/{n(self.items)}")
        by = " · ".join(f"{s} {n(c)}" for s, c in self.codes_by_scheme.most_common())
        self.progress.show("codes", f"{n(done)}/{n(self.items)} item codes issued ({by})", True)

    def commission_and_pack(self):
        sent, cartons = Tally(self.progress, "commission", "events"), 0
        for u in self.producers:
            events = []
            for prod in (p for p in self.products if p["producer"] is u):
                for b in prod["batches"]:
                    codes, made = b["codes"], b["made"]
                    for i in range(0, len(codes), CODES_PER_EVENT):
                        events.append({"type": "commission", "time": iso(made),
                                       "codes": codes[i:i + CODES_PER_EVENT]})
                    size = prod["carton"]
                    for i in range(0, len(codes), size or 1):
                        if not size:
                            u.stock.append(Parcel(codes[i], [codes[i]], prod["category"],
                                                  made))
                            continue
                        sscc = self.next_sscc(u)
                        packed = self.clock.after(made, 0, 1)
                        events.append({"type": "pack", "parent": sscc, "time": iso(packed),
                                       "codes": codes[i:i + size]})
                        u.stock.append(Parcel(sscc, codes[i:i + size], prod["category"],
                                              packed))
                        cartons += 1
            self.api.events(u.token, events, sent)
            for e in events:
                self.count["event." + e["type"]] += 1
        self.progress.show("commission", f"{n(self.items)} codes commissioned, {n(cartons)} "
                           "cartons (SSCC) packed", True)

    def next_sscc(self, u):
        body = "3" + u.gcp + f"{u.sscc_next:07d}"
        u.sscc_next += 1
        return "00/" + body + qtclient.gs1_check_digit(body)

    def deliver(self, plans, ship_step, ship_what, recv_step):
        """plans: [(sender, [(buyer, parcels, time)] in time order)]. Every plan is shipped,
        then each buyer receives its shipments in time order, except the latest shipment of
        all (still on the road). Returns how many stay in transit (one)."""
        shipments, suppliers = [], {}
        sent = Tally(self.progress, ship_step, "shipments")
        for sender, plan in plans:
            events = [ship_event(parcels, buyer, t) for buyer, parcels, t in plan]
            indices = self.api.events(sender.token, events, sent)
            self.count["event.ship"] += len(events)
            for (buyer, parcels, t), idx in zip(plan, indices):
                shipments.append((buyer, idx, parcels, t))
                suppliers[idx] = sender
        codes = sum(len(p.items) for s in shipments for p in s[2])
        self.progress.show(ship_step, f"{n(len(shipments))} shipments ({n(codes)} codes) "
                           + ship_what, True)

        shipments.sort(key=lambda s: s[3])
        per_buyer = collections.defaultdict(list)
        for buyer, idx, parcels, t in shipments[:-1]:
            at = self.clock.after(t, 1, 4)
            supplier = suppliers[idx]
            per_buyer[buyer.key].append(
                ({"type": "receive", "shipment": idx, "time": iso(at),
                  "codes": [p.key for p in parcels],
                  "supplier": {"uscc": supplier.uscc, "name": supplier.name}}, parcels, at))
        got = Tally(self.progress, recv_step, "received", len(shipments))
        for key, items in per_buyer.items():
            buyer = self.sellers[key]
            self.api.events(buyer.token, [e for e, _, _ in items], got)
            self.count["event.receive"] += len(items)
            for _, parcels, at in items:
                for p in parcels:
                    p.ready = at
                    buyer.stock.append(p)
        in_transit = len(shipments) - got.done
        self.progress.show(recv_step, f"{n(got.done)} received, {in_transit} still in transit",
                           True)
        return in_transit

    def ship_from_producers(self):
        rng, plans = self.rng, []
        for u in self.producers:
            stock = sorted(u.stock, key=lambda p: p.ready)
            keep = len(stock) // 12  # the latest production stays in the warehouse
            out, u.stock = stock[:len(stock) - keep], stock[len(stock) - keep:]
            buyers = list(u.spec["buyers"])
            weights = [u.spec["buyers"][b] for b in buyers]
            plan, i = [], 0
            while i < len(out):
                size = rng.randint(20, CODES_PER_EVENT)
                parcels = out[i:i + size]
                i += size
                buyer = self.sellers[rng.choices(buyers, weights)[0]]
                plan.append((buyer, parcels, self.clock.after(max(p.ready for p in parcels),
                                                              2, 8)))
            plans.append((u, sorted(plan, key=lambda s: s[2])))
        return self.deliver(plans, "shipping", "from producers to distributors and e-bike shops",
                            "receiving")

    def ship_to_retailers(self):
        rng, plans, unpacked = self.rng, [], 0
        for key, spec in DISTRIBUTORS.items():
            d = self.sellers[key]
            stock = sorted(d.stock, key=lambda p: p.ready)
            d.stock = []
            opened, pending = [], collections.defaultdict(list)
            for p in stock:
                shops = [r for r in spec["retailers"] if p.category in RETAILERS[r]["sells"]]
                if not shops or rng.random() < 0.2:  # the distributor's own stock
                    d.stock.append(p)
                    continue
                if len(p.items) > 1 and rng.random() < 0.1:
                    # a shop wants fewer than a carton: open it and send loose items
                    at = self.clock.after(p.ready, 0.5, 3)
                    opened.append({"type": "unpack", "parent": p.key, "time": iso(at),
                                   "codes": p.items})
                    loose = [Parcel(c, [c], p.category, at) for c in p.items]
                else:
                    loose = [p]
                for q in loose:
                    pending[rng.choice(shops)].append(q)
            if opened:
                self.api.events(d.token, opened)
                self.count["event.unpack"] += len(opened)
                unpacked += len(opened)
            plan = []
            for shop, parcels in pending.items():
                i = 0
                while i < len(parcels):
                    size = rng.randint(3, 30)
                    group = parcels[i:i + size]
                    i += size
                    plan.append((self.sellers[shop], group,
                                 self.clock.after(max(p.ready for p in group), 1, 8)))
            plans.append((d, sorted(plan, key=lambda s: s[2])))
        return self.deliver(plans, "to shops", f"from distributors to retailers, {unpacked} "
                            f"carton{'s' * (unpacked != 1)} opened", "shops recv")

    def sell(self):
        """Each shop sells about three quarters of what it holds, mostly one item a sale,
        after it received it; a few sales come back."""
        rng, sold, returns = self.rng, 0, 0
        shops = [self.sellers[k] for k in RETAILERS]
        on_hand = sum(len(p.items) for s in shops for p in s.stock)
        sales_made = Tally(self.progress, "retail", "sales")
        for shop in shops:
            items = [(c, p.ready) for p in shop.stock for c in p.items]
            rng.shuffle(items)
            selling = items[:int(len(items) * 0.75)]
            shop.unsold = [c for c, _ in items[len(selling):]]
            sales, i = [], 0
            while i < len(selling):
                group = selling[i:i + rng.choices([1, 2, 3, 5], [80, 10, 6, 4])[0]]
                i += len(group)
                ready = max(t for _, t in group)
                at = self.clock.after(ready, 0, (self.clock.now - ready).days)
                sale = {"type": "retail", "time": iso(at), "codes": [c for c, _ in group]}
                if rng.random() < 0.1:
                    sale["public"] = False  # the shop keeps this sale's time private
                sales.append((at, sale))
            sales.sort(key=lambda s: s[0])
            indices = self.api.events(shop.token, [e for _, e in sales], sales_made)
            self.count["event.retail"] += len(sales)
            sold += len(selling)
            if sales and "sale" not in self.example:
                self.example["sale"] = indices[-1]
                self.example["sold_code"] = sales[-1][1]["codes"][0]
            rets = [{"type": "return", "codes": e["codes"][:1],
                     "time": iso(self.clock.after(at, 1, 7)),
                     "reason": rng.choice(RETURN_REASONS)}
                    for at, e in [s for s in sales if rng.random() < 0.004] or sales[:1]]
            if rets:
                self.api.events(shop.token, rets)
                self.count["event.return"] += len(rets)
                returns += len(rets)
        self.progress.show("retail", f"{n(sold)}/{n(on_hand)} items on shop shelves sold in "
                           f"{n(sales_made.done)} sales, {returns} returned", True)


# ---- the result ----

def read_authorities(path):
    accounts = []
    if path:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    role, jurisdiction, name, token = line.rstrip("\n").split("\t")
                    accounts.append({"role": role, "jurisdiction": jurisdiction, "name": name,
                                     "token": token})
    return accounts


def write_private(path, value):
    """JSON to a file only its owner can read (it holds bearer tokens)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def banner(s, api, authorities, tokens_path):
    base, out = api.base, s.out
    size = api.call("GET", "/healthz")["tree_size"]
    producer = s.producers[0]
    prod = next(p for p in s.products if p["producer"] is producer)
    shop = next((r for r in (s.sellers[k] for k in RETAILERS) if r.unsold), None)
    sale = s.example.get("sale")
    urls = [("checkpoint", f"{base}/checkpoint"),
            ("health", f"{base}/healthz"),
            ("metrics", f"{base}/metrics"),
            ("catalogue", f"{base}/api/v1/catalog"),
            ("a product", f"{base}/api/v1/products/{prod['id']}"),
            ("its batches", f"{base}/api/v1/products/{prod['id']}/batches"),
            ("verifier key", f"{base}/api/v1/ledger/key")]
    if sale is not None:
        code = urllib.parse.quote(s.example["sold_code"], safe="")
        urls += [("a sold item", f"{base}/api/v1/codes/{code}"),
                 ("a retail sale", f"{base}/api/v1/ledger/entries/{sale}"),
                 ("its proof", f"{base}/api/v1/ledger/proof/inclusion?index={sale}&size={size}")]
    out.write(f"\nAPI base {base}/api/v1 (the contract: docs/openapi.yaml)\n")
    out.write("\nURLs (public, no token needed)\n")
    for label, url in urls:
        out.write(f"  {pad(label, 14)} {url}\n")
    out.write("\nWeb pages (open in a browser)\n")
    page = f"{base}/"
    if sale is not None:
        page += "?code=" + urllib.parse.quote(s.example["sold_code"], safe="")
    out.write(f"  {pad('public page', 14)} {page}\n")
    out.write(f"  {pad('console', 14)} {base}/console   (sign in with a producer or seller token)\n")
    out.write(f"  {pad('dashboard', 14)} {base}/dashboard (sign in with a regulator token)\n")

    def authority(role, national):
        return next((a for a in authorities if a["role"] == role and
                     (national is None or (a["jurisdiction"] == "00") == national)), None)
    shown = [("producer", producer.name, producer.token)]
    if shop:
        shown.append(("seller", shop.name, shop.token))
    for a in (authority("regulator", True), authority("regulator", False),
              authority("inspection", None)):
        if a:
            where = {"": "", "00": " (national)"}.get(a["jurisdiction"],
                                                        f" ({a['jurisdiction']})")
            shown.append((a["role"] + where, a["name"], a["token"]))
    out.write(f"\nTokens, one per role (every account's is in {tokens_path}, mode 0600)\n")
    for label, name, token in shown:
        out.write(f"  {pad(label, 23)} {pad(name, 34)} {token}\n")

    out.write("\nTry\n")
    out.write(f"  # {producer.name}'s products\n")
    out.write(f"  curl -s -H 'Authorization: Bearer {producer.token}' {base}/api/v1/products\n")
    reg = authority("regulator", False) or authority("regulator", True)
    if reg:
        out.write(f"  # the products a regulator's jurisdiction covers ({reg['name']})\n")
        out.write(f"  curl -s -H 'Authorization: Bearer {reg['token']}' "
                  f"'{base}/api/v1/products?limit=5'\n")
    if shop:
        code = next((c for c in shop.unsold if c.startswith("01/")), shop.unsold[0])
        s.example["shelf_code"], s.example["shelf_shop"] = code, shop.uscc
        body = json.dumps({"events": [{"type": "retail", "codes": [code]}]},
                          separators=(",", ":"))
        out.write(f"  # {shop.name} sells one more item (a second try is refused: sold)\n")
        out.write(f"  curl -s -X POST -H 'Authorization: Bearer {shop.token}' "
                  f"-H 'Content-Type: application/json' \\\n       -d '{body}' "
                  f"{base}/api/v1/events\n")
    return size


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8080")
    ap.add_argument("--out", required=True, help="where tokens.json and summary.json go")
    ap.add_argument("--items", type=int, default=120000, help="item codes (at least 100)")
    ap.add_argument("--seed", type=int, default=20241231)
    ap.add_argument("--authorities", help="TSV of the CLI-made accounts to list")
    args = ap.parse_args(argv)
    if args.items < 100:
        ap.error("--items must be at least 100")
    api = Api(args.base.rstrip("/"))
    authorities = read_authorities(args.authorities)
    for a in authorities:  # a token that does not work would make a useless demo
        me = api.call("GET", "/api/v1/units/me", token=a["token"])
        if a["role"] not in me["roles"]:
            raise SeedError(f"the {a['role']} token of {a['name']} belongs to {me}")
    out = sys.stdout
    out.write(f"Seeding {args.base}: {n(args.items)} item codes, seed {args.seed}\n")
    t0 = time.monotonic()
    s = Seeder(api, args.items, args.seed, out)
    s.run()
    seconds = time.monotonic() - t0
    events = sum(v for k, v in s.count.items() if k.startswith("event."))
    records = sum(s.count.values())
    out.write(f"  {pad('done', 12)} {n(events)} events, {n(records)} ledger records, "
              f"{n(api.requests)} requests in {seconds:.1f} s, {api.waited:.1f} s of it "
              f"waiting for the server ({n(int(records / seconds))} records/s)\n")

    tokens_path = os.path.join(args.out, "tokens.json")
    accounts = [{"role": u.roles[0], "kind": {"P": "producer", "D": "distributor",
                                              "R": "retailer"}[u.key[0]],
                 "name": u.name, "uscc": u.uscc, "token": u.token}
                for u in s.producers + list(s.sellers.values())]
    write_private(tokens_path, {"base": args.base, "accounts": authorities + accounts})
    size = banner(s, api, authorities, tokens_path)
    summary = {"items": args.items, "seed": args.seed, "seconds": round(seconds, 2),
               "server_seconds": round(api.waited, 2), "requests": api.requests,
               "records": dict(s.count), "events": events, "tree_size": size,
               "codes_by_scheme": dict(s.codes_by_scheme), "in_transit": s.in_transit,
               "products": len(s.products),
               "batches": sum(len(p["batches"]) for p in s.products),
               "cartons": s.count["event.pack"], "example": s.example}
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
        f.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SeedError as e:
        print(f"\ndemo_seed: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:  # the server went away (or never came)
        print(f"\ndemo_seed: cannot talk to the server: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ndemo_seed: interrupted", file=sys.stderr)
        sys.exit(130)
