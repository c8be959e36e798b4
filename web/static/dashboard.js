// dashboard.js — the regulator's dashboard (/dashboard): signs in with a regulator's bearer token
// (kept in sessionStorage, so it goes with the tab), then shows what GET /api/v1/stats counts as
// charts (chart.js, the global Chart from /vendor/) with a table of the same figures, traces a
// scanned code both ways and its batch forward, and works the regulator's lists: warnings, recalls
// (started from a scanned code, a product and batch number, or an id) and their impact report,
// samplings, complaints, draws. A code may be typed, pasted or read by the camera (scan.js).
import {
  $, alertBox, api, applyWords, chinaTime, codePath, cutText, el, errorText, fetchAll, languageSwitch, pagedList, say, t,
  tableHead, tn, words,
} from "./common.js";
import { scanner } from "./scan.js";

words(
  {
    title: "产品质量安全追溯监管工作台",
    "signin.title": "监管部门登录",
    "signin.token": "监管账户令牌",
    "signin.go": "登录",
    "signin.hint": "令牌由平台管理员发放，只保存在本浏览器标签页中，关闭后即失效。",
    "signin.checking": "正在核对令牌……",
    "signin.bad": "令牌无效：平台上没有这个账户。请核对后重新输入。",
    "signin.notRegulator": "“{name}”不是监管部门账户，不能使用监管工作台。",
    "signin.who": "{name} · 辖区：{area}",
    "signin.national": "全国",
    signout: "退出登录",
    nav: "栏目",
    filter: "筛选",
    none: "暂无记录。",
    "err.401": "登录已失效，请重新登录。",
    "err.403": "此账户无权查看或办理这一项。",
    "overview.title": "总览",
    "fig.units": "生产经营单位",
    "fig.products": "产品",
    "fig.codes": "追溯码",
    "fig.flow": "流向完整率",
    "fig.flow.value": "{share}（{flowed} / {commissioned} 件已激活产品有流向记录）",
    "fig.catalog": "目录覆盖",
    "fig.catalog.value": "{with} / {units} 个目录单元已有赋码产品（{share}）",
    "fig.open": "待办",
    "fig.open.value": "{warnings} · {recalls} · {complaints}",
    "open.warnings": "风险预警 {n} 条",
    "open.recalls": "召回 {n} 起",
    "open.complaints": "投诉 {n} 件",
    "chart.table": "数据表：{title}",
    "chart.category": "按产品类别的追溯码",
    "chart.region": "按省份的追溯码",
    "chart.flow": "已激活追溯码的流向",
    "chart.events": "近 30 天每日流向记录",
    "chart.summary": "{title}：{rows}",
    "chart.nothing": "{title}：全部为零",
    "col.category": "类别",
    "col.region": "省份",
    "col.products": "产品",
    "col.codes": "追溯码",
    "col.units": "单位",
    "col.producers": "生产企业",
    "col.sellers": "销售者",
    "col.state": "状态",
    "col.count": "数量",
    "col.date": "日期",
    "col.events": "记录数",
    "flow.flowed": "有流向记录",
    "flow.producer": "仍在生产企业",
    "flow.issued": "已赋码未激活",
    "category.unknown": "目录外",
    "trace.title": "追溯查询",
    "trace.how":
      "扫描或粘贴产品上的追溯码（GS1 数字链接网址、GS1 元素串、Ecode、数字身份码等），查看它从哪里来、到了哪里：" +
      "每个持有单位及其取得和转出的时间，每一步都附账本记录序号，可独立验证。",
    "trace.code": "追溯码",
    "trace.code.hint": "扫码枪扫描，或粘贴扫码得到的网址或文字",
    "trace.go": "查询",
    "trace.unknown":
      "平台上没有这个追溯码（{code}）。请核对是否扫全、有无输错；" +
      "如确是产品上印的码，它不是平台上的生产企业发放的，产品可能为假冒。",
    "trace.unreadable":
      "无法识别“{code}”：它不是平台认得的追溯码格式（GS1 条码或数字链接网址、Ecode、数字身份码、CCC 证书编号）。请核对是否扫全。",
    "trace.outside": "这个追溯码的生产企业和经手单位都不在本辖区，本账户无权查看它的流向。可请相关地区的监管部门协查。",
    "trace.heading": "追溯码 {code}",
    "trace.status": "当前状态",
    "trace.product": "产品",
    "trace.producer": "生产企业",
    "trace.batch": "批次",
    "trace.batch.value": "批号 {no}，{date} 生产",
    "trace.holders": "持有单位（从来源到去向）",
    "trace.steps": "账本记录",
    "trace.items": "包装内的产品（{n} 件）",
    "trace.items.more": "包装内产品较多，只列出前 10,000 件。",
    "trace.truncated": "这个码的记录超过 2,000 条，只列出最早的部分。",
    "trace.batch.go": "查看批次 {no} 的全部去向",
    "trace.mark": "{time}（账本 #{index}）",
    "trace.now": "至今",
    "trace.ship": "{from} → {to}（发货记录 #{shipment}）",
    "trace.via": "随包装 {via}",
    "trace.voided": "已被账本 #{index} 更正作废",
    named: "{name}（{id}）",
    "col.holder": "持有单位",
    "col.area": "地区",
    "col.how": "如何取得",
    "col.since": "取得",
    "col.until": "转出",
    "col.index": "账本序号",
    "col.time": "时间",
    "col.type": "记录",
    "col.by": "经办单位",
    "col.detail": "说明",
    "col.code": "追溯码",
    "col.status": "状态",
    "col.parent": "所在包装",
    "col.quantity": "数量",
    "col.byStatus": "其中",
    "how.issued": "生产赋码",
    "how.packed": "装箱",
    "how.in_transit": "在途（已发货未签收）",
    "how.received": "签收",
    "code.status.issued": "已赋码未激活",
    "code.status.active": "在库",
    "code.status.in_transit": "运输途中",
    "code.status.sold": "已售出",
    "code.status.returned": "已退货",
    "code.status.recalled": "已召回",
    "code.status.destroyed": "已销毁",
    "step.code.issue": "赋码",
    "step.event.commission": "激活",
    "step.event.pack": "装箱",
    "step.event.unpack": "拆箱",
    "step.event.ship": "发货",
    "step.event.receive": "收货",
    "step.event.retail": "销售给消费者",
    "step.event.return": "退货",
    "step.event.recall": "召回",
    "step.event.destroy": "销毁",
    "step.event.correct": "更正",
    "step.recall.open": "发起召回",
    "step.recall.progress": "召回处理",
    "step.recall.close": "结束召回",
    "tb.heading": "批次 {no} 现在何处",
    "tb.total": "共 {items}，在 {holders}",
    "tb.items": "{n} 件",
    "tb.holders": "{n} 家单位",
    "tb.where": "每件产品的位置",
    "tb.none": "这个批次还没有追溯码。",
    "tb.status": "{status} {n}",
    "warnings.title": "风险预警",
    "warnings.rule": "规则",
    "warnings.state": "状态",
    "warnings.all": "全部",
    "warnings.none": "没有符合条件的风险预警。",
    "rule.two_failed_samplings": "两年内两次以上监督抽查不合格，应开展现场检查",
    "rule.suspect_scan": "查验发现可疑产品（未发放的码、克隆标签、去向不符或已召回）",
    "rule.licence_revoked": "生产许可证或 CCC 证书被吊销、暂停或过期",
    "rule.complaint_cluster": "同一产品 30 天内收到 3 起以上投诉",
    "rule.sold_without_flow": "产品出现在市场上，账本却没有它的流向记录",
    "subject.two_failed_samplings": "生产企业",
    "subject.suspect_scan": "追溯码",
    "subject.licence_revoked": "证照",
    "subject.complaint_cluster": "产品",
    "subject.sold_without_flow": "持有单位与产品",
    "state.open": "待处理",
    "state.acknowledged": "已确认",
    "state.closed": "已关闭",
    "w.region": "所在地区",
    "w.unit": "涉及单位",
    "w.product": "产品",
    "w.raised": "预警时间",
    "case.history": "处理记录",
    "case.history.line": "{at} {by}：{state}{note}",
    "w.note": "处理说明",
    "w.ack": "确认收到",
    "w.close": "关闭预警",
    "w.noteNeeded": "关闭预警需要填写处理说明。",
    "w.moved": "已更新为“{state}”。",
    "recalls.title": "召回",
    "recalls.list": "召回列表",
    "recalls.none": "辖区内暂无召回。",
    "recall.open": "发起召回",
    "recall.scope": "召回范围",
    "recall.scope.batch": "批次",
    "recall.scope.product": "产品",
    "recall.target": "批次或产品编号",
    "recall.target.hint": "如 B2bfe1d7897a2d19b",
    "recall.reason": "召回原因",
    "recall.submit": "发起召回",
    "recall.how":
      "先确定召回哪批产品：扫描或粘贴该批产品上的任一追溯码，或按产品名称和批号选择，或直接填写批次或产品编号。" +
      "核对显示的产品、生产企业和批号后再发起。",
    "recall.code": "产品上的追溯码",
    "recall.code.go": "按追溯码查找",
    "recall.name": "产品名称",
    "recall.name.hint": "名称、型号或商品条码的一部分",
    "recall.name.go": "查找产品",
    "recall.name.none": "辖区内没有名称、型号或商品条码含“{q}”的产品。",
    "recall.name.more": "继续查找更多产品",
    "recall.product": "产品",
    "recall.batch": "批号",
    "recall.batch.pick": "请选择批号",
    "recall.batch.item": "{no}（{date} 生产，{quantity} 件）",
    "recall.batch.all": "全部批次（召回整个产品）",
    "recall.batch.none": "这个产品还没有登记批次。",
    "recall.noProduct": "这个码没有对应的产品（可能是包装箱或托盘码），请扫描包装内单件产品上的追溯码。",
    "recall.noSuch.batch": "平台上没有编号为 {id} 的批次。",
    "recall.noSuch.product": "平台上没有编号为 {id} 的产品。",
    "recall.outside": "这批产品的生产企业和经手单位都不在本辖区。",
    "recall.confirm": "将要召回",
    "recall.confirm.check": "请核对产品、生产企业和批号无误后，填写召回原因并发起召回。",
    "recall.allBatches": "该产品全部批次",
    "recall.id": "编号",
    "r.batchNo": "批号",
    "r.scope.batch": "批次 {no} · {product}（{id}）",
    "r.scope.product": "产品 {product}（{id}）",
    "r.scope.codes": "追溯码 {codes} · {product}",
    "r.scope.codes.several": "追溯码 {codes} · {n} 种产品：{products}",
    "recall.opened": "已发起召回 {id}，涉及 {found} 件产品。",
    "recall.show": "查看影响评估",
    "recall.heading": "召回 {id}",
    "recall.status.open": "进行中",
    "recall.status.closed": "已结束",
    "r.reason": "原因",
    "r.scope": "范围",
    "r.producer": "生产企业",
    "r.by": "发起人",
    "r.date": "召回日期",
    "r.status": "状态",
    "r.note": "结案说明",
    "r.found": "涉及产品",
    "r.sold": "已售给消费者",
    "r.returned": "已退回",
    "r.destroyed": "已销毁",
    "r.outstanding": "尚未处理",
    "r.progress": "处理进度：已退回或销毁 {done} / {found} 件（{share}）",
    "r.holders": "按持有单位（流向范围）",
    "r.holder": "持有单位",
    "r.tier": "环节",
    "r.tier.producer": "生产",
    "r.tier.trade": "流通",
    "r.region": "地区",
    "r.quantity": "数量",
    "r.soldByRegion": "已售出产品的销售地",
    "r.soldNone": "受影响产品均未售给消费者。",
    "r.refresh": "刷新进度",
    "r.closeNote": "结案说明",
    "r.close": "结束召回",
    "r.closed": "召回已结束。",
    "samplings.title": "监督抽查",
    "samplings.none": "辖区内暂无抽查结果。",
    "s.pass": "合格",
    "s.fail": "不合格",
    "s.date": "抽查日期",
    "s.product": "产品",
    "s.batch": "批次",
    "s.producer": "生产企业",
    "s.unit": "被抽查单位",
    "s.place": "抽样环节",
    "s.place.production": "生产环节",
    "s.place.circulation": "流通环节",
    "s.standard": "依据标准",
    "s.items": "检验项目",
    "s.failed": "不合格项目",
    "s.by": "抽查机构",
    "s.report": "检验报告",
    "s.trace": "流向追查",
    "s.trace.value": "{holders} 家单位持有该批次",
    "s.onSite": "该企业两年内两次以上抽查不合格，应开展现场检查。",
    "complaints.title": "投诉举报",
    "complaints.none": "辖区内暂无投诉。",
    "c.code": "追溯码",
    "c.filed": "投诉时间",
    "c.state": "状态",
    "c.contact": "联系方式",
    "c.producer": "生产企业",
    "c.product": "产品",
    "c.batch": "批号",
    "c.area": "受理辖区",
    "c.notIssued": "此码不是平台上的生产企业发放的，产品可能为假冒。",
    "draws.title": "双随机抽查",
    "draws.how": "每次抽取的随机种子来自账本签名检查点和抽取参数，任何人都可以用账本副本运行每条记录下方的复核命令检查。",
    "samplings.how": "辖区内的监督抽查结果，按抽查日期排列；不合格批次在记录时已启动生产流通双向追查。",
    "complaints.how": "消费者扫码后提交、转到本辖区的投诉；投诉内容和联系方式只有监管部门可见。",
    "announcements.how": "平台和监管部门发布的公开公告，最新的在前；也可以订阅 /announcements.atom。",
    "draws.none": "暂无抽取记录。",
    "d.heading": "抽取 #{index}",
    "d.by": "抽取单位",
    "d.params": "抽取参数",
    "d.params.value": "检查对象 {units}，检查机构 {bodies}",
    "d.count.units": "{n} 家",
    "d.count.bodies": "{n} 家",
    "d.scope": "范围",
    "d.checkpoint": "检查点",
    "d.checkpoint.value": "账本树大小 {size}",
    "d.seed": "随机种子",
    "d.units": "抽中的检查对象",
    "d.bodies": "抽中的检查机构",
    "d.eligible": "候选",
    "d.eligible.value": "单位 {units}，机构 {bodies}",
    "d.verify": "复核命令",
    "announcements.title": "追溯公告",
    "announcements.none": "暂无公告。",
    "a.kind.catalog": "目录",
    "a.kind.recall": "召回",
    "a.kind.draw": "抽查",
    "a.kind.other": "公告",
    "a.full": "展开全文",
    footer: "数据记录在防篡改账本中，每一步都可独立验证。",
  },
  {
    title: "Product traceability: regulator's desk",
    "signin.title": "Regulator sign-in",
    "signin.token": "Regulator account token",
    "signin.go": "Sign in",
    "signin.hint":
      "The platform's administrator issues tokens. " +
      "It stays in this browser tab only and is gone when the tab closes.",
    "signin.checking": "Checking the token…",
    "signin.bad": "This token is not valid: the platform has no such account. Check it and try again.",
    "signin.notRegulator": "“{name}” is not a regulator's account and cannot use the regulator's desk.",
    "signin.who": "{name} · jurisdiction: {area}",
    "signin.national": "national",
    signout: "Sign out",
    nav: "Sections",
    filter: "Filter",
    none: "Nothing yet.",
    "err.401": "The sign-in has expired; please sign in again.",
    "err.403": "This account may not see or do this.",
    "overview.title": "Overview",
    "fig.units": "Producers and sellers",
    "fig.products": "Products",
    "fig.codes": "Trace codes",
    "fig.flow": "Flow completeness",
    "fig.flow.value": "{share} ({flowed} of {commissioned} commissioned items have a flow record)",
    "fig.flow.value.one": "{share} ({flowed} of {commissioned} commissioned item has a flow record)",
    "fig.catalog": "Catalogue coverage",
    "fig.catalog.value": "{with} of {units} catalogue units have coded products ({share})",
    "fig.catalog.value.one": "{with} of {units} catalogue unit has coded products ({share})",
    "fig.open": "To do",
    "fig.open.value": "{warnings} · {recalls} · {complaints} open",
    "open.warnings": "{n} warnings",
    "open.warnings.one": "{n} warning",
    "open.recalls": "{n} recalls",
    "open.recalls.one": "{n} recall",
    "open.complaints": "{n} complaints",
    "open.complaints.one": "{n} complaint",
    "chart.table": "Table: {title}",
    "chart.category": "Trace codes by category",
    "chart.region": "Trace codes by province",
    "chart.flow": "Where commissioned codes are",
    "chart.events": "Flow records per day, last 30 days",
    "chart.summary": "{title}: {rows}",
    "chart.nothing": "{title}: all zero",
    "col.category": "Category",
    "col.region": "Province",
    "col.products": "Products",
    "col.codes": "Codes",
    "col.units": "Units",
    "col.producers": "Producers",
    "col.sellers": "Sellers",
    "col.state": "State",
    "col.count": "Count",
    "col.date": "Date",
    "col.events": "Records",
    "flow.flowed": "With a flow record",
    "flow.producer": "Still at the producer",
    "flow.issued": "Issued, not commissioned",
    "category.unknown": "Outside the catalogue",
    "trace.title": "Trace",
    "trace.how":
      "Scan or paste the trace code on a product (a GS1 Digital Link address, a GS1 element string, an Ecode, " +
      "a digital identity code…) to see where it came from and where it went: every holder, when it got the item " +
      "and passed it on, each step with the ledger index of its record, which anyone can check.",
    "trace.code": "Trace code",
    "trace.code.hint": "Scan with a barcode reader, or paste the address or text a scan gave",
    "trace.go": "Trace",
    "trace.unknown":
      "The platform has no trace code {code}. Check that it was scanned whole and typed right; " +
      "if it is the code printed on the product, no producer on the platform issued it: the product may be counterfeit.",
    "trace.unreadable":
      "“{code}” is not a trace code the platform can read (a GS1 barcode or Digital Link address, an Ecode, " +
      "a digital identity code, a CCC certificate number). Check that it was scanned whole.",
    "trace.outside":
      "Neither the producer of this code nor any unit it passed through is in this jurisdiction, " +
      "so this account may not see its trace. Ask the regulator of the region concerned.",
    "trace.heading": "Trace code {code}",
    "trace.status": "Status now",
    "trace.product": "Product",
    "trace.producer": "Producer",
    "trace.batch": "Batch",
    "trace.batch.value": "batch number {no}, made on {date}",
    "trace.holders": "Holders, from source to where it is now",
    "trace.steps": "Ledger records",
    "trace.items": "Packed inside ({n} items)",
    "trace.items.one": "Packed inside ({n} item)",
    "trace.items.more": "Only the first 10,000 items packed inside are listed.",
    "trace.truncated": "This code has more than 2,000 records; the oldest are shown.",
    "trace.batch.go": "Where all of batch {no} is now",
    "trace.mark": "{time} (ledger #{index})",
    "trace.now": "now",
    "trace.ship": "{from} → {to} (shipment #{shipment})",
    "trace.via": "in package {via}",
    "trace.voided": "voided by ledger record #{index}",
    named: "{name} ({id})",
    "col.holder": "Holder",
    "col.area": "Region",
    "col.how": "How it got it",
    "col.since": "From",
    "col.until": "Until",
    "col.index": "Ledger #",
    "col.time": "Time",
    "col.type": "Record",
    "col.by": "By",
    "col.detail": "Detail",
    "col.code": "Trace code",
    "col.status": "Status",
    "col.parent": "Packed in",
    "col.quantity": "Quantity",
    "col.byStatus": "Of which",
    "how.issued": "Issued (producer)",
    "how.packed": "Packed",
    "how.in_transit": "In transit (shipped, not received)",
    "how.received": "Received",
    "code.status.issued": "Issued, not commissioned",
    "code.status.active": "In stock",
    "code.status.in_transit": "In transit",
    "code.status.sold": "Sold",
    "code.status.returned": "Returned",
    "code.status.recalled": "Recalled",
    "code.status.destroyed": "Destroyed",
    "step.code.issue": "Code issued",
    "step.event.commission": "Commissioned",
    "step.event.pack": "Packed",
    "step.event.unpack": "Unpacked",
    "step.event.ship": "Shipped",
    "step.event.receive": "Received",
    "step.event.retail": "Sold to a consumer",
    "step.event.return": "Returned",
    "step.event.recall": "Recalled",
    "step.event.destroy": "Destroyed",
    "step.event.correct": "Correction",
    "step.recall.open": "Recall opened",
    "step.recall.progress": "Recall progress",
    "step.recall.close": "Recall closed",
    "tb.heading": "Where batch {no} is now",
    "tb.total": "{items} with {holders}",
    "tb.items": "{n} items",
    "tb.items.one": "{n} item",
    "tb.holders": "{n} units",
    "tb.holders.one": "{n} unit",
    "tb.where": "Where each item is",
    "tb.none": "This batch has no trace codes yet.",
    "tb.status": "{status} {n}",
    "warnings.title": "Risk warnings",
    "warnings.rule": "Rule",
    "warnings.state": "State",
    "warnings.all": "All",
    "warnings.none": "No risk warnings match.",
    "rule.two_failed_samplings": "Failed supervision sampling twice within two years: inspect on site",
    "rule.suspect_scan": "A check found suspect goods (code never issued, cloned label, wrong place, or recalled)",
    "rule.licence_revoked": "A production licence or CCC certificate was revoked, suspended or expired",
    "rule.complaint_cluster": "Three or more complaints about one product within 30 days",
    "rule.sold_without_flow": "Goods turned up on the market with no flow record in the ledger",
    "subject.two_failed_samplings": "Producer",
    "subject.suspect_scan": "Trace code",
    "subject.licence_revoked": "Licence",
    "subject.complaint_cluster": "Product",
    "subject.sold_without_flow": "Holder and product",
    "state.open": "Open",
    "state.acknowledged": "Acknowledged",
    "state.closed": "Closed",
    "w.region": "Region",
    "w.unit": "Unit concerned",
    "w.product": "Product",
    "w.raised": "Raised",
    "case.history": "History",
    "case.history.line": "{at} {by}: {state}{note}",
    "w.note": "Note",
    "w.ack": "Acknowledge",
    "w.close": "Close warning",
    "w.noteNeeded": "Closing a warning needs a note.",
    "w.moved": "Now “{state}”.",
    "recalls.title": "Recalls",
    "recalls.list": "All recalls",
    "recalls.none": "No recalls in the jurisdiction.",
    "recall.open": "Open a recall",
    "recall.scope": "Scope",
    "recall.scope.batch": "Batch",
    "recall.scope.product": "Product",
    "recall.target": "Batch or product id",
    "recall.target.hint": "e.g. B2bfe1d7897a2d19b",
    "recall.reason": "Reason",
    "recall.submit": "Open the recall",
    "recall.how":
      "First find what to recall: scan or paste any trace code on the goods, or choose the product by name and " +
      "the batch by its number, or type the batch or product id. Check the product, producer and batch number " +
      "shown before opening the recall.",
    "recall.code": "Trace code on the goods",
    "recall.code.go": "Find by trace code",
    "recall.name": "Product name",
    "recall.name.hint": "part of the name, model or barcode number",
    "recall.name.go": "Find products",
    "recall.name.none": "No product in the jurisdiction has “{q}” in its name, model or barcode number.",
    "recall.name.more": "Find more products",
    "recall.product": "Product",
    "recall.batch": "Batch number",
    "recall.batch.pick": "Choose a batch number",
    "recall.batch.item": "{no} (made on {date}, {quantity} items)",
    "recall.batch.item.one": "{no} (made on {date}, {quantity} item)",
    "recall.batch.all": "All batches (recall the whole product)",
    "recall.batch.none": "This product has no batches registered.",
    "recall.noProduct":
      "This code names no product (it may be a carton's or a pallet's): scan the code on one item inside.",
    "recall.noSuch.batch": "The platform has no batch {id}.",
    "recall.noSuch.product": "The platform has no product {id}.",
    "recall.outside": "Neither the producer of these goods nor any unit they passed through is in this jurisdiction.",
    "recall.confirm": "To be recalled",
    "recall.confirm.check": "Check the product, producer and batch number, then give the reason and open the recall.",
    "recall.allBatches": "every batch of the product",
    "recall.id": "Id",
    "r.batchNo": "Batch number",
    "r.scope.batch": "Batch {no} · {product} ({id})",
    "r.scope.product": "Product {product} ({id})",
    "r.scope.codes": "Codes {codes} · {product}",
    "r.scope.codes.several": "Codes {codes} · {n} products: {products}",
    "recall.opened": "Recall {id} opened; it affects {found} items.",
    "recall.opened.one": "Recall {id} opened; it affects {found} item.",
    "recall.show": "Impact report",
    "recall.heading": "Recall {id}",
    "recall.status.open": "Open",
    "recall.status.closed": "Closed",
    "r.reason": "Reason",
    "r.scope": "Scope",
    "r.producer": "Producer",
    "r.by": "Opened by",
    "r.date": "Date",
    "r.status": "Status",
    "r.note": "Closing note",
    "r.found": "Affected",
    "r.sold": "Sold to consumers",
    "r.returned": "Returned",
    "r.destroyed": "Destroyed",
    "r.outstanding": "Outstanding",
    "r.progress": "Progress: {done} of {found} returned or destroyed ({share})",
    "r.holders": "By holder (where the goods are)",
    "r.holder": "Holder",
    "r.tier": "Tier",
    "r.tier.producer": "Production",
    "r.tier.trade": "Trade",
    "r.region": "Region",
    "r.quantity": "Quantity",
    "r.soldByRegion": "Where sold items were sold",
    "r.soldNone": "None of the affected items was sold to a consumer.",
    "r.refresh": "Refresh progress",
    "r.closeNote": "Closing note",
    "r.close": "Close the recall",
    "r.closed": "The recall is closed.",
    "samplings.title": "Supervision sampling",
    "samplings.none": "No sampling results in the jurisdiction.",
    "s.pass": "Pass",
    "s.fail": "Fail",
    "s.date": "Date",
    "s.product": "Product",
    "s.batch": "Batch",
    "s.producer": "Producer",
    "s.unit": "Sampled at",
    "s.place": "Stage",
    "s.place.production": "Production",
    "s.place.circulation": "Circulation",
    "s.standard": "Standard",
    "s.items": "Items tested",
    "s.failed": "Items failed",
    "s.by": "Recorded by",
    "s.report": "Report",
    "s.trace": "Traced",
    "s.trace.value": "{holders} units hold the batch",
    "s.trace.value.one": "{holders} unit holds the batch",
    "s.onSite": "This producer failed sampling twice within two years: inspect on site.",
    "complaints.title": "Complaints",
    "complaints.none": "No complaints in the jurisdiction.",
    "c.code": "Trace code",
    "c.filed": "Filed",
    "c.state": "State",
    "c.contact": "Contact",
    "c.producer": "Producer",
    "c.product": "Product",
    "c.batch": "Batch number",
    "c.area": "Routed to",
    "c.notIssued": "No producer on the platform issued this code: the product may be counterfeit.",
    "draws.title": "Double random draws",
    "draws.how":
      "Each draw's seed comes from a signed ledger checkpoint and the draw's parameters; " +
      "anyone with a copy of the ledger can check it with the command under each draw.",
    "samplings.how":
      "Sampling results in the jurisdiction, by date; " +
      "a failed batch was traced both ways when it was recorded.",
    "complaints.how":
      "Consumers' complaints routed to this jurisdiction; " +
      "their text and contact are shown to regulators only.",
    "announcements.how":
      "Public announcements by the platform and regulators, newest first; " +
      "also as a feed at /announcements.atom.",
    "draws.none": "No draws yet.",
    "d.heading": "Draw #{index}",
    "d.by": "Drawn by",
    "d.params": "Parameters",
    "d.params.value": "{units} to inspect, {bodies}",
    "d.count.units": "{n} units",
    "d.count.units.one": "{n} unit",
    "d.count.bodies": "{n} inspection bodies",
    "d.count.bodies.one": "{n} inspection body",
    "d.scope": "Scope",
    "d.checkpoint": "Checkpoint",
    "d.checkpoint.value": "ledger tree size {size}",
    "d.seed": "Seed",
    "d.units": "Units drawn",
    "d.bodies": "Bodies drawn",
    "d.eligible": "Candidates",
    "d.eligible.value": "{units}, {bodies}",
    "d.verify": "Check it with",
    "announcements.title": "Announcements",
    "announcements.none": "No announcements yet.",
    "a.kind.catalog": "Catalogue",
    "a.kind.recall": "Recall",
    "a.kind.draw": "Draw",
    "a.kind.other": "Notice",
    "a.full": "Show in full",
    footer: "Every record is kept in a tamper-evident ledger and can be checked independently.",
  },
);

const TOKEN_KEY = "qtrace.dashboard.token";
const RULES = ["two_failed_samplings", "suspect_scan", "licence_revoked", "complaint_cluster", "sold_without_flow"];
const STATES = ["open", "acknowledged", "closed"];
const PAGE = 20; // items a list asks for at a time
const FOUND = 100; // products a search by name shows at a time
let token = null;
let me = null; // GET /api/v1/units/me
let stats = null; // GET /api/v1/stats, kept to redraw the charts in the other language
let charts = [];
let recallShown = null; // the recall whose impact report is open
let report = null; // its answer, drawn again in the other language
let traced = null; // the last code traced, {code, res}: drawn again in the other language
let batchShown = null; // the batch whose forward trace is open, {id, no}
let pick = null; // what the recall form names, {scope, id, source} or {scope, id, res} when unknown
let searched = ""; // what the products were found by
let found = []; // the products found by name for the recall form
let foundNext = null; // where the search goes on, while it has not looked at every product
let batches = []; // the chosen product's batches, newest first
let batchesNext = null; // set when they were too many to list whole
let asked = 0; // the recall form's lookups: only the latest one's answer is shown
const sources = new Map(); // batch and product ids -> what a trace said of them: {producer, product, batch}

// A count in words that agree with it ("1 unit", "2 units"), for a line of several counts.
const count = (key, n) => tn(key, n, { n });
const percent = (x) => (x * 100).toFixed(1).replace(/\.0$/, "") + "%";

// The words for a failed request: a lapsed or refused token in the page's words, else the server's.
function problem(res) {
  if (res.status === 401 || res.status === 403) return t("err." + res.status);
  return errorText(res);
}

// A definition list of [label key, value] rows, leaving out empty values.
function fields(rows, attrs = { class: "facts" }) {
  const dl = el("dl", attrs);
  for (const [key, value] of rows)
    if (value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && !value.length))
      dl.append(el("dt", {}, t(key)), el("dd", {}, Array.isArray(value) ? value.join("、") : value));
  return dl;
}

function badge(text, kind) {
  return el("span", { class: "status" + (kind ? " " + kind : "") }, text);
}

// A list of PAGE items at a time, with the page's token and its words for a failed request;
// empty: the key of the words for none.
function list(box, path, key, item, empty) {
  return pagedList({ box, path, key, item, empty, token, limit: PAGE, problem });
}

// ---- overview: the charts, each with a table of its figures for screen readers and tests ----

const COLOURS = ["#0a4fb8", "#1d5e2a", "#a35200", "#6b3fa0"];

// A chart card: rows [label, ...values], columns the value names. Charted are the first `shown`
// columns (the codes: products and units are far fewer and would not show beside them); the
// table has them all.
function chartCard(id, title, type, columns, rows, shown = columns.length, wide = false) {
  const summary = rows.filter((r) => r.slice(1).some((v) => v))
    .map((r) => r[0] + " " + columns.map((c, i) => `${c} ${r[i + 1]}`).join("，")).join("；");
  const canvas = el("canvas", {
    id: "chart-" + id, role: "img",
    "aria-label": summary ? t("chart.summary", { title, rows: summary }) : t("chart.nothing", { title }),
  });
  // hidden in a box of its own: a table will not shrink to the 1 px of .visually-hidden itself
  const table = el("div", { class: window.Chart ? "visually-hidden" : "scroll" }, el("table", { id: "table-" + id },
    el("caption", {}, t("chart.table", { title })),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, columns.label), columns.map((c) => el("th", { scope: "col" }, c)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, el("th", { scope: "row" }, r[0]), r.slice(1).map((v) => el("td", {}, v)))))));
  const card = el("figure", { class: "card chart" + (wide ? " wide" : "") }, el("figcaption", {}, el("h3", {}, title)),
    el("div", { class: "chart-box" + (type === "doughnut" ? " round" : "") }, canvas), table);
  if (window.Chart) {
    const datasets = columns.slice(0, shown).map((label, i) => ({
      label, data: rows.map((r) => r[i + 1]),
      backgroundColor: type === "doughnut" ? COLOURS : COLOURS[i], borderColor: type === "doughnut" ? "#ffffff" : COLOURS[i],
    }));
    const scales = type === "doughnut" ? {} : {
      x: { ticks: { color: "#1b1f24", autoSkip: true, maxRotation: 60 } },
      y: { beginAtZero: true, ticks: { precision: 0, color: "#1b1f24" } },
    };
    charts.push(new window.Chart(canvas, {
      type, data: { labels: rows.map((r) => r[0]), datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, scales,
        plugins: { legend: { display: type === "doughnut" || shown > 1, position: "bottom", labels: { color: "#1b1f24" } } },
      },
    }));
  }
  return card;
}

function drawOverview() {
  charts.forEach((c) => c.destroy());
  charts = [];
  const box = $("overview-body");
  if (!stats) return;
  const s = stats;
  const open = (by) => (by && by.open) || 0;
  const { codes, catalog } = s;
  box.replaceChildren(fields([
    ["fig.units", s.units.total],
    ["fig.products", s.products.total],
    ["fig.codes", codes.total],
    ["fig.flow", tn("fig.flow.value", codes.commissioned, { share: percent(codes.flow_share), flowed: codes.flowed, commissioned: codes.commissioned })],
    ["fig.catalog", tn("fig.catalog.value", catalog.units, { with: catalog.with_codes, units: catalog.units, share: percent(catalog.codes_share) })],
    ["fig.open", t("fig.open.value", {
      warnings: count("open.warnings", open(s.warnings)),
      recalls: count("open.recalls", open(s.recalls)),
      complaints: count("open.complaints", open(s.complaints)),
    })],
  ], { class: "facts figures", id: "figures" }));
  const grid = el("div", { class: "charts" });
  box.append(grid);

  const cats = Object.entries(s.products.by_category).sort((a, b) => b[1].codes - a[1].codes || a[0].localeCompare(b[0]));
  grid.append(chartCard("category", t("chart.category"), "bar",
    Object.assign([t("col.codes"), t("col.products")], { label: t("col.category") }),
    cats.map(([id, c]) => [c.name || (id ? id : t("category.unknown")), c.codes, c.products]), 1));

  const regions = Object.entries(s.units.by_region).sort((a, b) => a[0].localeCompare(b[0]));
  grid.append(chartCard("region", t("chart.region"), "bar",
    Object.assign(["col.codes", "col.products", "col.units", "col.producers", "col.sellers"].map((k) => t(k)), { label: t("col.region") }),
    regions.map(([code, r]) => [r.name || code, r.codes, r.products, r.units, r.producers, r.sellers]), 1));

  grid.append(chartCard("flow", t("chart.flow"), "doughnut",
    Object.assign([t("col.codes")], { label: t("col.state") }),
    [[t("flow.flowed"), codes.flowed], [t("flow.producer"), codes.commissioned - codes.flowed],
      [t("flow.issued"), codes.total - codes.commissioned]]));

  grid.append(chartCard("events", t("chart.events"), "line",
    Object.assign([t("col.events")], { label: t("col.date") }),
    s.events.days.map((d) => [d.date.slice(5), d.count]), 1, true));
}

async function loadOverview() {
  const res = await api("GET", "/api/v1/stats", null, token);
  if (res.status !== 200) {
    stats = null;
    return say($("overview-body"), problem(res), "bad");
  }
  stats = res.data;
  drawOverview();
}

// ---- tracing: a scanned code both ways, each holder by name; its batch forward ----

// The words for a code that could not be traced or looked up: unknown, unreadable, outside the
// jurisdiction, else as any failed request.
function codeProblem(res, code) {
  if (res.status === 404) return t("trace.unknown", { code });
  if (res.status === 400) return t("trace.unreadable", { code });
  if (res.status === 403) return t("trace.outside");
  return problem(res);
}

// A table of head keys over rows (arrays of cells), scrolling sideways on a narrow screen.
function table(attrs, head, rows) {
  return el("div", { class: "scroll" }, el("table", attrs, tableHead(head), el("tbody", {}, rows)));
}

// What an id names, as "name (id)": the name to read and the id to quote; the id alone where
// nothing names it (an answer names what the platform has: a unit not on it has no name).
function named(name, id) {
  return name && id ? t("named", { name, id }) : id;
}

// What a trace's source says of the goods, as [label key, value] rows for fields().
function sourceRows({ product, producer, batch } = {}) {
  return [
    ["trace.product", product && (product.model ? `${product.name}（${product.model}）` : product.name)],
    ["trace.producer", producer && named(producer.name, producer.unit)],
    ["trace.batch", batch && t("trace.batch.value", { no: batch.batch_no, date: batch.production_date })],
  ];
}

// A ledger record's type in words (as it is, for a type this page has no words for).
function stepText(type) {
  const words = t("step." + type);
  return words === "step." + type ? type : words;
}

// Where a holding starts or ends: its time and the ledger record that proves it.
const markText = (m) => (m ? t("trace.mark", { time: chinaTime(m.time), index: m.index }) : "");

function codeTrace(tr) {
  const names = new Map([tr.source?.producer, ...tr.holders].filter(Boolean).map((u) => [u.unit, u.name]));
  const name = (unit) => names.get(unit) || unit;
  const detail = (st) => [
    st.shipment !== undefined ? t("trace.ship", { from: name(st.from), to: name(st.to), shipment: st.shipment }) : "",
    st.via ? t("trace.via", { via: st.via }) : "",
    st.corrected_by !== undefined ? t("trace.voided", { index: st.corrected_by }) : "",
  ].filter(Boolean).join(t("fact.sep"));
  const batch = tr.source?.batch;
  return el("section", { class: "card report", id: "trace-card", "data-code": tr.code, "aria-labelledby": "trace-card-title" },
    el("h3", { id: "trace-card-title" }, t("trace.heading", { code: tr.code }), " ",
      badge(t("code.status." + tr.status), ["recalled", "destroyed"].includes(tr.status) ? "bad" : "")),
    fields(sourceRows(tr.source)),
    batch ? el("p", {}, el("button", { type: "button", class: "secondary", id: "trace-batch-go",
      onclick: () => showBatch(batch.id, batch.batch_no).then(() => $("trace-batch").scrollIntoView()) },
    t("trace.batch.go", { no: batch.batch_no }))) : null,
    el("h4", {}, t("trace.holders")),
    table({ id: "trace-holders" }, ["col.holder", "col.area", "col.how", "col.since", "col.until"],
      tr.holders.map((h) => el("tr", { "data-unit": h.unit },
        el("td", {}, h.name || h.unit), el("td", {}, regionText(h)), el("td", {}, t("how." + h.how)),
        el("td", {}, markText(h.since)), el("td", {}, h.until ? markText(h.until) : t("trace.now"))))),
    el("h4", {}, t("trace.steps")),
    table({ id: "trace-steps" }, ["col.index", "col.time", "col.type", "col.by", "col.detail"],
      tr.steps.map((st) => el("tr", { class: st.corrected_by !== undefined ? "voided" : null, "data-index": st.index },
        el("td", {}, "#" + st.index), el("td", {}, chinaTime(st.time)), el("td", {}, stepText(st.type)),
        el("td", {}, name(st.by)), el("td", {}, detail(st))))),
    tr.truncated ? el("p", { class: "muted" }, t("trace.truncated")) : null,
    tr.items ? [
      el("h4", {}, tn("trace.items", tr.items.length, { n: tr.items.length })),
      table({ id: "trace-items" }, ["col.code", "col.status", "col.parent"], tr.items.map((i) =>
        el("tr", {}, el("td", { class: "code" }, i.code), el("td", {}, t("code.status." + i.status)), el("td", { class: "code" }, i.parent || "")))),
      tr.items_more ? el("p", { class: "muted" }, t("trace.items.more")) : null,
    ] : null);
}

// The last code traced, {code, res}, drawn again in the other language.
function drawTrace() {
  if (!traced) return;
  const { code, res } = traced;
  if (res.status === 200) {
    say($("trace-message"), "");
    $("trace-result").replaceChildren(codeTrace(res.data));
  } else {
    say($("trace-message"), codeProblem(res, code), "bad");
    $("trace-result").replaceChildren();
  }
}

async function traceCode(ev) {
  ev.preventDefault();
  const code = $("trace-code").value.trim();
  say($("trace-message"), t("loading"), "good");
  $("trace-batch").replaceChildren();
  batchShown = null;
  const res = await api("GET", `/api/v1/trace/${codePath(code)}?direction=both`, null, token);
  traced = { code, res };
  if (res.status === 200) remember(res.data.source);
  drawTrace();
}

// A batch's forward trace: who holds how many of its codes now, and where each one is, a page at
// a time.
function showBatch(id, no) {
  batchShown = { id, no };
  let names = new Map();
  const holders = el("div");
  const items = el("div");
  const title = el("h3", { id: "trace-batch-title" }, t("tb.heading", { no }));
  $("trace-batch").replaceChildren(el("section", { class: "card report", id: "trace-batch-card", "data-batch": id,
    "aria-labelledby": "trace-batch-title" },
  title, holders, el("h4", { "data-i18n": "tb.where" }, t("tb.where")), items));
  const list = table({ id: "trace-batch-items" }, ["col.code", "col.holder", "col.status", "col.parent"], []);
  return pagedList({
    box: items, path: `/api/v1/trace/batch/${encodeURIComponent(id)}?direction=forward`, key: "items",
    token, limit: PAGE, problem, list, into: list.querySelector("tbody"), empty: "tb.none",
    answer: (b, page) => {
      names = new Map(b.holders.map((h) => [h.unit, h.name]));
      if (page) return; // the first page's holders stand for all
      title.textContent = t("tb.heading", { no }); // (again, on a switch of language)
      holders.replaceChildren(
        el("p", {}, t("tb.total", {
          items: count("tb.items", b.holders.reduce((n, h) => n + h.count, 0)),
          holders: count("tb.holders", b.holders.length),
        })),
        table({ id: "trace-batch-holders" }, ["col.holder", "col.area", "col.quantity", "col.byStatus"],
          b.holders.map((h) => el("tr", { "data-unit": h.unit },
            el("td", {}, h.name || h.unit), el("td", {}, regionText(h)), el("td", {}, h.count),
            el("td", {}, Object.entries(h.by_status).map(([status, n]) =>
              t("tb.status", { status: t("code.status." + status), n })).join(t("fact.sep")))))));
    },
    item: (i) => el("tr", {}, el("td", { class: "code" }, i.code), el("td", {}, names.get(i.holder) || i.holder),
      el("td", {}, t("code.status." + i.status)), el("td", { class: "code" }, i.parent || "")),
  });
}

// ---- risk warnings: the open ones first; acknowledge or close with a note ----

// Puts the option elements opts in select, keeping the choice while there is one of that value.
function choices(select, opts) {
  const keep = select.options.length ? select.value : null;
  select.replaceChildren(...opts);
  if (opts.some((o) => o.value === keep)) select.value = keep;
}

// Fills a filter's options in the current words, keeping the choice (the first value at first).
function options(select, values, label) {
  choices(select, values.map((v) => el("option", { value: v }, v ? t(label + v) : t("warnings.all"))));
}

// A division as a person reads it: its province's name, then the code.
function regionText(x) {
  return x.province ? `${x.province}（${x.region ?? x.division}）` : (x.region ?? x.division);
}

// A warning's subject with the unit and product in it by name (a producer, a product, "holder
// product"); the rest of it (a code, a licence's number, status and date) as it is.
function subjectText(w) {
  return w.subject.split(" ").map((part) =>
    part === w.unit ? named(w.unit_name, w.unit) : part === w.product ? named(w.product_name, w.product) : part).join(" ");
}

// A case's moves (a warning's, a complaint's), each with the regulator who made it by name.
function historyLines(history = []) {
  return history.map((h) => t("case.history.line", {
    at: chinaTime(h.at), by: named(h.by_name, h.by), state: t("state." + h.state), note: h.note ? "，" + h.note : "" }));
}

function warningItem(w) {
  const msg = el("div", { role: "status" });
  const noteId = "note-" + w.id;
  const inSubject = w.subject.split(" ");
  const li = el("li", { class: "card", "data-id": w.id, "data-rule": w.rule },
    el("p", {}, el("strong", {}, t("rule." + w.rule)), " ", badge(t("state." + w.state), w.state)),
    fields([
      ["subject." + w.rule, subjectText(w)],
      ["w.unit", inSubject.includes(w.unit) ? "" : named(w.unit_name, w.unit)],
      ["w.region", regionText(w)],
      ["w.product", inSubject.includes(w.product) ? "" : named(w.product_name, w.product)],
      ["w.raised", chinaTime(w.raised)],
      ["case.history", historyLines(w.history)],
    ]));
  if (w.state !== "closed") {
    const note = el("input", { id: noteId, maxlength: 500 });
    const move = async (state) => {
      const body = { state };
      if (note.value.trim()) body.note = note.value.trim();
      if (state === "closed" && !body.note) return say(msg, t("w.noteNeeded"), "warn");
      const res = await api("POST", "/api/v1/warnings/" + encodeURIComponent(w.id), body, token);
      if (res.status !== 200) return say(msg, problem(res), "bad");
      // the list's kept answer gets the warning as it now is, for a switch of language
      const now = warningItem(Object.assign(w, res.data.warning));
      li.replaceWith(now);
      say(now.querySelector("[role=status]"), t("w.moved", { state: t("state." + state) }), "good");
    };
    li.append(el("div", { class: "row" },
      el("div", { class: "grow" }, el("label", { for: noteId }, t("w.note")), note),
      w.state === "open"
        ? el("button", { type: "button", class: "secondary", onclick: () => move("acknowledged") }, t("w.ack")) : null,
      el("button", { type: "button", onclick: () => move("closed") }, t("w.close"))));
  }
  li.append(msg);
  return li;
}

function loadWarnings() {
  const q = new URLSearchParams();
  if ($("warnings-rule").value) q.set("rule", $("warnings-rule").value);
  if ($("warnings-state").value) q.set("state", $("warnings-state").value);
  return list($("warnings-list"), "/api/v1/warnings?" + q, "warnings", warningItem, "warnings.none");
}

// ---- recalls: open one, follow its impact report, close it ----

function recallReport(answer) {
  const { recall: r, impact: im } = answer;
  report = answer;
  const tot = im.totals;
  const done = tot.returned + tot.destroyed;
  const closeId = "recall-close-note";
  const msg = el("div", { role: "status" });
  const card = el("section", { class: "card report", id: "recall-report", "data-id": r.id, "aria-labelledby": "recall-report-title" },
    el("h3", { id: "recall-report-title" }, t("recall.heading", { id: r.id }), " ", badge(t("recall.status." + r.status), r.status)),
    fields([
      ["r.reason", r.reason],
      ["r.scope", el("span", { id: "recall-report-scope" }, scopeText(r))],
      ["r.producer", el("span", { id: "recall-report-producer" }, named(r.producer_name, r.producer))],
      ["r.by", r.by_name || r.by],
      ["r.date", r.date],
      ["r.note", r.note],
    ]),
    el("dl", { class: "totals", id: "recall-totals" },
      ["found", "sold", "returned", "destroyed", "outstanding"].map((k) =>
        el("div", { "data-key": k }, el("dt", {}, t("r." + k)), el("dd", {}, tot[k])))),
    el("p", { id: "recall-progress-text" }, t("r.progress", { done, found: tot.found, share: percent(tot.found ? done / tot.found : 0) })),
    el("progress", { id: "recall-progress", max: tot.found || 1, value: done, "aria-labelledby": "recall-progress-text" }),
    el("h4", {}, t("r.holders")),
    table({ id: "recall-holders" }, ["r.holder", "r.tier", "r.region", "r.quantity", "r.returned", "r.destroyed", "r.outstanding"],
      im.holders.map((h) => el("tr", { "data-unit": h.unit },
        el("td", {}, h.name || h.unit), el("td", {}, t(h.unit === r.producer ? "r.tier.producer" : "r.tier.trade")),
        el("td", {}, regionText(h)), el("td", {}, h.quantity), el("td", {}, h.returned), el("td", {}, h.destroyed), el("td", {}, h.outstanding)))),
    el("h4", {}, t("r.soldByRegion")),
    im.sold_by_region.length
      ? el("ul", {}, im.sold_by_region.map((s) => el("li", {}, `${regionText(s)}：${s.quantity}`)))
      : el("p", { class: "muted" }, t("r.soldNone")),
    el("p", {}, el("button", { type: "button", class: "secondary", id: "recall-refresh", onclick: () => showRecall(r.id) }, t("r.refresh"))));
  if (r.status === "open") {
    const note = el("input", { id: closeId, maxlength: 500, required: true });
    card.append(el("form", { class: "row", onsubmit: async (ev) => {
      ev.preventDefault();
      const res = await api("POST", `/api/v1/recalls/${encodeURIComponent(r.id)}/close`, { note: note.value.trim() }, token);
      if (res.status !== 200) return say(msg, problem(res), "bad");
      recallReport(res.data);
      say($("recall-report").querySelector("[role=status]"), t("r.closed"), "good");
      loadRecalls();
    } }, el("div", { class: "grow" }, el("label", { for: closeId }, t("r.closeNote")), note),
    el("button", { type: "submit" }, t("r.close"))));
  }
  card.append(msg);
  recallShown = r.id;
  $("recall-detail").replaceChildren(card);
  return card;
}

// A recall's scope by batch number and product name, as its answer names them, with its id;
// a recall of listed codes by its codes and the products they are of.
function scopeText(r) {
  if (r.batch)
    return r.batch_no ? t("r.scope.batch", { no: r.batch_no, product: r.product_name, id: r.batch }) : `${t("recall.scope.batch")} ${r.batch}`;
  if (r.product) return r.product_name ? t("r.scope.product", { product: r.product_name, id: r.product }) : `${t("recall.scope.product")} ${r.product}`;
  // listed codes: the product they are of, or each of several beside its id
  const codes = r.codes.join("、");
  if (r.product_name) return t("r.scope.codes", { codes, product: r.product_name });
  const several = Object.entries(r.product_names || {});
  if (several.length)
    return t("r.scope.codes.several", { codes, n: several.length, products: several.map(([id, name]) => named(name, id)).join("、") });
  return codes;
}

async function showRecall(id) {
  const res = await api("GET", "/api/v1/recalls/" + encodeURIComponent(id), null, token);
  if (res.status !== 200) return say($("recall-detail"), problem(res), "bad");
  recallReport(res.data);
}

function recallItem(r) {
  return el("li", { class: "card", "data-id": r.id },
    el("p", {}, el("strong", {}, r.reason), " ", badge(t("recall.status." + r.status), r.status)),
    fields([["r.scope", scopeText(r)], ["r.producer", named(r.producer_name, r.producer)], ["r.date", r.date],
      ["r.by", r.by_name || r.by]]),
    el("button", { type: "button", class: "secondary", onclick: () => showRecall(r.id).then(() => $("recall-report").scrollIntoView()) },
      t("recall.show")));
}

function loadRecalls() {
  return list($("recalls-list"), "/api/v1/recalls", "recalls", recallItem, "recalls.none");
}

async function openRecall(ev) {
  ev.preventDefault();
  const msg = $("recall-form-message");
  const body = { [$("recall-scope").value]: $("recall-target").value.trim(), reason: $("recall-reason").value.trim() };
  const res = await api("POST", "/api/v1/recalls", body, token);
  if (res.status !== 201) return say(msg, problem(res), "bad");
  say(msg, tn("recall.opened", res.data.impact.totals.found, { id: res.data.recall.id, found: res.data.impact.totals.found }), "good");
  clearRecallForm();
  recallReport(res.data);
  loadRecalls();
}

// ---- what a recall is of: from a scanned code, a product by name and a batch by number, or an id ----

// Keeps what a trace said of the goods, under the batch's id and the product's.
function remember(source) {
  if (!source?.product) return;
  if (source.batch) sources.set(source.batch.id, source);
  sources.set(source.product.id, { producer: source.producer, product: source.product });
}

// What the batch or product id is: {source} ({producer, product, batch}) or {res}, the failed
// answer. A batch's trace back names all three; a product's producer is named by a trace of one
// of its batches (its USCC alone when it has none).
async function describe(scope, id) {
  if (sources.has(id)) return { source: sources.get(id) };
  const path = scope === "batch" ? `/api/v1/trace/batch/${encodeURIComponent(id)}?direction=back` : `/api/v1/products/${encodeURIComponent(id)}`;
  const res = await api("GET", path, null, token);
  if (res.status !== 200) return { res };
  if (scope === "batch") {
    remember(res.data.source);
    return { source: res.data.source };
  }
  const first = await api("GET", `/api/v1/products/${encodeURIComponent(id)}/batches?limit=1`, null, token);
  if (first.status === 200 && first.data.items.length) await describe("batch", first.data.items[0].id);
  return { source: sources.get(id) || { producer: { unit: res.data.producer }, product: res.data } };
}

function targetProblem({ scope, id, res }) {
  if (res.status === 404) return t("recall.noSuch." + scope, { id });
  if (res.status === 403) return t("recall.outside");
  return problem(res);
}

// What the recall form names, to check before opening the recall.
function drawPick() {
  const box = $("recall-confirm");
  if (!pick) return box.replaceChildren();
  if (pick.res) return say(box, targetProblem(pick), "bad");
  const whole = pick.scope === "product";
  box.replaceChildren(el("div", { class: "card confirm", id: "recall-pick", "data-scope": pick.scope, "data-id": pick.id },
    el("p", {}, el("strong", {}, t("recall.confirm"))),
    fields([...sourceRows(whole ? { ...pick.source, batch: null } : pick.source),
      ["trace.batch", whole ? t("recall.allBatches") : ""], ["recall.id", pick.id]]),
    el("p", { class: "muted" }, t("recall.confirm.check"))));
}

// Names scope and id in the recall form, and shows what they are: known, what a trace said of
// the goods (kept whole when only the scope changes), else looked up.
async function target(scope, id, known) {
  const n = ++asked;
  $("recall-scope").value = scope;
  $("recall-target").value = id;
  pick = null;
  drawPick();
  const got = known ? { source: known } : await describe(scope, id);
  if (n !== asked) return;
  pick = { scope, id, ...got };
  drawPick();
}

// The id typed: what it names is looked up once it is in (on change); while it is typed, what
// was shown for another id goes.
function targetTyped() {
  const id = $("recall-target").value.trim();
  if (id) return target($("recall-scope").value, id);
  asked++;
  pick = null;
  drawPick();
}

function targetTyping() {
  if (pick && pick.id !== $("recall-target").value.trim()) {
    asked++;
    pick = null;
    drawPick();
  }
}

// The other scope of goods found from a code or by name: the batch's product, or back.
function scopeChanged() {
  const scope = $("recall-scope").value;
  const s = pick?.source;
  const id = s && (scope === "batch" ? s.batch?.id : s.product?.id);
  return id ? target(scope, id, s) : targetTyped();
}

// Runs lookup for the recall form, saying it is under way: its answer, or null when a later
// lookup was asked for meanwhile (whose answer is the one to show).
async function lookUp(lookup) {
  const n = ++asked;
  say($("recall-find-message"), t("loading"), "good");
  const got = await lookup();
  return n === asked ? got : null;
}

async function recallFromCode(ev) {
  ev.preventDefault();
  const msg = $("recall-find-message");
  const code = $("recall-code").value.trim();
  const res = await lookUp(() => api("GET", `/api/v1/trace/${codePath(code)}?direction=back`, null, token));
  if (!res) return;
  if (res.status !== 200) return say(msg, codeProblem(res, code), "bad");
  const s = res.data.source;
  if (!s?.product) return say(msg, t("recall.noProduct"), "warn");
  say(msg, "");
  remember(s);
  return s.batch ? target("batch", s.batch.id) : target("product", s.product.id);
}

// The jurisdiction's products whose name, model or barcode number holds what was typed: the
// server searches (a national regulator's products are far too many to fetch), FOUND at a time.
async function findProducts(ev) {
  ev.preventDefault();
  searched = $("recall-name").value.trim();
  found = [];
  foundNext = null;
  return searchProducts(null);
}

// The next products the search finds from after on (null: the start), added to those found.
async function searchProducts(after) {
  const msg = $("recall-find-message");
  const got = await lookUp(() => fetchAll(`/api/v1/products?q=${encodeURIComponent(searched)}`, "items", token,
    { limit: FOUND, want: FOUND, pages: Infinity, after }));
  if (!got) return;
  if (got.res) return say(msg, problem(got.res), "bad");
  found.push(...got.items);
  foundNext = got.next || null;
  $("recall-choose").classList.toggle("hidden", !found.length);
  drawProducts();
  if (!found.length) return say(msg, t("recall.name.none", { q: searched }), "warn");
  say(msg, "");
  // a product chosen among the first found stays chosen, its batches shown
  return after && $("recall-batch").options.length ? null : productChosen();
}

function drawProducts() {
  const several = new Set(found.map((p) => p.producer)).size > 1; // then each by its producer too
  choices($("recall-product"), found.map((p) => el("option", { value: p.id },
    p.name + (p.model ? `（${p.model}）` : "") + (several ? ` · ${p.producer}` : ""))));
  $("recall-more").classList.toggle("hidden", !foundNext);
}

// The chosen product's batches, newest first.
async function productChosen() {
  const msg = $("recall-find-message");
  const id = $("recall-product").value;
  batches = [];
  batchesNext = null;
  drawBatches();
  const got = await lookUp(() =>
    fetchAll(`/api/v1/products/${encodeURIComponent(id)}/batches?order=newest`, "items", token));
  if (!got) return;
  if (got.res) return say(msg, problem(got.res), "bad");
  batches = got.items;
  batchesNext = got.next || null;
  say(msg, batches.length ? "" : t("recall.batch.none"), "warn");
  drawBatches();
}

function drawBatches() {
  choices($("recall-batch"), [el("option", { value: "" }, t("recall.batch.pick")),
    ...batches.map((b) => el("option", { value: b.id },
      tn("recall.batch.item", b.quantity, { no: b.batch_no, date: b.production_date, quantity: b.quantity }))),
    el("option", { value: "*" }, t("recall.batch.all"))]);
  say($("recall-batch-cut"), batchesNext ? cutText(batches.length) : "", "warn");
}

function batchChosen() {
  const v = $("recall-batch").value;
  if (v === "*") return target("product", $("recall-product").value);
  if (v) return target("batch", v);
}

function clearRecallForm() {
  for (const id of ["recall-form", "recall-by-code", "recall-by-name"]) $(id).reset();
  found = [];
  foundNext = null;
  batches = [];
  batchesNext = null;
  pick = null;
  asked++;
  $("recall-choose").classList.add("hidden");
  $("recall-more").classList.add("hidden");
  $("recall-product").replaceChildren();
  $("recall-batch").replaceChildren();
  say($("recall-batch-cut"), "");
  say($("recall-find-message"), "");
  drawPick();
}

// ---- read-only lists: samplings, complaints, draws, announcements ----

function samplingItem(s) {
  return el("li", { class: "card", "data-id": s.id, "data-result": s.result },
    el("p", {}, el("strong", {}, `${s.date} · ${s.standard}`), " ", badge(t("s." + s.result), s.result === "fail" ? "bad" : "good")),
    fields([
      ["s.product", named(s.product_name, s.product)], ["s.batch", named(s.batch_no, s.batch)],
      ["s.producer", named(s.producer_name, s.producer)],
      ["s.place", t("s.place." + s.place)], ["s.unit", s.unit === s.producer ? "" : named(s.unit_name, s.unit)],
      ["s.items", s.items], ["s.failed", s.failed_items], ["s.by", s.by_name || s.by],
      ["s.report", s.report?.name],
      ["s.trace", s.trace ? tn("s.trace.value", s.trace.holders, { holders: s.trace.holders }) : ""],
    ]),
    s.on_site_inspection ? alertBox("warn", t("s.onSite")) : null);
}

function complaintItem(c) {
  return el("li", { class: "card", "data-id": c.id },
    el("p", {}, el("strong", {}, c.text || c.id), " ", badge(t("state." + c.state), c.state)),
    fields([["c.code", c.code], ["c.product", c.product_name], ["c.batch", c.batch_no],
      ["c.producer", named(c.producer_name, c.producer)], ["c.filed", chinaTime(c.filed)], ["c.contact", c.contact],
      ["c.area", c.jurisdiction || t("signin.national")], ["case.history", historyLines(c.history)]]),
    c.issued ? null : alertBox("warn", t("c.notIssued")));
}

function drawItem(d) {
  const p = d.params;
  return el("li", { class: "card", "data-index": d.index },
    el("p", {}, el("strong", {}, t("d.heading", { index: d.index }))),
    fields([
      ["d.by", named(d.by_name, d.by)],
      ["d.params", t("d.params.value", { units: count("d.count.units", p.units), bodies: count("d.count.bodies", p.bodies) })],
      ["d.scope", [p.jurisdiction || t("signin.national"), p.region, p.category, p.catalog_unit].filter(Boolean).join(" / ")],
      ["d.checkpoint", t("d.checkpoint.value", { size: p.tree_size })],
      ["d.seed", el("span", { class: "code" }, d.seed)],
      ["d.units", d.selected.units.map((u) => named(d.names?.[u], u))],
      ["d.bodies", d.selected.bodies.map((b) => named(d.names?.[b], b))],
      ["d.eligible", t("d.eligible.value", {
        units: count("d.count.units", d.eligible.units.length),
        bodies: count("d.count.bodies", d.eligible.bodies.length),
      })],
      ["d.verify", el("code", { class: "code" }, `qtrace draw verify --db qtrace.db --draw ${d.index}`)],
    ]));
}

function announcementItem(a) {
  const body = el("p", { class: "pre" }, a.body);
  return el("li", { class: "card", "data-id": a.id, "data-kind": a.kind },
    el("p", {}, el("strong", {}, a.title), " ", badge(t("a.kind." + a.kind))),
    el("p", { class: "muted" }, `${chinaTime(a.published)} · ${a.by_name || a.by}`),
    a.body.length > 240 ? el("details", {}, el("summary", {}, t("a.full")), body) : body);
}

// ---- a code read by the camera ----

// The camera scan (scan.js) of the form whose code input is input, its parts named prefix-scan,
// prefix-scan-stop, prefix-scanner and prefix-video: the code read goes in and the form is sent,
// as if typed; why the camera did not open is said in message.
function scanInto(prefix, input, form, message) {
  scanner({ start: $(`${prefix}-scan`), stop: $(`${prefix}-scan-stop`), box: $(`${prefix}-scanner`), video: $(`${prefix}-video`) },
    (code) => {
      $(input).value = code;
      $(form).requestSubmit();
    },
    (why) => say($(message), t("scan.denied", { why }), "warn"));
}

// ---- signing in and out ----

function loadAll() {
  drawOverview(); // the charts in the current words at once, the figures as they come
  return Promise.all([
    loadOverview(),
    loadWarnings(),
    loadRecalls(),
    recallShown ? showRecall(recallShown) : null,
    list($("samplings-list"), "/api/v1/samplings", "samplings", samplingItem, "samplings.none"),
    list($("complaints-list"), "/api/v1/complaints", "complaints", complaintItem, "complaints.none"),
    list($("draws-list"), "/api/v1/draws", "items", drawItem, "draws.none"),
    list($("announcements-list"), "/api/v1/announcements", "announcements", announcementItem, "announcements.none"),
  ]);
}

function signedOut(text) {
  token = me = stats = recallShown = report = traced = batchShown = null;
  for (const id of ["trace-scan-stop", "recall-scan-stop"]) $(id).click(); // the camera off
  sources.clear();
  clearRecallForm();
  $("trace-form").reset();
  sessionStorage.removeItem(TOKEN_KEY);
  charts.forEach((c) => c.destroy());
  charts = [];
  for (const id of ["overview-body", "trace-message", "trace-result", "trace-batch", "warnings-list", "recall-detail",
    "recalls-list", "samplings-list", "complaints-list", "draws-list", "announcements-list", "recall-form-message"])
    $(id).replaceChildren();
  $("desk").classList.add("hidden");
  $("signin").classList.remove("hidden");
  say($("message"), text, "bad");
}

function showWho() {
  $("who").textContent = t("signin.who", { name: me.name, area: me.jurisdiction || t("signin.national") });
}

async function signIn(candidate) {
  say($("message"), t("signin.checking"), "good");
  const res = await api("GET", "/api/v1/units/me", null, candidate);
  if (res.status === 401) return signedOut(t("signin.bad"));
  if (res.status !== 200) return signedOut(errorText(res));
  if (!res.data.roles.includes("regulator")) return signedOut(t("signin.notRegulator", { name: res.data.name }));
  token = candidate;
  me = res.data;
  sessionStorage.setItem(TOKEN_KEY, token);
  say($("message"), "");
  $("signin").classList.add("hidden");
  $("signin").reset();
  $("desk").classList.remove("hidden");
  showWho();
  return loadAll();
}

applyWords();
options($("warnings-rule"), ["", ...RULES], "rule.");
options($("warnings-state"), [...STATES, ""], "state.");
languageSwitch($("lang"), () => {
  options($("warnings-rule"), ["", ...RULES], "rule.");
  options($("warnings-state"), [...STATES, ""], "state.");
  // what is shown, drawn again from the answers kept: the lists (common.js) and the batch's
  // items stay on the pages they were on
  if (token) {
    showWho();
    drawOverview();
    drawTrace();
    drawPick();
    if (found.length) {
      drawProducts();
      drawBatches();
    }
    if (report) recallReport(report);
  }
});
$("signin").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn($("token").value.trim());
});
$("signout").addEventListener("click", () => signedOut(""));
$("warnings-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  loadWarnings();
});
$("recall-form").addEventListener("submit", openRecall);
$("recall-by-code").addEventListener("submit", recallFromCode);
$("recall-by-name").addEventListener("submit", findProducts);
$("recall-more").addEventListener("click", () => searchProducts(foundNext));
$("recall-product").addEventListener("change", productChosen);
$("recall-batch").addEventListener("change", batchChosen);
$("recall-scope").addEventListener("change", scopeChanged);
$("recall-target").addEventListener("change", targetTyped);
$("recall-target").addEventListener("input", targetTyping);
$("trace-form").addEventListener("submit", traceCode);
scanInto("trace", "trace-code", "trace-form", "trace-message");
scanInto("recall", "recall-code", "recall-by-code", "recall-find-message");
const kept = sessionStorage.getItem(TOKEN_KEY);
if (kept) signIn(kept);
else $("signin").classList.remove("hidden");
