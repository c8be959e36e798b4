/* uscc.c — 统一社会信用代码 (GB 32100-2015): checks and decodes the 18-character identifier of a
 * producer or seller, including the GB 11714 organisation-code check on positions 9–17. Every
 * rejection names the position and the rule, because users retype these codes by hand. */
#include "codes/uscc.h"
#include "util/utf8.h"

#include <string.h>

#define ORG_BODY_LEN  8
#define DIVISION_AT   2 /* 0-based offsets into the code */
#define ORG_AT        8
#define ORG_CHECK_AT  16
#define CHECK_AT      17
#define DESCRIBE_SIZE 24

/* Named in errors: users who typed O for 0 need to hear the letter is excluded on purpose. */
#define EXCLUDED_MSG "GB 32100 excludes I, O, Z, S, V"

struct category {
	char code;
	const char *name;
};

struct authority {
	char code;
	const char *name;
	const struct category *categories; /* ends with code 0 */
};

/* GB 32100-2015 table 1 as amended; A (军委编制) and N (农村集体经济组织) came later. */
static const struct category cat_bianzhi[] = {
        {'1', "机关"}, {'2', "事业单位"}, {'3', "中央编办直接管理机构编制的群众团体"},
        {'9', "其他"}, {0, NULL},
};
static const struct category cat_waijiao[] = {{'1', "外国常驻新闻机构"}, {'9', "其他"}, {0, NULL}};
static const struct category cat_sifa[] = {
        {'1', "律师执业机构"},
        {'2', "公证处"},
        {'3', "基层法律服务所"},
        {'4', "司法鉴定机构"},
        {'5', "仲裁委员会"},
        {'9', "其他"},
        {0, NULL},
};
static const struct category cat_wenhua[] = {{'1', "外国在华文化中心"}, {'9', "其他"}, {0, NULL}};
static const struct category cat_minzheng[] = {
        {'1', "社会团体"}, {'2', "民办非企业单位"}, {'3', "基金会"}, {'9', "其他"}, {0, NULL},
};
static const struct category cat_lvyou[] = {
        {'1', "外国旅游部门常驻代表机构"},
        {'2', "港澳台地区旅游部门常驻内地（大陆）代表机构"},
        {'9', "其他"},
        {0, NULL},
};
static const struct category cat_zongjiao[] = {
        {'1', "宗教活动场所"},
        {'2', "宗教院校"},
        {'9', "其他"},
        {0, NULL},
};
static const struct category cat_gonghui[] = {{'1', "基层工会"}, {'9', "其他"}, {0, NULL}};
/* The standard gives 工商 no "9 其他": every market entity is one of these three. */
static const struct category cat_gongshang[] = {
        {'1', "企业"},
        {'2', "个体工商户"},
        {'3', "农民专业合作社"},
        {0, NULL},
};
static const struct category cat_junwei[] = {{'1', "军队事业单位"}, {'9', "其他"}, {0, NULL}};
static const struct category cat_nongye[] = {
        {'1', "组级集体经济组织"},
        {'2', "村级集体经济组织"},
        {'3', "乡镇级集体经济组织"},
        {'9', "其他"},
        {0, NULL},
};
/* "Y 其他" is not subdivided; the standard fixes its category at 1. */
static const struct category cat_qita[] = {{'1', "其他"}, {0, NULL}};

static const struct authority authorities[] = {
        {'1', "机构编制", cat_bianzhi},
        {'2', "外交", cat_waijiao},
        {'3', "司法行政", cat_sifa},
        {'4', "文化", cat_wenhua},
        {'5', "民政", cat_minzheng},
        {'6', "旅游", cat_lvyou},
        {'7', "宗教", cat_zongjiao},
        {'8', "工会", cat_gonghui},
        {'9', "工商/市场监管", cat_gongshang},
        {'A', "中央军委改革和编制办公室", cat_junwei},
        {'N', "农业", cat_nongye},
        {'Y', "其他", cat_qita},
};

/* GB/T 2260 province-level divisions; the first two digits of any division code. */
static const struct {
	char code[3];
	const char *name;
} provinces[] = {
        {"11", "北京市"},           {"12", "天津市"},         {"13", "河北省"},
        {"14", "山西省"},           {"15", "内蒙古自治区"},   {"21", "辽宁省"},
        {"22", "吉林省"},           {"23", "黑龙江省"},       {"31", "上海市"},
        {"32", "江苏省"},           {"33", "浙江省"},         {"34", "安徽省"},
        {"35", "福建省"},           {"36", "江西省"},         {"37", "山东省"},
        {"41", "河南省"},           {"42", "湖北省"},         {"43", "湖南省"},
        {"44", "广东省"},           {"45", "广西壮族自治区"}, {"46", "海南省"},
        {"50", "重庆市"},           {"51", "四川省"},         {"52", "贵州省"},
        {"53", "云南省"},           {"54", "西藏自治区"},     {"61", "陕西省"},
        {"62", "甘肃省"},           {"63", "青海省"},         {"64", "宁夏回族自治区"},
        {"65", "新疆维吾尔自治区"}, {"71", "台湾省"},         {"81", "香港特别行政区"},
        {"82", "澳门特别行政区"},
};

/* Registration authorities at national level use 100000, which is not in GB/T 2260. */
#define NATIONAL_DIVISION "100000"
#define NATIONAL_NAME     "国家级"

/* 3^(i−1) mod 31: all nonzero mod the prime 31, so any single substitution changes the sum. */
static const unsigned char uscc_weights[QT_USCC_LEN - 1] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                            29, 25, 13, 8,  24, 10, 30, 28};
static const unsigned char org_weights[ORG_BODY_LEN] = {3, 7, 9, 10, 5, 8, 4, 2};

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Value of c in the 31-symbol table (QT_USCC_ALPHABET), or -1; lower case is accepted. A
 * table rather than a search because every character of every code goes through here. */
static int uscc_value(char c)
{
	/* A..Z; -1 for the excluded I, O, S, V, Z. */
	static const signed char letters[26] = {10, 11, 12, 13, 14, 15, 16, 17, -1, 18, 19, 20, 21,
	                                        22, -1, 23, 24, 25, -1, 26, 27, -1, 28, 29, 30, -1};
	int v = -1;

	c = upper(c);
	if (is_digit(c))
		v = c - '0';
	else if (c >= 'A' && c <= 'Z')
		v = letters[c - 'A'];
	return v;
}

/* Whitespace that pasting from documents and spreadsheets brings along. */
static const char *const wide_spaces[] = {"\xC2\xA0", "\xE3\x80\x80", "\xEF\xBB\xBF"};

static int is_ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Bytes of the space that starts (at_end 0) or ends (at_end 1) the n bytes at s, or 0. A
 * multi-byte space is recognised from the end too: in UTF-8 its first byte is a lead byte, so
 * it cannot be the tail of another character. */
static size_t space_len(const char *s, size_t n, int at_end)
{
	size_t len = 0;

	if (n == 0)
		goto out;
	if (is_ascii_space(at_end ? s[n - 1] : s[0])) {
		len = 1;
		goto out;
	}
	for (size_t i = 0; i < sizeof wide_spaces / sizeof wide_spaces[0]; i++) {
		size_t wl = strlen(wide_spaces[i]);
		const char *at;
		if (n < wl)
			continue;
		at = at_end ? s + n - wl : s;
		if (at[0] == wide_spaces[i][0] && memcmp(at, wide_spaces[i], wl) == 0) {
			len = wl;
			goto out;
		}
	}
out:
	return len;
}

void qt_uscc_trim(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n, sl;

	while ((sl = space_len(p, len, 0)) > 0) {
		p += sl;
		len -= sl;
	}
	while ((sl = space_len(p, len, 1)) > 0)
		len -= sl;
	*s = p;
	*n = len;
}

/* The character at s as an error message shows it: quoted when printable, else its byte value,
 * so messages stay valid UTF-8 whatever the input was. */
static void describe(char out[DESCRIBE_SIZE], const char *s, size_t n)
{
	size_t cl = qt_utf8_decode(s, n, NULL);
	unsigned char b = (unsigned char)s[0];

	if (cl > 1 || (cl == 1 && b >= 0x20 && b < 0x7F)) {
		memcpy(out, "'", 1);
		memcpy(out + 1, s, cl);
		memcpy(out + 1 + cl, "'", 2);
	} else {
		static const char hex[] = "0123456789ABCDEF";
		memcpy(out, "byte 0x", 7);
		out[7] = hex[b >> 4];
		out[8] = hex[b & 15];
		out[9] = '\0';
	}
}

static size_t count_chars(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t at = 0; at < n; chars++) {
		size_t cl = qt_utf8_decode(s + at, n - at, NULL);
		at += cl ? cl : 1;
	}
	return chars;
}

char qt_uscc_check_char(const char *first17)
{
	unsigned sum = 0;
	char check = '\0';

	if (!first17)
		goto out;
	for (size_t i = 0; i < QT_USCC_LEN - 1; i++) {
		int v = uscc_value(first17[i]);
		if (v < 0)
			goto out;
		sum += (unsigned)v * uscc_weights[i];
	}
	check = QT_USCC_ALPHABET[(31 - sum % 31) % 31];
out:
	return check;
}

char qt_uscc_org_check_char(const char *first8)
{
	unsigned sum = 0, c;
	char check = '\0';

	if (!first8)
		goto out;
	for (size_t i = 0; i < ORG_BODY_LEN; i++) {
		char ch = upper(first8[i]);
		unsigned v;
		if (is_digit(ch))
			v = (unsigned)(ch - '0');
		else if (ch >= 'A' && ch <= 'Z')
			v = (unsigned)(ch - 'A') + 10; /* GB 11714 counts I, O, S, V, Z too */
		else
			goto out;
		sum += v * org_weights[i];
	}
	c = 11 - sum % 11;
	check = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
out:
	return check;
}

const char *qt_division_province(const char *two_digits)
{
	const char *name = NULL;

	if (!two_digits)
		goto out;
	for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++) {
		if (two_digits[0] == provinces[i].code[0] &&
		    two_digits[1] == provinces[i].code[1]) {
			name = provinces[i].name;
			break;
		}
	}
out:
	return name;
}

static const struct authority *find_authority(char code)
{
	const struct authority *hit = NULL;

	for (size_t i = 0; i < sizeof authorities / sizeof authorities[0]; i++) {
		if (authorities[i].code == code) {
			hit = &authorities[i];
			break;
		}
	}
	return hit;
}

static const char *find_category(const struct authority *auth, char code)
{
	const char *name = NULL;

	for (const struct category *c = auth->categories; c->code; c++) {
		if (c->code == code) {
			name = c->name;
			break;
		}
	}
	return name;
}

/* Positions 3–8: six digits whose first two name a province, or the national 100000. */
static qt_rc check_division(qt_uscc *u, qt_err *err)
{
	const char *d = u->code + DIVISION_AT;
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < 6; i++) {
		if (!is_digit(d[i])) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "division code (positions 3-8) must be 6 digits: position %zu "
			        "is '%c'",
			        DIVISION_AT + i + 1, d[i]);
			goto out;
		}
	}
	memcpy(u->division, d, 6);
	u->division[6] = '\0';
	memcpy(u->province_code, d, 2);
	u->province_code[2] = '\0';
	if (strcmp(u->division, NATIONAL_DIVISION) == 0) {
		u->province_name = NATIONAL_NAME;
		goto out;
	}
	if (d[0] == '1' && d[1] == '0') {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "division code %s: prefix 10 is only used as " NATIONAL_DIVISION
		                " (national registration authorities)",
		                u->division);
		goto out;
	}
	u->province_name = qt_division_province(d);
	if (!u->province_name)
		rc = qt_err_set(err, QT_ERR_INVALID, "division code %s: no such province %s",
		                u->division, u->province_code);
out:
	return rc;
}

qt_rc qt_uscc_parse(const char *s, size_t n, qt_uscc *out, qt_err *err)
{
	const struct authority *auth;
	char what[DESCRIBE_SIZE];
	qt_uscc u;
	size_t chars;
	char want;
	qt_rc rc = QT_OK;

	if (!s && n > 0) {
		rc = qt_err_set(err, QT_ERR_USAGE, "uscc: no input buffer");
		goto out;
	}
	if (!s)
		s = "";
	qt_uscc_trim(&s, &n);
	chars = count_chars(s, n);
	if (chars != QT_USCC_LEN) {
		rc = qt_err_set(err, QT_ERR_INVALID, "length: expected %d characters, got %zu",
		                QT_USCC_LEN, chars);
		goto out;
	}

	memset(&u, 0, sizeof u);
	/* Any byte outside the alphabet stops the loop, so byte i is still character i here. */
	for (size_t i = 0; i < QT_USCC_LEN; i++) {
		char c = upper(s[i]);
		if (uscc_value(c) < 0) {
			describe(what, s + i, n - i);
			if (c && strchr("IOZSV", c))
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "position %zu: %s is not allowed (" EXCLUDED_MSG
				                ")",
				                i + 1, what);
			else
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "position %zu: %s is not allowed (only 0-9 and "
				                "A-Z; " EXCLUDED_MSG ")",
				                i + 1, what);
			goto out;
		}
		u.code[i] = c;
	}

	u.authority = u.code[0];
	auth = find_authority(u.authority);
	if (!auth) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "position 1: unknown registration authority '%c'", u.authority);
		goto out;
	}
	u.authority_name = auth->name;
	u.category = u.code[1];
	u.category_name = find_category(auth, u.category);
	if (!u.category_name) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "position 2: unknown category '%c' for registration authority %c (%s)",
		        u.category, auth->code, auth->name);
		goto out;
	}

	rc = check_division(&u, err);
	if (rc != QT_OK)
		goto out;

	want = qt_uscc_org_check_char(u.code + ORG_AT);
	if (u.code[ORG_CHECK_AT] != want) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "organisation code check (position 17): expected %c, got %c", want,
		                u.code[ORG_CHECK_AT]);
		goto out;
	}
	memcpy(u.org_code, u.code + ORG_AT, 9);
	u.org_code[9] = '\0';

	want = qt_uscc_check_char(u.code);
	if (u.code[CHECK_AT] != want) {
		rc = qt_err_set(err, QT_ERR_INVALID, "check character: expected %c, got %c", want,
		                u.code[CHECK_AT]);
		goto out;
	}

	if (out)
		*out = u;
out:
	return rc;
}
