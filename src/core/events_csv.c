/* events_csv.c — a ledger (台账) uploaded as a CSV file by a unit without an IT system: the
 * spreadsheet's header names (Chinese or English) map to event fields, each row becomes one
 * event of one job, and every row that fails is reported by the row number Excel shows. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "util/csv.h"
#include "util/utf8.h"

/* A time written without an offset is China Standard Time (UTC+8, no daylight saving). */
#define LOCAL_OFFSET_MIN 480
#define HEADER_SHOWN     60 /* bytes of a header or value quoted in a message */

/* The event fields a column fills. The party fields are in the order of party_keys. */
enum field {
	F_TYPE,
	F_CODES,
	F_TIME,
	F_PARENT,
	F_SHIPMENT,
	F_CORRECTS,
	F_REASON,
	F_PUBLIC,
	F_BUYER,                  /* buyer uscc, name, address, contact */
	F_SUPPLIER = F_BUYER + 4, /* supplier uscc, name, address, contact */
	F_N = F_SUPPLIER + 4,
};

static const char *const party_keys[] = {"uscc", "name", "address", "contact"};

/* For each field: its name as the events module's messages use it, then the header names a
 * spreadsheet user may write, '|'-separated, in the form norm() gives (lower case, single
 * spaces; '_' and '-' read as spaces). Annex 2's own words are among them. */
static const struct {
	const char *name;
	const char *headers;
} fields[F_N] = {
        [F_TYPE] = {"type", "type|event|event type|类型|业务类型|事件|事件类型|进销类型"},
        [F_CODES] = {"codes", "code|codes|追溯码|产品追溯码|追溯编码"},
        [F_TIME] = {"time", "time|date|日期|时间|日期时间|业务日期|业务时间|进货日期|进货时间|"
                            "采购日期|采购时间|销售日期|销售时间|售出日期|售出时间"},
        [F_PARENT] = {"parent", "parent|箱码|外箱码|包装码|父码"},
        [F_SHIPMENT] = {"shipment", "shipment|发货单号|发货记录号"},
        [F_CORRECTS] = {"corrects", "corrects|更正记录号"},
        [F_REASON] = {"reason", "reason|原因|退货原因|召回原因|销毁原因"},
        [F_PUBLIC] = {"public", "public|是否公开"},
        [F_BUYER] = {"buyer_uscc", "buyer uscc|购货单位统一社会信用代码|购方统一社会信用代码|"
                                   "购货方统一社会信用代码"},
        [F_BUYER + 1] = {"buyer_name",
                         "buyer name|buyer|购货单位名称|购货单位|购方名称|购货方名称|客户名称"},
        [F_BUYER + 2] = {"buyer_address", "buyer address|购货单位地址|购方地址|购货方地址"},
        [F_BUYER + 3] = {"buyer_contact",
                         "buyer contact|购货单位联系方式|购方联系方式|购货方联系方式"},
        [F_SUPPLIER] = {"supplier_uscc", "supplier uscc|供货单位统一社会信用代码|"
                                         "供应商统一社会信用代码|供货方统一社会信用代码"},
        [F_SUPPLIER + 1] = {"supplier_name",
                            "supplier name|supplier|供货单位名称|供货单位|供应商名称|供应商|"
                            "供货方名称"},
        [F_SUPPLIER + 2] = {"supplier_address", "supplier address|供货单位地址|供应商地址|"
                                                "供货方地址"},
        [F_SUPPLIER + 3] = {"supplier_contact", "supplier contact|供货单位联系方式|"
                                                "供应商联系方式|供货方联系方式"},
};

/* Event types and the words a ledger uses for them (销售 to a unit is a ship, 售出 to an end
 * user a retail). */
static const struct {
	const char *type;
	const char *names;
} types[] = {
        {"commission", "commission|赋码|激活"},
        {"pack", "pack|装箱"},
        {"unpack", "unpack|拆箱"},
        {"ship", "ship|销售|出货|发货|出库"},
        {"receive", "receive|进货|采购|收货|入库"},
        {"retail", "retail|售出|零售"},
        {"return", "return|退货"},
        {"recall", "recall|召回"},
        {"destroy", "destroy|销毁"},
        {"correct", "correct|更正"},
};

/* A header that ends so is the public flag of the column named before it. */
static const char *const flag_suffixes[] = {"(是否公开)", "（是否公开）", "是否公开",
                                            " (public)",  " public",      NULL};

typedef struct column {
	int field;                     /* enum field; -1: no header, so its cells must stay empty */
	bool flag;                     /* the public flag of field (a buyer or supplier field) */
	char header[HEADER_SHOWN + 8]; /* as written, for messages */
} column;

typedef struct sheet {
	qt_csv csv;
	column cols[QT_CSV_FIELDS_MAX];
	size_t n_cols;
	int first_col[F_N]; /* the first column of each field, for messages from events.c */
	json_t *rows;       /* the failures: [{row, column?, message}] */
} sheet;

/* ---- text ---- */

/* Length of the white space (ASCII, NBSP, ideographic space) at s[0..n). */
static size_t space_at(const char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
		return 1;
	if (n >= 2 && memcmp(s, "\xC2\xA0", 2) == 0)
		return 2;
	if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* Length of the white space that ends s[0..n). */
static size_t space_before(const char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_at(s + n - k, k) == k)
			return k;
	return 0;
}

static void trim(const char **s, size_t *n)
{
	size_t k;
	while ((k = space_at(*s, *n)) > 0) {
		*s += k;
		*n -= k;
	}
	while ((k = space_before(*s, *n)) > 0)
		*n -= k;
}

/* A header or a type as compared: trimmed, '*' marks of required columns dropped, ASCII in
 * lower case, '_' and '-' as spaces, runs of white space as one space. false: too long. */
static bool norm(const char *s, size_t n, char *out, size_t max)
{
	size_t o = 0, k;
	bool space = false;

	trim(&s, &n);
	while (n > 0 && (s[0] == '*' || s[n - 1] == '*')) {
		bool lead = s[0] == '*';
		s += lead;
		n--;
		trim(&s, &n);
	}
	for (size_t i = 0; i < n; i += k ? k : 1) {
		char ch = s[i];
		k = space_at(s + i, n - i);
		if (k || ch == '_' || ch == '-') {
			space = true;
			continue;
		}
		if (o + 2 >= max)
			return false;
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	out[o] = '\0';
	return true;
}

/* Whether name is one of the '|'-separated list. */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return true;
	return false;
}

/* The length of s[0..n) cut to at most max bytes on a character boundary. */
static int shown(const char *s, size_t n, size_t max)
{
	return (int)qt_utf8_valid_prefix(s, n < max ? n : max);
}

/* Note a failing row (column NULL when the failure is not one cell's). */
static void fail(sheet *sh, size_t row, const char *col, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void fail(sheet *sh, size_t row, const char *col, const char *fmt, ...)
{
	char msg[QT_ERR_MSG_MAX + 100];
	json_t *f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	f = json_pack("{s:I, s:s%}", "row", (json_int_t)row, "message", msg,
	              qt_utf8_valid_prefix(msg, strlen(msg)));
	if (f && col)
		json_object_set_new(f, "column", json_string(col));
	json_array_append_new(sh->rows, f);
}

/* ---- the header (row 1) ---- */

static int field_of(const char *name)
{
	for (int f = 0; f < F_N; f++)
		if (listed(fields[f].headers, name))
			return f;
	return -1;
}

static qt_rc map_header(sheet *sh, qt_err *err)
{
	const qt_csv *c = &sh->csv;
	bool any = false;

	for (int f = 0; f < F_N; f++)
		sh->first_col[f] = -1;
	sh->n_cols = c->n;
	for (size_t j = 0; j < c->n; j++) {
		column *col = &sh->cols[j];
		const char *h = c->field[j];
		size_t hn = c->len[j];
		char name[200], letter[8];

		trim(&h, &hn);
		qt_csv_column_name(j, letter);
		snprintf(col->header, sizeof col->header, "%.*s", shown(h, hn, HEADER_SHOWN), h);
		col->field = -1;
		col->flag = false;
		if (hn == 0)
			continue; /* an unnamed column: allowed while its cells are empty */
		any = true;
		if (norm(h, hn, name, sizeof name) && (col->field = field_of(name)) < 0) {
			for (size_t k = 0; flag_suffixes[k] && col->field < 0; k++) {
				size_t ln = strlen(name), ls = strlen(flag_suffixes[k]);
				if (ln > ls && strcmp(name + ln - ls, flag_suffixes[k]) == 0) {
					while (ln > ls && name[ln - ls - 1] == ' ')
						ln--; /* "购方联系方式 是否公开" */
					name[ln - ls] = '\0';
					col->field = field_of(name);
					col->flag = true;
				}
			}
			if (col->flag && col->field >= 0 && col->field < F_BUYER)
				return qt_err_set(
				        err, QT_ERR_INVALID,
				        "row 1, column %s: '%s' — only buyer and supplier "
				        "columns have a public flag",
				        letter, col->header);
		}
		if (col->field < 0)
			return qt_err_set(err, QT_ERR_INVALID,
			                  "row 1, column %s: '%s' is not a column of a ledger file",
			                  letter, col->header);
		if (!col->flag && sh->first_col[col->field] < 0)
			sh->first_col[col->field] = (int)j;
	}
	if (!any)
		return qt_err_set(err, QT_ERR_INVALID, "row 1 is empty; it must be the header");
	if (sh->first_col[F_TYPE] < 0)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "the header (row 1) has no type (类型) column");
	if (sh->first_col[F_CODES] < 0)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "the header (row 1) has no code (追溯码) column");
	return QT_OK;
}

/* ---- a row ---- */

typedef struct cell {
	const char *p;
	size_t n;
	int col; /* -1: empty */
} cell;

static bool parse_flag(const char *s, size_t n, bool *out)
{
	char v[32];
	if (!norm(s, n, v, sizeof v))
		return false;
	if (listed("是|公开|yes|y|true|1", v))
		*out = true;
	else if (listed("否|不公开|no|n|false|0", v))
		*out = false;
	else
		return false;
	return true;
}

static bool parse_count(const char *s, size_t n, long long *out)
{
	*out = 0;
	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* The event type a ledger's word names, or NULL. */
static const char *type_of(const char *s, size_t n)
{
	char name[64];

	if (norm(s, n, name, sizeof name))
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
			if (listed(types[t].names, name))
				return types[t].type;
	return NULL;
}

/* Codes in one cell, separated by white space or semicolons (ASCII or full-width), or the
 * 、 and ， that Chinese text lists use. */
static json_t *split_codes(const char *s, size_t n)
{
	json_t *a = json_array();
	size_t i = 0, start = 0;

	while (i <= n) {
		size_t k = i == n ? 1 : space_at(s + i, n - i);
		if (!k && s[i] == ';')
			k = 1;
		if (!k && n - i >= 3 &&
		    (memcmp(s + i, "；", 3) == 0 || memcmp(s + i, "、", 3) == 0 ||
		     memcmp(s + i, "，", 3) == 0))
			k = 3;
		if (k) {
			if (i > start)
				json_array_append_new(a, json_stringn(s + start, i - start));
			i += k;
			start = i;
		} else {
			i++;
		}
	}
	return a;
}

/* Excel saves a long number it was not told is text as it shows it: 6.90123E+12. */
static bool scientific(const char *s)
{
	const char *e = strchr(s, 'E');
	size_t digits = strspn(s, "0123456789");

	return digits == 1 && s[1] == '.' && e && e > s + 2 &&
	       strspn(s + 2, "0123456789") == (size_t)(e - s - 2) && e[1] == '+' && e[2] &&
	       strspn(e + 2, "0123456789") == strlen(e + 2);
}

/* A row's cells by field (v) and public flags (flag: -1 none, 0, 1); a cell that cannot
 * go there is noted. false: the row is blank. */
static bool collect_cells(sheet *sh, cell v[F_N], int flag[F_N])
{
	const qt_csv *c = &sh->csv;
	bool blank = true, b;
	char letter[8];

	for (int f = 0; f < F_N; f++) {
		v[f] = (cell){NULL, 0, -1};
		flag[f] = -1;
	}
	for (size_t j = 0; j < c->n; j++) {
		const char *s = c->field[j];
		size_t n = c->len[j];
		const column *col = j < sh->n_cols ? &sh->cols[j] : NULL;

		trim(&s, &n);
		if (n == 0)
			continue;
		blank = false;
		if (!col || col->field < 0) {
			qt_csv_column_name(j, letter);
			fail(sh, c->row, letter, "a value in a column without a header");
		} else if (col->flag) {
			if (!parse_flag(s, n, &b))
				fail(sh, c->row, col->header, "'%.*s' is not 是/否 (yes/no)",
				     shown(s, n, HEADER_SHOWN), s);
			else
				flag[col->field] = b;
		} else if (v[col->field].col >= 0) {
			fail(sh, c->row, col->header, "'%s' is filled in too; a row is one event",
			     sh->cols[v[col->field].col].header);
		} else {
			v[col->field] = (cell){s, n, (int)j};
		}
	}
	return !blank;
}

/* Note that the cell of field f cannot be read as what. */
static void bad_cell(sheet *sh, const cell *v, int f, const char *what)
{
	fail(sh, sh->csv.row, sh->cols[v[f].col].header, "'%.*s' is not %s",
	     shown(v[f].p, v[f].n, HEADER_SHOWN), v[f].p, what);
}

/* The event the cells make (in the shape POST /api/v1/events takes), its cells read. */
static json_t *build_event(sheet *sh, const cell v[F_N], const int flag[F_N])
{
	json_t *e = json_object(), *party[2] = {NULL, NULL}, *codes, *c;
	const char *t;
	char time[40];
	long long num;
	size_t k;
	bool b;

	if (v[F_TYPE].col < 0)
		fail(sh, sh->csv.row, sh->cols[sh->first_col[F_TYPE]].header, "the type is empty");
	else if ((t = type_of(v[F_TYPE].p, v[F_TYPE].n)) != NULL)
		json_object_set_new(e, "type", json_string(t));
	else
		bad_cell(sh, v, F_TYPE, "a type (进货, 销售, 售出, 退货 … or receive, ship, …)");
	codes = split_codes(v[F_CODES].p, v[F_CODES].n);
	json_array_foreach(codes, k, c)
	{
		if (scientific(json_string_value(c))) {
			fail(sh, sh->csv.row, sh->cols[v[F_CODES].col].header,
			     "'%s' is a number as Excel shows it: format the column as text "
			     "before typing or pasting the codes",
			     json_string_value(c));
			break;
		}
	}
	json_object_set_new(e, "codes", codes);
	if (v[F_TIME].col >= 0) {
		if (qt_time_from_text(v[F_TIME].p, v[F_TIME].n, LOCAL_OFFSET_MIN, time))
			json_object_set_new(e, "time", json_string(time));
		else
			bad_cell(sh, v, F_TIME,
			         "a date or time (2026-11-21, 2026/11/21 14:05 or RFC 3339)");
	}
	for (int f = F_SHIPMENT; f <= F_CORRECTS; f++) {
		if (v[f].col < 0)
			continue;
		if (parse_count(v[f].p, v[f].n, &num))
			json_object_set_new(e, fields[f].name, json_integer(num));
		else
			bad_cell(sh, v, f, "a record number (digits only)");
	}
	if (v[F_PARENT].col >= 0)
		json_object_set_new(e, "parent", json_stringn(v[F_PARENT].p, v[F_PARENT].n));
	if (v[F_REASON].col >= 0)
		json_object_set_new(e, "reason", json_stringn(v[F_REASON].p, v[F_REASON].n));
	if (v[F_PUBLIC].col >= 0) {
		if (parse_flag(v[F_PUBLIC].p, v[F_PUBLIC].n, &b))
			json_object_set_new(e, "public", json_boolean(b));
		else
			bad_cell(sh, v, F_PUBLIC, "是/否 (yes/no)");
	}
	for (int f = F_BUYER; f < F_N; f++) {
		json_t **pa = &party[f >= F_SUPPLIER];
		json_t *value;
		if (v[f].col < 0)
			continue;
		value = json_stringn(v[f].p, v[f].n);
		if (flag[f] >= 0)
			value = json_pack("{s:o, s:b}", "value", value, "public", flag[f]);
		if (!*pa)
			*pa = json_object();
		json_object_set_new(*pa, party_keys[(f - F_BUYER) % 4], value);
	}
	if (party[0])
		json_object_set_new(e, "buyer", party[0]);
	if (party[1])
		json_object_set_new(e, "supplier", party[1]);
	return e;
}

/* The event of the csv's current row into *ev (NULL if the row failed: its failures are in
 * sh->rows). false: a blank row. */
static bool row_event(sheet *sh, json_t **ev)
{
	size_t failed = json_array_size(sh->rows);
	cell v[F_N];
	int flag[F_N];

	*ev = NULL;
	if (!collect_cells(sh, v, flag))
		return false;
	*ev = build_event(sh, v, flag);
	if (json_array_size(sh->rows) > failed) {
		json_decref(*ev);
		*ev = NULL;
	}
	return true;
}

/* ---- failures from the events module ---- */

/* The column a message of events.c is about: the field it starts by naming. */
static const char *column_of(const sheet *sh, const char *msg)
{
	static const char unknown[] = "unknown ";
	if (strncmp(msg, unknown, sizeof unknown - 1) == 0)
		msg += sizeof unknown - 1;
	if (*msg == '\'')
		msg++;
	for (int f = 0; f < F_N; f++) {
		size_t n = strlen(fields[f].name);
		char next = msg[n];
		if (strncmp(msg, fields[f].name, n) == 0 && !(next >= 'a' && next <= 'z') &&
		    next != '_')
			return sh->first_col[f] >= 0 ? sh->cols[sh->first_col[f]].header : NULL;
	}
	return NULL;
}

/* "event 3 (ship X): why" says which event by its place in the request; a file's answer
 * names the row instead, so that goes: "ship X: why". */
static void drop_event_number(const char *msg, char *out, size_t max)
{
	const char *p = msg, *close;

	if (strncmp(p, "event ", 6) == 0) {
		p += 6;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p[0] == ' ' && p[1] == '(' && (close = strstr(p, "): ")) != NULL) {
			int inner = (int)(close - p - 2);
			while (inner > 0 && p[2 + inner - 1] == ' ')
				inner--; /* an event named by no code: "(receive ): …" */
			snprintf(out, max, "%.*s%s", inner, p + 2, close + 1);
			return;
		}
	}
	snprintf(out, max, "%s", msg);
}

typedef struct ordered {
	json_int_t row;
	size_t seq;
	json_t *v;
} ordered;

static int by_row(const void *a, const void *b)
{
	const ordered *x = a, *y = b;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* sh->rows in row order (in a row, in the order found); *n_rows the rows that failed. */
static qt_rc sort_rows(sheet *sh, size_t *n_rows, qt_err *err)
{
	size_t n = json_array_size(sh->rows);
	ordered *o = calloc(n ? n : 1, sizeof *o);
	json_int_t last = -1;

	if (!o)
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		o[i].v = json_incref(json_array_get(sh->rows, i));
		o[i].row = json_integer_value(json_object_get(o[i].v, "row"));
		o[i].seq = i;
	}
	qsort(o, n, sizeof *o, by_row);
	json_array_clear(sh->rows);
	*n_rows = 0;
	for (size_t i = 0; i < n; i++) {
		*n_rows += o[i].row != last;
		last = o[i].row;
		json_array_append_new(sh->rows, o[i].v);
	}
	free(o);
	return QT_OK;
}

/* ---- the file ---- */

qt_rc qt_events_csv(qt_platform *p, const qt_account *who, const char *text, size_t n,
                    json_t **answer, json_t **rows, qt_err *err)
{
	sheet *sh = calloc(1, sizeof *sh);
	json_t *events = json_array(), *fails = json_array(), *f;
	size_t *row_of = calloc(QT_EVENTS_MAX, sizeof *row_of), data_rows = 0, i, n_failed = 0;
	qt_rc rc;

	*answer = NULL;
	*rows = NULL;
	if (!sh || !row_of || !events || !fails || !(sh->rows = json_array())) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	qt_csv_init(&sh->csv, text, n);
	if ((rc = qt_csv_next(&sh->csv, err)) == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_INVALID, "the file is empty; row 1 must be the header");
	if (rc != QT_OK || (rc = map_header(sh, err)) != QT_OK)
		goto out;
	while ((rc = qt_csv_next(&sh->csv, err)) == QT_OK) {
		json_t *ev;
		if (!row_event(sh, &ev))
			continue; /* blank rows are spacing, not events */
		if (++data_rows > QT_EVENTS_MAX) {
			json_decref(ev);
			rc = qt_err_set(err, QT_ERR_TOOBIG, "at most %d rows in one file (row %zu)",
			                QT_EVENTS_MAX, sh->csv.row);
			goto out;
		}
		if (ev) {
			row_of[json_array_size(events)] = sh->csv.row;
			json_array_append_new(events, ev);
		}
	}
	if (rc != QT_ERR_NOTFOUND)
		goto out;
	if (data_rows == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "the file has a header but no rows");
		goto out;
	}
	/* rows refused here still let the others be checked against the rules, unrecorded */
	if (json_array_size(events)) {
		rc = qt_events_submit_each(p, who, events, json_array_size(sh->rows) == 0, fails,
		                           answer, err);
		if (rc == QT_OK && *answer)
			goto out;
		if (rc != QT_OK && rc != QT_ERR_CONFLICT)
			goto out;
	}
	json_array_foreach(fails, i, f)
	{
		const char *msg = json_string_value(json_object_get(f, "message"));
		size_t ev = (size_t)json_integer_value(json_object_get(f, "event"));
		char why[QT_ERR_MSG_MAX];
		drop_event_number(msg ? msg : "", why, sizeof why);
		fail(sh, row_of[ev < QT_EVENTS_MAX ? ev : 0], msg ? column_of(sh, msg) : NULL, "%s",
		     why);
	}
	if ((rc = sort_rows(sh, &n_failed, err)) != QT_OK)
		goto out;
	*rows = json_incref(sh->rows);
	rc = qt_err_set(err, QT_ERR_INVALID, "%zu of %zu rows were refused; nothing was recorded",
	                n_failed, data_rows);
out:
	if (sh)
		json_decref(sh->rows);
	json_decref(events);
	json_decref(fails);
	free(row_of);
	free(sh);
	return rc;
}
