/* page.c — the product page a consumer sees after scanning a label: product, producer,
 * licence or CCC, standard, batch, status, warnings in plain words and the public journey,
 * in Chinese with English labels. Every value from the view is HTML-escaped on its way out;
 * the page carries no script, so the Content-Security-Policy can forbid all of it. */
#include "http/page.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/timefmt.h"

/* A page under construction: the first failed append sticks, so the builders below need no
 * checks of their own and the caller sees one result. */
typedef struct page {
	qt_buf *b;
	qt_rc rc;
} page;

static void raw(page *p, const char *s)
{
	if (p->rc == QT_OK)
		p->rc = qt_buf_append(p->b, s, strlen(s));
}

/* Text from the view: whatever a producer typed into a product name ends up here. */
static void esc(page *p, const char *s)
{
	for (; s && *s && p->rc == QT_OK; s++) {
		switch (*s) {
		case '&': raw(p, "&amp;"); break;
		case '<': raw(p, "&lt;"); break;
		case '>': raw(p, "&gt;"); break;
		case '"': raw(p, "&quot;"); break;
		case '\'': raw(p, "&#39;"); break;
		default: p->rc = qt_buf_putc(p->b, *s); break;
		}
	}
}

static const char css[] =
        "body{font:16px/1.5 system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;"
        "margin:0;color:#222;background:#f4f4f4}"
        "main{max-width:40em;margin:0 auto;padding:.8em}"
        "section{background:#fff;border-radius:8px;padding:.7em 1em;margin:0 0 .8em}"
        "h1{font-size:1.3em;margin:.1em 0}h2{font-size:1em;margin:0 0 .4em;color:#444}"
        "dl{display:grid;grid-template-columns:auto 1fr;gap:.15em 1em;margin:0}"
        "dt{color:#666}dd{margin:0;overflow-wrap:anywhere}"
        ".en{color:#888;font-size:.85em}.ok{border-left:5px solid #2e8b57}"
        ".warn{border-left:5px solid #c0392b;background:#fff5f3}"
        "ol,ul{padding-left:1.2em;margin:0}li{margin:.35em 0}"
        "small,footer{color:#888;font-size:.8em}a{color:#1a5fb4}";

/* A label in Chinese with its English beside it. */
static void label(page *p, const char *zh, const char *en)
{
	esc(p, zh);
	raw(p, " <span class=\"en\">");
	esc(p, en);
	raw(p, "</span>");
}

static void head(page *p, const char *title, const qt_page_links *links)
{
	raw(p, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	       "<title>");
	esc(p, title);
	raw(p, " · 产品追溯 Product trace</title>");
	if (links) {
		raw(p, "<link rel=\"linkset\" type=\"application/linkset+json\" href=\"");
		esc(p, links->linkset);
		raw(p, "\"><link rel=\"alternate\" type=\"application/json\" href=\"");
		esc(p, links->json);
		raw(p, "\">");
	}
	raw(p, "<style>");
	raw(p, css);
	raw(p, "</style></head><body><main>\n");
}

/* One row of a definition list, left out when the view has no such value. */
static void row(page *p, const char *zh, const char *en, const char *value)
{
	if (!value || !*value)
		return;
	raw(p, "<dt>");
	label(p, zh, en);
	raw(p, "<dd>");
	esc(p, value);
	raw(p, "\n");
}

static const char *str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

/* Consumers read times in Beijing time (UTC+8, no daylight saving); the view has UTC. */
static const char *beijing(const char *utc, char out[24])
{
	time_t t;
	struct tm tm;

	if (!utc || !qt_time_valid(utc))
		return utc;
	t = (time_t)(qt_time_epoch(utc) + 8 * 3600);
	if (!gmtime_r(&t, &tm) || strftime(out, 24, "%Y-%m-%d %H:%M", &tm) == 0)
		return utc;
	return out;
}

typedef struct words {
	const char *key, *zh, *en;
} words;

static const words statuses[] = {
        {"issued", "已赋码，尚未投入流通", "Issued, not yet in circulation"},
        {"in_circulation", "流通中", "In circulation"},
        {"sold", "已售出", "Sold"},
        {"recalled", "已召回", "Recalled"},
        {"destroyed", "已销毁", "Destroyed"},
        {"unknown", "平台无此码记录", "Not on record"},
        {NULL, NULL, NULL},
};

static const words kinds[] = {
        {"product", "一品一码（产品码）", "Product code"},
        {"batch", "一批一码（批次码）", "Batch code"},
        {"item", "一物一码（单品码）", "Item code"},
        {"logistic", "物流单元码", "Logistic unit code"},
        {"other", "其他标识", "Other identifier"},
        {NULL, NULL, NULL},
};

/* What each warning means for the person holding the product, in plain words; the view's
 * own message (English, with dates and numbers) goes beside it. */
static const words warnings[] = {
        {"never_issued", "此码不是平台上的生产企业发放的，标签可能是假冒的。",
         "This code was never issued"},
        {"recalled", "该产品已被召回：请停止使用，并联系销售者或生产企业。", "Recalled"},
        {"destroyed", "该产品已登记为销毁，不应在市场上出售。", "Recorded as destroyed"},
        {"licence_revoked", "生产企业的生产许可证已被吊销。", "Production licence revoked"},
        {"licence_suspended", "生产企业的生产许可证已被暂停。", "Production licence suspended"},
        {"licence_expired", "生产企业的生产许可证已过有效期。", "Production licence expired"},
        {"ccc_revoked", "该产品的 CCC 认证证书已被撤销。", "CCC certificate revoked"},
        {"ccc_expired", "该产品的 CCC 认证证书已过有效期。", "CCC certificate expired"},
        {"ccc_suspended", "该产品的 CCC 认证证书已被暂停。", "CCC certificate suspended"},
        {"serious_violation", "生产企业已被列入严重违法失信名单。",
         "Producer on the serious-violation list"},
        {"warranty_expired", "保修期已过。", "Warranty expired"},
        {NULL, NULL, NULL},
};

static const words events[] = {
        {"issue", "赋码", "Code issued"},  {"commission", "激活", "Commissioned"},
        {"pack", "装箱", "Packed"},        {"unpack", "拆箱", "Unpacked"},
        {"ship", "发货", "Shipped"},       {"receive", "收货", "Received"},
        {"retail", "售出", "Sold"},        {"return", "退货", "Returned"},
        {"recall", "召回", "Recalled"},    {"destroy", "销毁", "Destroyed"},
        {"correct", "更正", "Correction"}, {NULL, NULL, NULL},
};

/* The words for key, or the key itself in both languages when a newer server sends a value
 * this page does not know yet. */
static words lookup(const words *table, const char *key)
{
	words w = {key, key ? key : "", key ? key : ""};
	for (; key && table->key; table++)
		if (strcmp(table->key, key) == 0)
			return *table;
	return w;
}

static void product_section(page *p, const json_t *product)
{
	char months[64];
	const char *cert = str(product, "catalog_unit_name");
	json_t *m = json_object_get(product, "warranty_months");

	raw(p, "<section><h2>");
	label(p, "产品信息", "Product");
	raw(p, "</h2><dl>\n");
	row(p, "型号", "Model", str(product, "model"));
	row(p, "类型", "Type", str(product, "type"));
	row(p, "产品类别", "Category", str(product, "category"));
	row(p, "追溯目录", "Catalogue unit", cert ? cert : str(product, "catalog_unit"));
	row(p, "执行标准", "Standard", str(product, "standard"));
	row(p, "生产许可证", "Production licence", str(product, "licence_no"));
	row(p, "CCC 认证证书", "CCC certificate", str(product, "ccc_no"));
	row(p, "商品条码", "GTIN", str(product, "gtin"));
	if (json_is_integer(m)) {
		snprintf(months, sizeof months, "%lld 个月 months%s",
		         (long long)json_integer_value(m),
		         str(product, "warranty_until") ? "，至 until " : "");
		raw(p, "<dt>");
		label(p, "保修期", "Warranty");
		raw(p, "<dd>");
		esc(p, months);
		esc(p, str(product, "warranty_until"));
		raw(p, "\n");
	}
	raw(p, "</dl></section>\n");
}

static void producer_section(page *p, const json_t *producer)
{
	raw(p, "<section><h2>");
	label(p, "生产企业", "Producer");
	raw(p, "</h2><dl>\n");
	row(p, "名称", "Name", str(producer, "name"));
	row(p, "统一社会信用代码", "Unified social credit code", str(producer, "uscc"));
	row(p, "所在地", "Province", str(producer, "province"));
	row(p, "地址", "Address", str(producer, "address"));
	raw(p, "</dl></section>\n");
}

static void batch_section(page *p, const json_t *batch)
{
	const json_t *report = json_object_get(batch, "inspection_report");

	raw(p, "<section><h2>");
	label(p, "生产批次", "Batch");
	raw(p, "</h2><dl>\n");
	row(p, "批号", "Batch number", str(batch, "batch_no"));
	row(p, "生产日期", "Production date", str(batch, "production_date"));
	row(p, "出厂检验报告", "Inspection report", str(report, "name"));
	row(p, "报告 SHA-256", "Report SHA-256", str(report, "sha256"));
	raw(p, "</dl></section>\n");
}

static void warnings_section(page *p, const json_t *list)
{
	size_t i;
	const json_t *w;

	if (json_array_size(list) == 0)
		return;
	raw(p, "<section class=\"warn\"><h2>⚠ ");
	label(p, "警告", "Warnings");
	raw(p, "</h2><ul>\n");
	json_array_foreach(list, i, w)
	{
		words t = lookup(warnings, str(w, "kind"));
		raw(p, "<li><strong>");
		esc(p, t.zh);
		raw(p, "</strong><br><span class=\"en\">");
		esc(p, str(w, "message") ? str(w, "message") : t.en);
		raw(p, "</span>\n");
	}
	raw(p, "</ul></section>\n");
}

static void journey_section(page *p, const json_t *list, bool truncated)
{
	char when[24], idx[48];
	size_t i;
	const json_t *e;

	raw(p, "<section><h2>");
	label(p, "流转记录（北京时间）", "Journey (Beijing time)");
	raw(p, "</h2>");
	if (json_array_size(list) == 0)
		raw(p, "<p>暂无记录 <span class=\"en\">Nothing recorded yet</span></p>");
	raw(p, "<ol>\n");
	json_array_foreach(list, i, e)
	{
		words t = lookup(events, str(e, "type"));
		const char *at = str(e, "time") ? str(e, "time") : str(e, "recorded");
		bool voided = json_object_get(e, "corrected_by") != NULL;

		raw(p, voided ? "<li><s>" : "<li>");
		esc(p, beijing(at, when));
		raw(p, " <strong>");
		esc(p, t.zh);
		raw(p, "</strong> <span class=\"en\">");
		esc(p, t.en);
		raw(p, "</span> · ");
		esc(p, str(e, "by_name") && *str(e, "by_name") ? str(e, "by_name") : str(e, "by"));
		if (str(e, "buyer_name")) {
			raw(p, " → ");
			esc(p, str(e, "buyer_name"));
		}
		if (str(e, "via")) {
			raw(p, " <span class=\"en\">（随箱 in carton ");
			esc(p, str(e, "via"));
			raw(p, "）</span>");
		}
		if (str(e, "reason")) {
			raw(p, " — ");
			esc(p, str(e, "reason"));
		}
		snprintf(idx, sizeof idx, " <small>账本 ledger #%lld</small>",
		         (long long)json_integer_value(json_object_get(e, "index")));
		raw(p, idx);
		if (voided) {
			snprintf(idx, sizeof idx, "</s> <small>已被 #%lld 更正 voided</small>",
			         (long long)json_integer_value(json_object_get(e, "corrected_by")));
			raw(p, idx);
		}
		raw(p, "\n");
	}
	raw(p, "</ol>");
	if (truncated)
		raw(p,
		    "<p><small>仅显示最早的记录 Only the earliest records are shown</small></p>");
	raw(p, "</section>\n");
}

static void code_section(page *p, const json_t *view)
{
	const json_t *q = json_object_get(view, "queries");
	char count[32], when[24];

	raw(p, "<section><h2>");
	label(p, "追溯码", "Trace code");
	raw(p, "</h2><dl>\n");
	row(p, "码", "Code", str(view, "code"));
	row(p, "码类", "Kind", lookup(kinds, str(view, "kind")).zh);
	snprintf(count, sizeof count, "%lld",
	         (long long)json_integer_value(json_object_get(q, "count")));
	row(p, "查询次数", "Lookups", count);
	row(p, "首次查询", "First lookup", beijing(str(q, "first"), when));
	raw(p, "</dl></section>\n");
}

qt_rc qt_page_code(qt_buf *out, const json_t *view, const qt_page_links *links)
{
	page p = {out, QT_OK};
	const json_t *product = json_object_get(view, "product");
	const char *name = str(product, "name") ? str(product, "name") : str(view, "code");
	words st = lookup(statuses, str(view, "status"));
	bool warned = json_array_size(json_object_get(view, "warnings")) > 0;

	head(&p, name ? name : "", links);
	raw(&p, warned ? "<section class=\"warn\">" : "<section class=\"ok\">");
	raw(&p, "<h1>");
	esc(&p, name);
	raw(&p, "</h1><p>");
	label(&p, "状态", "Status");
	raw(&p, "：<strong>");
	esc(&p, st.zh);
	raw(&p, "</strong> <span class=\"en\">");
	esc(&p, st.en);
	raw(&p, "</span></p></section>\n");
	warnings_section(&p, json_object_get(view, "warnings"));
	if (product)
		product_section(&p, product);
	if (json_object_get(view, "producer"))
		producer_section(&p, json_object_get(view, "producer"));
	if (json_object_get(view, "batch"))
		batch_section(&p, json_object_get(view, "batch"));
	journey_section(&p, json_object_get(view, "events"),
	                json_is_true(json_object_get(view, "events_truncated")));
	code_section(&p, view);
	raw(&p,
	    "<footer>数据来自防篡改的追溯账本，每条记录可凭账本序号核验。 <span class=\"en\">From "
	    "the tamper-evident ledger; each step can be verified by its ledger number.</span> ");
	raw(&p, "<a href=\"");
	esc(&p, links->json);
	raw(&p, "\">JSON</a> · <a href=\"");
	esc(&p, links->linkset);
	raw(&p, "\">Linkset</a></footer>\n</main></body></html>\n");
	return p.rc;
}

qt_rc qt_page_error(qt_buf *out, int status, const char *message)
{
	page p = {out, QT_OK};
	words w = status == 400 ? (words){NULL, "无法识别的追溯码", "Not a valid trace code"}
	          : status == 404 ? (words){NULL, "平台上没有这个码",
	                                    "No product on the platform has this code"}
	                          : (words){NULL, "暂时无法查询", "The lookup failed"};

	head(&p, w.zh, NULL);
	raw(&p, "<section class=\"warn\"><h1>");
	esc(&p, w.zh);
	raw(&p, "</h1><p class=\"en\">");
	esc(&p, w.en);
	raw(&p, "</p>");
	if (status == 404)
		raw(&p, "<p>请核对标签上的码；如果码是完整的，产品可能是假冒的。 <span "
		        "class=\"en\">Check "
		        "the code on the label; if it is complete, the product may be "
		        "counterfeit.</span></p>");
	raw(&p, "<p><small>");
	esc(&p, message);
	raw(&p, "</small></p></section>\n</main></body></html>\n");
	return p.rc;
}
