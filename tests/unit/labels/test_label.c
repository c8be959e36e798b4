/* test_label.c — labels read back: every symbology a code can take, as SVG and as PNG, is
 * decoded by real scanner software (zbarimg for QR and GS1-128, dmtxread for DataMatrix; SVG
 * rasterised by rsvg-convert first), and the decoded text, parsed by qtrace's own code
 * parser, must give exactly the code's canonical key. Also what a label refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "labels/label.h"

#define BASE "https://id.example.cn"

static char dir[] = "/tmp/qt-label-test-XXXXXX";

static void parse(const char *text, qt_code *code)
{
	qt_err err = {{0}};
	if (qt_code_parse(text, strlen(text), NULL, code, &err) != QT_OK)
		fail_msg("cannot parse \"%s\": %s", text, err.msg);
}

static void save(const char *path, const qt_buf *b)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* What a scanner program prints for the file, without its final newline. */
static void run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	if (pclose(p) != 0)
		fail_msg("%s failed (printed \"%s\")", cmd, out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
}

/* A scanner's data as the keyboard wedge would type it: libdmtx gives GS1's FNC1 as byte
 * 232 (the first one only marks the symbol as GS1), zbar a GS1-128's leading FNC1 not at
 * all and the others as ASCII 29. */
static void fnc1_as_gs(char *s)
{
	size_t o = 0;
	for (size_t i = 0; s[i]; i++)
		if ((unsigned char)s[i] != 232)
			s[o++] = s[i];
		else if (o > 0)
			s[o++] = 0x1d;
	s[o] = '\0';
}

/* A PNG label is black ink on white paper (a scanner reads no inverted symbol): its corner
 * (quiet zone) is white, and there is black in it. */
static void black_on_white(const char *path)
{
	cairo_surface_t *img = cairo_image_surface_create_from_png(path);
	const unsigned char *px;
	int w, h, stride, black = 0;

	assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_format(img), CAIRO_FORMAT_RGB24);
	px = cairo_image_surface_get_data(img);
	w = cairo_image_surface_get_width(img);
	h = cairo_image_surface_get_height(img);
	stride = cairo_image_surface_get_stride(img);
	assert_int_equal(*(const uint32_t *)px & 0xffffff, 0xffffff);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			black += (*(const uint32_t *)(px + y * stride + 4 * x) & 0xffffff) == 0;
	assert_true(black > w * h / 20);
	cairo_surface_destroy(img);
}

/* Render code in sym as fmt, decode it back and check it is the same code. */
static void round_trip(const qt_code *code, qt_label_symbology sym, qt_label_format fmt)
{
	char svg[512], png[512], cmd[2048], text[4096];
	qt_buf b;
	qt_err err = {{0}};
	qt_code back;
	const char *ext = qt_label_format_ext(fmt);

	qt_buf_init(&b, QT_LABEL_MAX);
	if (qt_label_render(code, BASE, sym, fmt, &b, &err) != QT_OK)
		fail_msg("%s %s of %s: %s", qt_label_symbology_name(sym), ext, code->canonical,
		         err.msg);
	snprintf(svg, sizeof svg, "%s/label.%s", dir, ext);
	snprintf(png, sizeof png, "%s/label.png", dir);
	save(svg, &b);
	if (fmt == QT_LABEL_SVG) {
		assert_memory_equal(b.p, "<?xml", 5);
		snprintf(cmd, sizeof cmd, "rsvg-convert -d 300 -p 300 -b white -o %s %s", png, svg);
		assert_int_equal(system(cmd), 0);
	} else {
		assert_memory_equal(b.p, "\x89PNG\r\n\x1a\n", 8);
		black_on_white(png);
	}
	if (sym == QT_LABEL_DATAMATRIX)
		snprintf(cmd, sizeof cmd, "dmtxread -n -N 1 %s", png);
	else
		snprintf(cmd, sizeof cmd, "zbarimg -q --raw %s 2>/dev/null", png);
	run(cmd, text, sizeof text);
	fnc1_as_gs(text);
	if (sym == QT_LABEL_QR) {
		char url[2048];
		assert_int_equal(qt_code_resolver_url(code, BASE, url, sizeof url), QT_OK);
		assert_string_equal(text, url);
	}
	parse(text, &back);
	if (strcmp(back.canonical, code->canonical) != 0)
		fail_msg("%s %s of %s read back as \"%s\", which is %s",
		         qt_label_symbology_name(sym), ext, code->canonical, text, back.canonical);
	qt_buf_free(&b);
}

static void all_ways(const char *text, bool gs1)
{
	qt_code code;

	parse(text, &code);
	for (int f = QT_LABEL_SVG; f <= QT_LABEL_PNG; f++) {
		round_trip(&code, QT_LABEL_QR, (qt_label_format)f);
		if (gs1) {
			round_trip(&code, QT_LABEL_DATAMATRIX, (qt_label_format)f);
			round_trip(&code, QT_LABEL_GS1_128, (qt_label_format)f);
		}
	}
}

/* A serial with characters a URL must escape and XML must escape. */
static void test_gs1_item(void **state)
{
	(void)state;
	all_ways("(01)09506000134352(21)Ab/1%2&<x>?\"'+", true);
}

static void test_sscc(void **state)
{
	char text[64], digits[18] = "09506000134352001";
	(void)state;
	snprintf(text, sizeof text, "(00)%s%c", digits, qt_gs1_check_digit(digits, 17));
	all_ways(text, true);
}

static void test_gtin_lot(void **state)
{
	(void)state;
	all_ways("(01)09506000134352(10)LOT-7/B", true);
}

static void test_digital_identity(void **state)
{
	char id[QT_DIC_ID_LEN + 1];
	(void)state;
	assert_int_equal(qt_dic_generate(id), QT_OK);
	all_ways(id, false);
}

/* The human-readable text is real SVG text, escaped; the GS1 symbologies refuse a code that
 * has no element string; a bad name is refused naming the choices. */
static void test_text_and_refusals(void **state)
{
	qt_code code;
	qt_buf b;
	qt_err err = {{0}};
	qt_label_symbology sym;
	qt_label_format fmt;
	char id[QT_DIC_ID_LEN + 1], name[QT_LABEL_NAME_MAX];
	(void)state;

	qt_buf_init(&b, QT_LABEL_MAX);
	parse("(01)09506000134352(21)a&<b", &code);
	assert_int_equal(qt_label_render(&code, BASE, QT_LABEL_DATAMATRIX, QT_LABEL_SVG, &b, &err),
	                 QT_OK);
	assert_non_null(strstr(b.p, ">(01)09506000134352</text>"));
	assert_non_null(strstr(b.p, ">(21)a&amp;&lt;b</text>"));
	qt_buf_reset(&b);
	assert_int_equal(qt_label_render(&code, BASE, QT_LABEL_GS1_128, QT_LABEL_SVG, &b, &err),
	                 QT_OK);
	assert_non_null(strstr(b.p, ">(01)09506000134352(21)a&amp;&lt;b</text>"));
	qt_label_filename(&code, QT_LABEL_GS1_128, "svg", name);
	assert_string_equal(name, "01_09506000134352_21_a%26%3Cb-gs1-128.svg");

	assert_int_equal(qt_dic_generate(id), QT_OK);
	parse(id, &code);
	qt_buf_reset(&b);
	assert_int_equal(qt_label_render(&code, BASE, QT_LABEL_GS1_128, QT_LABEL_PNG, &b, &err),
	                 QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "a gs1-128 symbol carries a GS1 element string"));
	assert_int_equal(qt_label_render(&code, BASE, QT_LABEL_DATAMATRIX, QT_LABEL_SVG, &b, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(b.len, 0);
	assert_int_equal(qt_label_render(&code, NULL, QT_LABEL_QR, QT_LABEL_SVG, &b, &err),
	                 QT_ERR_USAGE);
	assert_int_equal(qt_label_symbology_parse("ean13", &sym, &err), QT_ERR_INVALID);
	assert_string_equal(err.msg, "symbology must be qr, datamatrix or gs1-128");
	assert_int_equal(qt_label_format_parse("gif", &fmt, &err), QT_ERR_INVALID);
	qt_buf_free(&b);
}

/* Sheets: one PDF, a page per 28 QR labels. */
static void test_sheet(void **state)
{
	char path[512], id[QT_DIC_ID_LEN + 1], head[8] = {0};
	qt_label_sheet *sh;
	qt_code code;
	qt_err err = {{0}};
	unsigned long pages = 0;
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/sheet.pdf", dir);
	assert_int_equal(qt_label_sheet_open(path, QT_LABEL_QR, &sh, &err), QT_OK);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(qt_dic_generate(id), QT_OK);
		parse(id, &code);
		assert_int_equal(qt_label_sheet_add(sh, &code, BASE, &err), QT_OK);
	}
	assert_int_equal(qt_label_sheet_close(sh, &pages, &err), QT_OK);
	assert_int_equal(pages, 2);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(head, 1, 5, f), 5);
	fclose(f);
	assert_string_equal(head, "%PDF-");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	qt_label_cleanup();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_gs1_item),          cmocka_unit_test(test_sscc),
	        cmocka_unit_test(test_gtin_lot),          cmocka_unit_test(test_digital_identity),
	        cmocka_unit_test(test_text_and_refusals), cmocka_unit_test(test_sheet),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
