/* gs1.c — GS1 codes: check digits, element strings (bracketed and raw with ASCII 29), GS1
 * Digital Link URIs on any host, the canonical key, and formatting back out. The facts about
 * each AI come from the generated table in gs1_ai_table.c; this file holds only the rules. */
#include "codes/code.h"
#include "codes/gs1_ai.h"
#include "codes/gs1_ai_index.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define GS 0x1d /* ASCII 29, FNC1 as transmitted by scanners */

/* Primary keys, in the order one is chosen when an element string carries several: a
 * carton's SSCC names the carton even when it also carries the GTIN of its contents. */
static const uint8_t key_priority[] = {QT_AI_00, QT_AI_01, QT_AI_8006, QT_AI_414, QT_AI_8004};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_cset82(unsigned char c)
{
	return qt_code_chars[c] & QT_CHAR_CSET82;
}

char qt_gs1_check_digit(const char *digits, size_t n)
{
	unsigned sum = 0;
	/* Weights 3,1,3,… from the right-most data digit, so any length works. */
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[n - 1 - i] - '0');
		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* The table row for an AI given as text, or NULL. */
static const qt_gs1_ai *ai_find(const char *ai, size_t n, unsigned *index)
{
	const uint8_t *run;

	if (n < 2 || n > 4 || !is_digit(ai[0]) || !is_digit(ai[1]))
		return NULL;
	run = qt_gs1_ai_prefix[(ai[0] - '0') * 10 + (ai[1] - '0')];
	for (unsigned i = run[0] - 1u; run[0] && i < run[0] - 1u + run[1]; i++) {
		const qt_gs1_ai *a = &qt_gs1_ai_table[i];
		if (a->ai_len == n && (n < 3 || a->ai[2] == ai[2]) &&
		    (n < 4 || a->ai[3] == ai[3])) {
			if (index)
				*index = i;
			return a;
		}
	}
	return NULL;
}

/* The AI at the start of raw data: AIs are prefix-free, so at most one length matches. */
static const qt_gs1_ai *ai_prefix(const char *s, size_t n, unsigned *index)
{
	const qt_gs1_ai *a = NULL;
	for (size_t len = 2; len <= 4 && len <= n && !a; len++)
		a = ai_find(s, len, index);
	return a;
}

/* Value of the AI in table row idx, when the code has it. */
static const qt_gs1_elem *elem_at(const qt_code *code, uint32_t present, unsigned idx)
{
	if (!(present & (1u << idx)))
		return NULL;
	for (unsigned i = 0; i < code->n_elems; i++)
		if (code->elems[i].ai_index == idx)
			return &code->elems[i];
	return NULL;
}

static int year_now(void)
{
	/* Civil year from days since 1970 (Howard Hinnant's algorithm), no locale or tz. */
	long z = (long)(time(NULL) / 86400) + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long m = mp < 10 ? mp + 3 : mp - 9;
	return (int)(yoe + era * 400 + (m <= 2));
}

/* GS1 General Specifications 7.12: a two-digit year lies within 49 years back and 50 years
 * ahead of the reference year. */
static int full_year(int yy, int ref_year)
{
	int century = ref_year - ref_year % 100;
	int diff = yy - ref_year % 100;
	if (diff >= 51)
		century -= 100;
	else if (diff <= -50)
		century += 100;
	return century + yy;
}

static int ref_year_of(const qt_code_opts *opts)
{
	return opts && opts->ref_year > 0 ? opts->ref_year : year_now();
}

static qt_rc check_date(const qt_gs1_ai *a, const char *v, int ref_year, qt_err *err)
{
	int yy = (v[0] - '0') * 10 + (v[1] - '0');
	int mm = (v[2] - '0') * 10 + (v[3] - '0');
	int dd = (v[4] - '0') * 10 + (v[5] - '0');
	int year = full_year(yy, ref_year);
	qt_rc rc = QT_OK;

	if (mm < 1 || mm > 12)
		rc = qt_err_set(err, QT_ERR_INVALID, "AI %s: month %02d", a->ai, mm);
	else if (dd > qt_month_days(year, mm))
		rc = qt_err_set(err, QT_ERR_INVALID, "AI %s: day %02d does not exist in %04d-%02d",
		                a->ai, dd, year, mm);
	return rc;
}

qt_rc qt_gs1_date_iso(const char *v, int ref_year, char out[11])
{
	int year;
	qt_rc rc = QT_OK;

	for (int i = 0; i < 6; i++)
		if (!is_digit(v[i])) {
			rc = QT_ERR_INVALID;
			goto out;
		}
	year = full_year((v[0] - '0') * 10 + (v[1] - '0'), ref_year > 0 ? ref_year : year_now());
	out[0] = (char)('0' + year / 1000);
	out[1] = (char)('0' + year / 100 % 10);
	out[2] = (char)('0' + year / 10 % 10);
	out[3] = (char)('0' + year % 10);
	out[4] = '-';
	out[5] = v[2];
	out[6] = v[3];
	if (v[4] == '0' && v[5] == '0') {
		out[7] = '\0'; /* DD 00: the month as a whole, ISO 8601 reduced precision */
	} else {
		out[7] = '-';
		out[8] = v[4];
		out[9] = v[5];
		out[10] = '\0';
	}
out:
	return rc;
}

/* Check one value against its AI's components and linters. */
static qt_rc check_value(const qt_gs1_ai *a, const char *v, size_t n, int ref_year, qt_err *err)
{
	size_t at = 0;
	qt_rc rc = QT_OK;

	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "AI %s: empty value", a->ai);
		goto out;
	}
	if (n < a->min_len || n > a->max_len) {
		if (a->min_len == a->max_len)
			rc = qt_err_set(err, QT_ERR_INVALID, "AI %s (%s): expected %u %s, got %zu",
			                a->ai, a->title, a->min_len,
			                a->comps[0].type == 'N' ? "digits" : "characters", n);
		else if (n > a->max_len)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "AI %s (%s): %zu characters, at most %u", a->ai, a->title,
			                n, a->max_len);
		else
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "AI %s (%s): %zu characters, at least %u", a->ai, a->title,
			                n, a->min_len);
		goto out;
	}
	for (unsigned c = 0; c < a->n_comps && at < n; c++) {
		const qt_gs1_comp *comp = &a->comps[c];
		size_t len = n - at < comp->max ? n - at : comp->max;
		const char *p = v + at;

		size_t bad = len;
		unsigned even = 0, odd = 0; /* digit sums at even and odd positions */

		/* One pass per component: the character check, and for numbers the sums the
		 * check digit needs (in registers: this loop is the parser's hottest). */
		if (comp->type == 'N') {
			for (size_t i = 0; i < len; i++) {
				unsigned d = (unsigned)(unsigned char)p[i] - '0';
				if (d > 9) {
					bad = i;
					break;
				}
				if (i & 1)
					odd += d;
				else
					even += d;
			}
		} else {
			for (size_t i = 0; i < len; i++)
				if (!is_cset82((unsigned char)p[i])) {
					bad = i;
					break;
				}
		}
		if (bad < len) {
			char what[12];
			unsigned char ch = (unsigned char)p[bad];
			if (comp->type == 'N')
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "AI %s: %s at position %zu is not a digit", a->ai,
				                qt_code_describe_byte(ch, what), at + bad + 1);
			else
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "AI %s: character 0x%02X at position %zu is not allowed "
				        "(GS1 character set 82)",
				        a->ai, ch, at + bad + 1);
			goto out;
		}
		if (comp->lints & QT_LINT_CSUM) {
			/* Weight 3 falls on the data digits with the check digit's parity
			 * flipped, i.e. positions i with i % 2 == len % 2. */
			unsigned last = (unsigned)(p[len - 1] - '0');
			unsigned sum;
			if ((len - 1) & 1)
				odd -= last;
			else
				even -= last;
			sum = (len & 1) ? 3 * odd + even : 3 * even + odd;
			if (last != (10 - sum % 10) % 10) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "AI %s (%s): check digit: expected %c, got %c",
				                a->ai, a->title, (char)('0' + (10 - sum % 10) % 10),
				                p[len - 1]);
				goto out;
			}
		}
		if (comp->lints & QT_LINT_YYMMD0) {
			rc = check_date(a, p, ref_year, err);
			if (rc != QT_OK)
				goto out;
		}
		if (comp->lints & QT_LINT_PIECEOFTOTAL) {
			int piece = (p[0] - '0') * 10 + (p[1] - '0');
			int total = (p[2] - '0') * 10 + (p[3] - '0');
			if (piece < 1 || total < 1 || piece > total) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "AI %s: piece %02d of total %02d is impossible",
				                a->ai, piece, total);
				goto out;
			}
		}
		at += len;
	}
out:
	return rc;
}

qt_rc qt_gs1_check_ai(const char *ai, const char *value, qt_err *err)
{
	const qt_gs1_ai *a = ai_find(ai, strlen(ai), NULL);

	if (!a)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "AI %.8s is not a GS1 Application Identifier", ai);
	return check_value(a, value, strlen(value), year_now(), err);
}

/* Element accumulation shared by every input form. */
typedef struct gs1_state {
	uint32_t present; /* bit i: qt_gs1_ai_table[i] seen */
	int ref_year;     /* 0 until a date needs it */
	const qt_code_opts *opts;
} gs1_state;

static qt_rc add_elem(gs1_state *st, qt_code *code, const qt_gs1_ai *a, unsigned index,
                      const char *v, size_t n, qt_err *err)
{
	qt_gs1_elem *e;
	qt_rc rc = QT_OK;

	if (st->ref_year == 0 && (a->comps[0].lints & QT_LINT_YYMMD0))
		st->ref_year = ref_year_of(st->opts);
	rc = check_value(a, v, n, st->ref_year, err);
	if (rc != QT_OK)
		goto out;
	if (st->present & (1u << index)) {
		const qt_gs1_elem *old = elem_at(code, st->present, index);
		/* The same AI twice is harmless only when both say the same thing. */
		if (old->len != n || memcmp(old->value, v, n) != 0)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "AI %s appears twice with different values", a->ai);
		goto out;
	}
	if (code->n_elems == QT_GS1_ELEMS_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "more than %d AIs in one code",
		                QT_GS1_ELEMS_MAX);
		goto out;
	}
	e = &code->elems[code->n_elems++];
	memcpy(e->ai, a->ai, (size_t)a->ai_len + 1);
	memcpy(e->value, v, n);
	e->value[n] = '\0';
	e->len = (uint8_t)n;
	e->ai_index = (uint8_t)index;
	st->present |= 1u << index;
out:
	return rc;
}

/* The key a code is known by: the first of key_priority it carries. */
static const qt_gs1_elem *primary_key(const qt_code *code, uint32_t present)
{
	const qt_gs1_elem *e = NULL;
	for (size_t i = 0; i < sizeof key_priority / sizeof key_priority[0] && !e; i++)
		e = elem_at(code, present, key_priority[i]);
	return e;
}

static uint32_t present_mask(const qt_code *code)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < code->n_elems; i++)
		m |= 1u << code->elems[i].ai_index;
	return m;
}

/* Appends "[/]AI/value" to the canonical key. */
static qt_rc canon_pair(qt_code *code, const qt_gs1_elem *e, qt_err *err)
{
	const qt_gs1_ai *a = &qt_gs1_ai_table[e->ai_index];
	char *o = code->canonical + code->canonical_len;

	/* "/AI/" is at most 6 bytes; the value's own append checks the rest. */
	if (code->canonical_len + 6 >= QT_CODE_CANON_MAX)
		return qt_err_set(err, QT_ERR_TOOBIG, "canonical code longer than %d bytes",
		                  QT_CODE_CANON_MAX - 1);
	if (code->canonical_len)
		*o++ = '/';
	memcpy(o, a->ai, a->ai_len);
	o += a->ai_len;
	*o++ = '/';
	code->canonical_len = (size_t)(o - code->canonical);
	return qt_code_canon_append(code, e->value, e->len, true, err);
}

/* Pairing rules (req/ex) over the whole code, then the canonical key. */
static qt_rc finish(gs1_state *st, qt_code *code, qt_err *err)
{
	const qt_gs1_elem *key;
	qt_rc rc = QT_OK;

	for (unsigned i = 0; i < code->n_elems; i++) {
		const qt_gs1_ai *a = &qt_gs1_ai_table[code->elems[i].ai_index];

		for (unsigned g = 0; g < a->n_req; g++) {
			int met = 0;
			for (unsigned k = 0; k < a->req[g].n_alt && !met; k++)
				met = (st->present & a->req[g].alt[k]) == a->req[g].alt[k];
			if (!met) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "AI %s (%s) needs AI %s in the same code", a->ai,
				                a->title, a->req[g].text);
				goto out;
			}
		}
		if (st->present & a->ex_mask) {
			for (unsigned j = 0; j < qt_gs1_ai_count; j++)
				if (st->present & a->ex_mask & (1u << j)) {
					rc = qt_err_set(err, QT_ERR_INVALID,
					                "AI %s (%s) cannot be used with AI %s",
					                a->ai, a->title, qt_gs1_ai_table[j].ai);
					goto out;
				}
		}
	}

	key = primary_key(code, st->present);
	if (!key) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "no GS1 key: a trace code needs AI 01 (GTIN), 00 (SSCC), 414, "
		                "8004 or 8006");
		goto out;
	}
	code->scheme = QT_SCHEME_GS1;
	code->canonical_len = 0;
	rc = canon_pair(code, key, err);
	if (rc != QT_OK)
		goto out;

	if (key->ai_index == QT_AI_00) {
		code->kind = QT_KIND_LOGISTIC;
	} else if (key->ai_index == QT_AI_01 || key->ai_index == QT_AI_8006) {
		/* An item is GTIN + serial; a lot in the same code is data, not key. */
		const qt_gs1_elem *cpv = elem_at(code, st->present, QT_AI_22);
		const qt_gs1_elem *serial = elem_at(code, st->present, QT_AI_21);
		const qt_gs1_elem *lot = elem_at(code, st->present, QT_AI_10);
		code->kind = key->ai[0] == '8' ? QT_KIND_OTHER
		             : serial          ? QT_KIND_ITEM
		             : lot             ? QT_KIND_BATCH
		                               : QT_KIND_PRODUCT;
		if ((cpv && (rc = canon_pair(code, cpv, err))) ||
		    (serial && (rc = canon_pair(code, serial, err))) ||
		    (!serial && lot && (rc = canon_pair(code, lot, err))))
			goto out;
	} else {
		const qt_gs1_elem *ext =
		        key->ai_index == QT_AI_414 ? elem_at(code, st->present, QT_AI_254) : NULL;
		code->kind = QT_KIND_OTHER;
		if (ext && (rc = canon_pair(code, ext, err)))
			goto out;
	}
out:
	return rc;
}

static void state_init(gs1_state *st, const qt_code_opts *opts, qt_code *code)
{
	st->present = 0;
	st->ref_year = 0;
	st->opts = opts;
	qt_code_init(code);
}

qt_rc qt_gs1_parse_bracketed(const char *s, size_t n, const qt_code_opts *opts, qt_code *code,
                             qt_err *err)
{
	gs1_state st;
	size_t i = 0;
	qt_rc rc = QT_OK;

	state_init(&st, opts, code);
	if (n == 0 || s[0] != '(') {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "element string must start with '(' and an AI");
		goto out;
	}
	while (i < n) {
		char value[QT_GS1_VALUE_MAX + 1];
		const char *open, *v;
		size_t ai_start, ai_len, span, vlen = 0;
		unsigned idx;
		const qt_gs1_ai *a;

		/* i is at '(' here. */
		ai_start = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		ai_len = i - ai_start;
		if (i >= n || s[i] != ')' || ai_len < 2 || ai_len > 4) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "position %zu: expected an AI of 2 to 4 digits in "
			                "parentheses",
			                ai_start);
			goto out;
		}
		a = ai_find(s + ai_start, ai_len, &idx);
		if (!a) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "AI %.*s is not one qtrace accepts in a trace code",
			                (int)ai_len, s + ai_start);
			goto out;
		}
		i++;
		/* Value runs to the next unescaped '('; "\(" stands for a literal '(' since CSET
		 * 82 allows parentheses in data (GS1 Syntax Engine convention). Without a
		 * backslash the value is used in place. */
		open = memchr(s + i, '(', n - i);
		span = open ? (size_t)(open - (s + i)) : n - i;
		if (!memchr(s + i, '\\', span)) {
			v = s + i;
			vlen = span;
			i += span;
		} else {
			v = value;
			while (i < n && s[i] != '(') {
				char c = s[i];
				if (c == '\\' && i + 1 < n && s[i + 1] == '(')
					c = s[++i];
				if (vlen == QT_GS1_VALUE_MAX) {
					rc = qt_err_set(
					        err, QT_ERR_INVALID,
					        "AI %s (%s): value longer than %u characters",
					        a->ai, a->title, a->max_len);
					goto out;
				}
				value[vlen++] = c;
				i++;
			}
		}
		rc = add_elem(&st, code, a, idx, v, vlen, err);
		if (rc != QT_OK)
			goto out;
	}
	rc = finish(&st, code, err);
out:
	return rc;
}

qt_rc qt_gs1_parse_raw(const char *s, size_t n, const qt_code_opts *opts, qt_code *code,
                       qt_err *err)
{
	gs1_state st;
	size_t i = 0;
	qt_rc rc = QT_OK;

	state_init(&st, opts, code);
	while (i < n && s[i] == GS) /* a leading FNC1 is sometimes transmitted as GS */
		i++;
	if (i == n) {
		rc = qt_err_set(err, QT_ERR_INVALID, "empty element string");
		goto out;
	}
	while (i < n) {
		unsigned idx;
		size_t vstart, vlen;
		const qt_gs1_ai *a = ai_prefix(s + i, n - i, &idx);

		if (!a) {
			char shown[4 * 4 + 1];
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "position %zu: '%s' does not start an AI qtrace accepts",
			                i + 1, qt_code_snippet(s + i, n - i, 4, shown));
			goto out;
		}
		vstart = i + a->ai_len;
		if (a->min_len == a->max_len) {
			vlen = a->min_len;
			if (vstart + vlen > n)
				vlen = n - vstart; /* check_value reports the short length */
		} else {
			const char *gs = memchr(s + vstart, GS, n - vstart);
			vlen = gs ? (size_t)(gs - (s + vstart)) : n - vstart;
			if (vlen > a->max_len) {
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "AI %s (%s): %zu characters, at most %u (missing GS "
				        "separator?)",
				        a->ai, a->title, vlen, a->max_len);
				goto out;
			}
		}
		rc = add_elem(&st, code, a, idx, s + vstart, vlen, err);
		if (rc != QT_OK)
			goto out;
		i = vstart + vlen;
		if (i < n && s[i] == GS)
			i++;
	}
	rc = finish(&st, code, err);
out:
	return rc;
}

qt_rc qt_gs1_parse_key_digits(const char *s, size_t n, qt_code *code, qt_err *err)
{
	char padded[18];
	gs1_state st;
	unsigned idx = 0;
	const qt_gs1_ai *a;
	qt_rc rc = QT_OK;

	state_init(&st, NULL, code);
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i])) {
			rc = qt_err_set(err, QT_ERR_INVALID, "'%c' at position %zu is not a digit",
			                s[i], i + 1);
			goto out;
		}
	if (n == 18) {
		a = ai_find("00", 2, &idx);
		rc = add_elem(&st, code, a, idx, s, n, err);
	} else if (n == 8 || n == 12 || n == 13 || n == 14) {
		/* GTIN-8/12/13 are GTIN-14 with leading zeros; the check digit is unchanged. */
		memset(padded, '0', 14 - n);
		memcpy(padded + 14 - n, s, n);
		a = ai_find("01", 2, &idx);
		rc = add_elem(&st, code, a, idx, padded, 14, err);
	} else {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%zu digits is no GS1 key length (GTIN 8, 12, 13 or 14; SSCC 18)",
		                n);
	}
	if (rc == QT_OK)
		rc = finish(&st, code, err);
out:
	return rc;
}

/* ---- GS1 Digital Link ---------------------------------------------------------------- */

/* Position of qualifier q in one '|'-alternative of a dlpkey, or -1. */
static int qual_pos(const char *seq, size_t seqlen, const char *q)
{
	size_t qn = strlen(q);
	int pos = 0;
	for (size_t i = 0; i < seqlen;) {
		size_t j = i;
		while (j < seqlen && seq[j] != ',')
			j++;
		if (j - i == qn && memcmp(seq + i, q, qn) == 0)
			return pos;
		pos++;
		i = j + 1;
	}
	return -1;
}

#define DL_SEGS_MAX 32

typedef struct dl_seg {
	const char *p;
	size_t n;
} dl_seg;

/* Qualifiers must follow one of the key's dlpkey sequences in order. */
static qt_rc check_qualifiers(const qt_gs1_ai *key, dl_seg *segs, size_t first, size_t m,
                              qt_err *err)
{
	const char *alts = key->dlpkey;
	qt_rc rc = QT_OK;

	if (m == first)
		goto out;
	for (size_t i = first; i < m; i += 2) {
		char q[5];
		int found = 0;
		snprintf(q, sizeof q, "%.*s", (int)(segs[i].n < 4 ? segs[i].n : 4), segs[i].p);
		for (const char *alt = alts; alt && *alt;) {
			const char *bar = strchr(alt, '|');
			size_t len = bar ? (size_t)(bar - alt) : strlen(alt);
			int pos = qual_pos(alt, len, q);
			if (pos >= 0) {
				found = 1;
				/* Every earlier qualifier must come earlier in this sequence. */
				for (size_t k = first; k < i; k += 2) {
					char pq[5];
					int ppos;
					snprintf(pq, sizeof pq, "%.*s",
					         (int)(segs[k].n < 4 ? segs[k].n : 4), segs[k].p);
					ppos = qual_pos(alt, len, pq);
					if (ppos == pos) {
						rc = qt_err_set(err, QT_ERR_INVALID,
						                "AI %s appears twice in a Digital "
						                "Link path",
						                q);
						goto out;
					}
					if (ppos > pos) {
						rc = qt_err_set(err, QT_ERR_INVALID,
						                "AI %s must come after AI %s in a "
						                "Digital Link path",
						                pq, q);
						goto out;
					}
				}
				break;
			}
			alt = bar ? bar + 1 : NULL;
		}
		if (!found) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "AI %s is not a key qualifier of AI %s in a Digital Link path%s", q,
			        key->ai,
			        ai_find(q, strlen(q), NULL) && ai_find(q, strlen(q), NULL)->dl_attr
			                ? " (put it in the query string)"
			                : "");
			goto out;
		}
	}
out:
	return rc;
}

static qt_rc dl_add(gs1_state *st, qt_code *code, const char *ai, size_t ai_n, const char *raw,
                    size_t raw_n, int in_path, qt_err *err)
{
	char value[QT_GS1_VALUE_MAX + 2];
	char padded[15];
	size_t vlen = 0;
	unsigned idx = 0;
	const qt_gs1_ai *a = ai_find(ai, ai_n, &idx);
	qt_rc rc = QT_OK;

	if (!a) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "AI %.*s is not one qtrace accepts in a trace code", (int)ai_n, ai);
		goto out;
	}
	if (!in_path && !a->dl_attr) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "AI %s may not be a Digital Link query attribute", a->ai);
		goto out;
	}
	/* One byte more than any AI allows, so an overlong value gets check_value's message. */
	rc = qt_code_pct_decode(raw, raw_n, value, QT_GS1_VALUE_MAX + 1, &vlen, a->ai, err);
	if (rc == QT_ERR_TOOBIG)
		rc = qt_err_set(err, QT_ERR_INVALID, "AI %s (%s): value longer than %u characters",
		                a->ai, a->title, a->max_len);
	if (rc != QT_OK)
		goto out;
	/* Digital Link allows a GTIN-8/12/13 in the path; the key is always GTIN-14. */
	if (a->ai[0] == '0' && a->ai[1] == '1' && a->ai_len == 2 &&
	    (vlen == 8 || vlen == 12 || vlen == 13) && qt_code_all_digits(value, vlen)) {
		memset(padded, '0', 14 - vlen);
		memcpy(padded + 14 - vlen, value, vlen);
		memcpy(value, padded, 14);
		vlen = 14;
	}
	rc = add_elem(st, code, a, idx, value, vlen, err);
out:
	return rc;
}

qt_rc qt_gs1_parse_dl(const char *s, size_t n, const qt_code_opts *opts, qt_code *code, qt_err *err)
{
	gs1_state st;
	dl_seg segs[DL_SEGS_MAX];
	size_t m = 0, i, path_end, key_at = (size_t)-1;
	const char *q = NULL;
	size_t qn = 0;
	const qt_gs1_ai *key = NULL;
	qt_rc rc = QT_OK;

	state_init(&st, opts, code);
	if (qt_code_starts_ci(s, n, "https://"))
		i = 8;
	else if (qt_code_starts_ci(s, n, "http://"))
		i = 7;
	else {
		rc = qt_err_set(err, QT_ERR_INVALID, "Digital Link URI must start with https://");
		goto out;
	}
	while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++; /* any host: the key, not the resolver, names the product */
	path_end = i;
	while (path_end < n && s[path_end] != '?' && s[path_end] != '#')
		path_end++;
	if (path_end < n && s[path_end] == '?') {
		q = s + path_end + 1;
		qn = 0;
		while (path_end + 1 + qn < n && q[qn] != '#')
			qn++;
	}
	/* Split the path into segments, ignoring a trailing slash. */
	while (i < path_end) {
		size_t j = ++i;
		while (j < path_end && s[j] != '/')
			j++;
		if (j == i && j == path_end)
			break;
		if (m == DL_SEGS_MAX) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "Digital Link path has over %d segments", DL_SEGS_MAX);
			goto out;
		}
		segs[m].p = s + i;
		segs[m].n = j - i;
		m++;
		i = j;
	}
	/* Pairs AI/value from the right; the first primary key met ends them, and anything
	 * before it is the resolver's own path prefix. */
	for (size_t j = m; j >= 2; j -= 2) {
		const qt_gs1_ai *a;
		if (!qt_code_all_digits(segs[j - 2].p, segs[j - 2].n))
			break;
		a = ai_find(segs[j - 2].p, segs[j - 2].n, NULL);
		if (a && a->dlpkey) {
			key = a;
			key_at = j - 2;
			break;
		}
	}
	if (!key) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "no GS1 key in the Digital Link path (expected /01/<GTIN>, "
		                "/00/<SSCC>, /414/, /8004/ or /8006/)");
		goto out;
	}
	rc = check_qualifiers(key, segs, key_at + 2, m, err);
	if (rc != QT_OK)
		goto out;
	for (size_t j = key_at; j < m; j += 2) {
		rc = dl_add(&st, code, segs[j].p, segs[j].n, segs[j + 1].p, segs[j + 1].n, 1, err);
		if (rc != QT_OK)
			goto out;
	}
	/* Query: numeric keys are GS1 data attributes; others (linkType, context…) are for
	 * the resolver and ignored here. */
	for (size_t a = 0; q && a < qn;) {
		size_t b = a, eq;
		while (b < qn && q[b] != '&')
			b++;
		eq = a;
		while (eq < b && q[eq] != '=')
			eq++;
		if (eq > a && qt_code_all_digits(q + a, eq - a)) {
			if (eq == b) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "query attribute %.*s has no value", (int)(eq - a),
				                q + a);
				goto out;
			}
			rc = dl_add(&st, code, q + a, eq - a, q + eq + 1, b - eq - 1, 0, err);
			if (rc != QT_OK)
				goto out;
		}
		a = b + 1;
	}
	rc = finish(&st, code, err);
out:
	return rc;
}

/* ---- formatting ------------------------------------------------------------------------ */

typedef struct outbuf {
	char *p;
	size_t size, len;
	int overflow;
} outbuf;

static void put(outbuf *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n >= o->size) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_pct(outbuf *o, const char *s)
{
	size_t wrote;
	if (o->overflow)
		return;
	wrote = qt_code_pct_encode(s, strlen(s), o->p + o->len, o->size - o->len - 1);
	if (wrote == (size_t)-1) {
		o->overflow = 1;
		return;
	}
	o->len += wrote;
	o->p[o->len] = '\0';
}

static qt_rc out_rc(outbuf *o)
{
	return o->overflow ? QT_ERR_TOOBIG : QT_OK;
}

qt_rc qt_gs1_format_bracketed(const qt_code *code, char *out, size_t outsz)
{
	outbuf o = {out, outsz, 0, outsz == 0};
	if (outsz)
		out[0] = '\0';
	for (unsigned i = 0; i < code->n_elems; i++) {
		const qt_gs1_elem *e = &code->elems[i];
		put(&o, "(", 1);
		put(&o, e->ai, strlen(e->ai));
		put(&o, ")", 1);
		for (const char *v = e->value; *v; v++) {
			if (*v == '(')
				put(&o, "\\", 1);
			put(&o, v, 1);
		}
	}
	return out_rc(&o);
}

qt_rc qt_gs1_format_raw(const qt_code *code, char *out, size_t outsz)
{
	outbuf o = {out, outsz, 0, outsz == 0};
	if (outsz)
		out[0] = '\0';
	for (unsigned i = 0; i < code->n_elems; i++) {
		const qt_gs1_elem *e = &code->elems[i];
		const qt_gs1_ai *a = ai_find(e->ai, strlen(e->ai), NULL);
		put(&o, e->ai, strlen(e->ai));
		put(&o, e->value, e->len);
		if (i + 1 < code->n_elems && a->min_len != a->max_len)
			put(&o, "\x1d", 1);
	}
	return out_rc(&o);
}

qt_rc qt_gs1_format_dl(const qt_code *code, const char *host, char *out, size_t outsz)
{
	outbuf o = {out, outsz, 0, outsz == 0};
	const qt_gs1_elem *key_elem;
	const qt_gs1_ai *key;
	const char *alt, *bar;
	uint32_t in_path = 0;
	int nq = 0;

	if (outsz)
		out[0] = '\0';
	key_elem = primary_key(code, present_mask(code));
	if (!key_elem)
		return QT_ERR_INVALID;
	key = &qt_gs1_ai_table[key_elem->ai_index];
	put(&o, "https://", 8);
	put(&o, host, strlen(host));
	put(&o, "/", 1);
	put(&o, key->ai, key->ai_len);
	put(&o, "/", 1);
	put_pct(&o, qt_code_ai(code, key->ai));
	/* Qualifiers of the first sequence (the one qtrace's AIs use), in its order. */
	alt = key->dlpkey;
	bar = strchr(alt, '|');
	for (size_t i = 0, len = bar ? (size_t)(bar - alt) : strlen(alt); i < len;) {
		size_t j = i;
		char qa[5];
		const char *qv;
		while (j < len && alt[j] != ',')
			j++;
		snprintf(qa, sizeof qa, "%.*s", (int)(j - i), alt + i);
		qv = qt_code_ai(code, qa);
		if (qv) {
			put(&o, "/", 1);
			put(&o, qa, strlen(qa));
			put(&o, "/", 1);
			put_pct(&o, qv);
			for (unsigned k = 0; k < code->n_elems; k++)
				if (strcmp(code->elems[k].ai, qa) == 0)
					in_path |= 1u << k;
		}
		i = j + 1;
	}
	for (unsigned k = 0; k < code->n_elems; k++) {
		const qt_gs1_elem *e = &code->elems[k];
		if (strcmp(e->ai, key->ai) == 0 || (in_path & (1u << k)))
			continue;
		put(&o, nq++ ? "&" : "?", 1);
		put(&o, e->ai, strlen(e->ai));
		put(&o, "=", 1);
		put_pct(&o, e->value);
	}
	return out_rc(&o);
}
