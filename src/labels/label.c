/* label.c — a trace code's label: zint encodes the symbol and lays it out as rectangles (its
 * vector output); the human-readable text under it is ours, since zint 2.11 draws text for
 * linear symbols only. One drawing (rectangles, lines of text, sizes in modules) becomes SVG
 * text here, or is drawn by cairo into a PNG or onto a PDF page of an A4 sheet. */
#include "labels/label.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

#include "util/sha256.h"

#define DATA_MAX     2048 /* what goes into a symbol: a resolver URL or an element string */
#define LINES_MAX    (QT_GS1_ELEMS_MAX + 1)
#define HRT_LINE_MAX (QT_CODE_CANON_MAX + 8)
#define FONT         "DejaVu Sans"
#define SVG_FONT     "DejaVu Sans, Verdana, sans-serif"
#define PT_PER_MM    (72.0 / 25.4)

/* Per symbology: the module size printed (mm), PNG pixels per module, text size (modules). */
static const struct {
	const char *name;
	int zint;
	double mm, px, text;
} kinds[] = {
        [QT_LABEL_QR] = {"qr", BARCODE_QRCODE, 0.5, 6, 4},
        [QT_LABEL_DATAMATRIX] = {"datamatrix", BARCODE_DATAMATRIX, 0.5, 6, 4},
        [QT_LABEL_GS1_128] = {"gs1-128", BARCODE_GS1_128, 0.33, 3, 9},
};

/* One label, in modules: the symbol (zint's rectangles, quiet zones included) centred over
 * the lines of text. */
typedef struct drawing {
	struct zint_symbol *zs;
	char lines[LINES_MAX][HRT_LINE_MAX];
	double line_w[LINES_MAX];
	unsigned n_lines;
	double text, width, height, sym_x;
	double mm, px;
} drawing;

qt_rc qt_label_symbology_parse(const char *name, qt_label_symbology *out, qt_err *err)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(name, kinds[i].name) == 0) {
			*out = (qt_label_symbology)i;
			return QT_OK;
		}
	return qt_err_set(err, QT_ERR_INVALID, "symbology must be qr, datamatrix or gs1-128");
}

qt_rc qt_label_format_parse(const char *name, qt_label_format *out, qt_err *err)
{
	qt_rc rc = QT_OK;

	if (strcmp(name, "svg") == 0)
		*out = QT_LABEL_SVG;
	else if (strcmp(name, "png") == 0)
		*out = QT_LABEL_PNG;
	else
		rc = qt_err_set(err, QT_ERR_INVALID, "format must be svg or png");
	return rc;
}

const char *qt_label_symbology_name(qt_label_symbology sym)
{
	return kinds[sym].name;
}

const char *qt_label_format_ext(qt_label_format fmt)
{
	return fmt == QT_LABEL_PNG ? "png" : "svg";
}

const char *qt_label_format_type(qt_label_format fmt)
{
	return fmt == QT_LABEL_PNG ? "image/png" : "image/svg+xml";
}

qt_rc qt_label_check(const qt_code *code, qt_label_symbology sym, qt_err *err)
{
	return sym == QT_LABEL_QR || code->n_elems > 0
	               ? QT_OK
	               : qt_err_set(err, QT_ERR_INVALID,
	                            "a %s symbol carries a GS1 element string; %.60s is a %s code "
	                            "(use symbology qr)",
	                            kinds[sym].name, code->canonical,
	                            qt_code_scheme_name(code->scheme));
}

/* What the symbol carries: the resolver URL (QR), or the element string in zint's GS1 input
 * form, AIs in square brackets (a value cannot hold one: they are outside GS1's set 82). */
static qt_rc symbol_data(const qt_code *code, const char *base, qt_label_symbology sym,
                         char out[DATA_MAX], qt_err *err)
{
	size_t o = 0;
	qt_rc rc = QT_OK;

	if (sym == QT_LABEL_QR) {
		if (!base || qt_code_resolver_url(code, base, out, DATA_MAX) != QT_OK)
			rc = qt_err_set(err, base ? QT_ERR_TOOBIG : QT_ERR_USAGE,
			                base ? "the code's URL is too long for a label"
			                     : "a QR label needs the resolver's public URL");
		goto out;
	}
	out[0] = '\0';
	for (unsigned i = 0; i < code->n_elems; i++) {
		int n = snprintf(out + o, DATA_MAX - o, "[%s]%s", code->elems[i].ai,
		                 code->elems[i].value);
		if (n < 0 || (size_t)n >= DATA_MAX - o) {
			rc = qt_err_set(err, QT_ERR_TOOBIG, "the element string is too long");
			goto out;
		}
		o += (size_t)n;
	}
out:
	return rc;
}

/* The text under the symbol: for GS1 data its element string in parentheses, one line per
 * AI under a square symbol and all on one line under a linear one; else the canonical key. */
static void text_lines(const qt_code *code, qt_label_symbology sym, drawing *d)
{
	d->n_lines = 0;
	if (code->n_elems == 0) {
		snprintf(d->lines[d->n_lines++], HRT_LINE_MAX, "%s", code->canonical);
		return;
	}
	d->lines[0][0] = '\0';
	for (unsigned i = 0; i < code->n_elems && i < QT_GS1_ELEMS_MAX; i++) {
		char *line = d->lines[sym == QT_LABEL_GS1_128 ? 0 : d->n_lines];
		size_t used = strlen(line);
		snprintf(line + used, HRT_LINE_MAX - used, "(%s)%s", code->elems[i].ai,
		         code->elems[i].value);
		if (sym != QT_LABEL_GS1_128 || d->n_lines == 0)
			d->n_lines++;
		if (sym != QT_LABEL_GS1_128)
			d->lines[d->n_lines][0] = '\0';
	}
}

/* The text's font on a cairo context, at the drawing's size in its units. */
static void set_font(cairo_t *cr, const drawing *d)
{
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, d->text);
}

static void drawing_free(drawing *d)
{
	if (d->zs)
		ZBarcode_Delete(d->zs);
	d->zs = NULL;
}

/* Encode the symbol and lay the label out; the text is measured with the font PNG and PDF
 * use, and SVG pins it to that width, so no viewer's font can run it past the label. */
static qt_rc drawing_make(const qt_code *code, const char *base, qt_label_symbology sym, drawing *d,
                          qt_err *err)
{
	char data[DATA_MAX];
	cairo_surface_t *scratch = NULL;
	cairo_t *cr = NULL;
	double text_w = 0, quiet;
	qt_rc rc;

	memset(d, 0, sizeof *d);
	if ((rc = qt_label_check(code, sym, err)) != QT_OK ||
	    (rc = symbol_data(code, base, sym, data, err)) != QT_OK)
		goto out;
	if (!(d->zs = ZBarcode_Create())) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	d->zs->symbology = kinds[sym].zint;
	d->zs->input_mode = sym == QT_LABEL_QR ? DATA_MODE : GS1_MODE;
	d->zs->output_options = BARCODE_QUIET_ZONES;
	d->zs->show_hrt = 0;
	d->zs->scale = 0.5f; /* vector units of one module */
	if (sym == QT_LABEL_DATAMATRIX)
		d->zs->option_3 = DM_SQUARE;
	if (sym == QT_LABEL_QR)
		d->zs->option_1 = 2; /* error correction M: a label gets scuffed */
	if (ZBarcode_Encode(d->zs, (const unsigned char *)data, (int)strlen(data)) >= ZINT_ERROR ||
	    ZBarcode_Buffer_Vector(d->zs, 0) >= ZINT_ERROR || !d->zs->vector) {
		rc = qt_err_set(err, QT_ERR_INVALID, "cannot encode %.60s as %s: %s",
		                code->canonical, kinds[sym].name, d->zs->errtxt);
		goto out;
	}
	text_lines(code, sym, d);
	d->text = kinds[sym].text;
	d->mm = kinds[sym].mm;
	d->px = kinds[sym].px;
	scratch = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cr = cairo_create(scratch);
	set_font(cr, d);
	for (unsigned i = 0; i < d->n_lines; i++) {
		cairo_text_extents_t ext;
		cairo_text_extents(cr, d->lines[i], &ext);
		d->line_w[i] = ext.x_advance;
		text_w = fmax(text_w, ext.x_advance);
	}
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot measure the label's text: %s",
		                cairo_status_to_string(cairo_status(cr)));
		goto out;
	}
	quiet = d->text; /* text keeps this clear of the label's edges */
	d->width = fmax(d->zs->vector->width, text_w + 2 * quiet);
	d->sym_x = (d->width - d->zs->vector->width) / 2;
	d->height = d->zs->vector->height + d->n_lines * d->text * 1.25 + quiet * 0.7;
out:
	if (cr)
		cairo_destroy(cr);
	if (scratch)
		cairo_surface_destroy(scratch);
	if (rc != QT_OK)
		drawing_free(d);
	return rc;
}

/* The baseline of line i, in modules from the top. */
static double baseline(const drawing *d, unsigned i)
{
	return d->zs->vector->height + d->text * (1.25 * i + 1.2);
}

/* ---- SVG ---- */

static qt_rc svg(const drawing *d, qt_buf *out)
{
	const struct zint_vector *v = d->zs->vector;
	qt_rc rc = qt_buf_printf(out,
	                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	                         "width=\"%.2fmm\" height=\"%.2fmm\" viewBox=\"0 0 %g %g\">\n"
	                         "<rect width=\"%g\" height=\"%g\" fill=\"#ffffff\"/>\n"
	                         "<path fill=\"#000000\" d=\"",
	                         d->width * d->mm, d->height * d->mm, d->width, d->height, d->width,
	                         d->height);

	for (const struct zint_vector_rect *r = v->rectangles; r && rc == QT_OK; r = r->next)
		if (r->colour != 8) /* zint's white: a gap, already the background */
			rc = qt_buf_printf(out, "M%g %gh%gv%gh%gz", d->sym_x + r->x, r->y, r->width,
			                   r->height, -r->width);
	if (rc == QT_OK)
		rc = qt_buf_printf(out, "\"/>\n");
	for (unsigned i = 0; i < d->n_lines && rc == QT_OK; i++) {
		rc = qt_buf_printf(out,
		                   "<text x=\"%g\" y=\"%g\" font-family=\"%s\" font-size=\"%g\" "
		                   "text-anchor=\"middle\" textLength=\"%.3f\" "
		                   "lengthAdjust=\"spacingAndGlyphs\" fill=\"#000000\">",
		                   d->width / 2, baseline(d, i), SVG_FONT, d->text, d->line_w[i]);
		if (rc == QT_OK)
			rc = qt_buf_xml(out, d->lines[i]);
		if (rc == QT_OK)
			rc = qt_buf_printf(out, "</text>\n");
	}
	if (rc == QT_OK)
		rc = qt_buf_printf(out, "</svg>\n");
	return rc;
}

/* ---- cairo: PNG and PDF ---- */

/* The label's ink (bars and text) on cr with its source and operator, in a user space in
 * modules with the label's top left at 0,0. Bars without antialiasing: at whole pixels per
 * module edges stay sharp for scanners. */
static void draw_ink(cairo_t *cr, const drawing *d)
{
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	for (const struct zint_vector_rect *r = d->zs->vector->rectangles; r; r = r->next)
		if (r->colour != 8)
			cairo_rectangle(cr, d->sym_x + r->x, r->y, r->width, r->height);
	cairo_fill(cr);
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
	set_font(cr, d);
	for (unsigned i = 0; i < d->n_lines; i++) {
		cairo_move_to(cr, (d->width - d->line_w[i]) / 2, baseline(d, i));
		cairo_show_text(cr, d->lines[i]);
	}
}

/* The label in black on white, as on a PDF page. */
static void draw(cairo_t *cr, const drawing *d)
{
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, 0, 0, d->width, d->height);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	draw_ink(cr, d);
}

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int n)
{
	return qt_buf_append(closure, data, n) == QT_OK ? CAIRO_STATUS_SUCCESS
	                                                : CAIRO_STATUS_WRITE_ERROR;
}

/* A label is black on white, so the PNG is one grey channel, a third of RGB's bytes for
 * libpng to filter and zlib to deflate (they were 80% of the time). cairo writes an A8
 * surface as 8-bit grey with the alpha as the grey level: the label is drawn in alpha, white
 * as opaque and ink taken out of it (DEST_OUT), antialiased text as grey. */
static qt_rc png(const drawing *d, qt_buf *out, qt_err *err)
{
	int w = (int)ceil(d->width * d->px), h = (int)ceil(d->height * d->px);
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
	cairo_t *cr = cairo_create(surface);
	cairo_status_t st;
	qt_rc rc = QT_OK;

	cairo_scale(cr, d->px, d->px);
	cairo_set_source_rgba(cr, 0, 0, 0, 1);
	cairo_paint(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_DEST_OUT);
	draw_ink(cr, d);
	st = cairo_status(cr);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(surface, png_write, out);
	if (st != CAIRO_STATUS_SUCCESS)
		rc = qt_err_set(err, st == CAIRO_STATUS_WRITE_ERROR ? QT_ERR_TOOBIG : QT_ERR_IO,
		                "cannot draw the label: %s", cairo_status_to_string(st));
	cairo_destroy(cr);
	cairo_surface_destroy(surface);
	return rc;
}

qt_rc qt_label_code(const char *key, const char *lot, qt_code *out, qt_err *err)
{
	const char *gtin, *serial;
	char es[128];
	int n;
	qt_code with;
	qt_err why;
	qt_rc rc = qt_code_parse_key(key, strlen(key), out, err);

	if (rc != QT_OK || !lot || !*lot || !(gtin = qt_code_ai(out, "01")) ||
	    !(serial = qt_code_ai(out, "21")) || qt_code_ai(out, "10"))
		goto out;
	/* the raw element string (a lot of variable length ends with GS): no character of GS1
	 * set 82 needs escaping in it, and the parser judges the lot; it must come back whole */
	n = snprintf(es, sizeof es,
	             "01%s10%s\x1d"
	             "21%s",
	             gtin, lot, serial);
	if (n > 0 && (size_t)n < sizeof es &&
	    qt_code_parse(es, (size_t)n, NULL, &with, &why) == QT_OK &&
	    strcmp(with.canonical, out->canonical) == 0 && qt_code_ai(&with, "10") &&
	    strcmp(qt_code_ai(&with, "10"), lot) == 0)
		*out = with;
out:
	return rc;
}

qt_rc qt_label_render(const qt_code *code, const char *base, qt_label_symbology sym,
                      qt_label_format fmt, qt_buf *out, qt_err *err)
{
	drawing *d = malloc(sizeof *d);
	qt_rc rc;

	if (!d) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = drawing_make(code, base, sym, d, err)) != QT_OK)
		goto out;
	if (fmt == QT_LABEL_PNG)
		rc = png(d, out, err);
	else if ((rc = svg(d, out)) != QT_OK)
		qt_err_set(err, rc, "the label is too large");
	drawing_free(d);
out:
	free(d);
	return rc;
}

void qt_label_filename(const qt_code *code, qt_label_symbology sym, const char *ext,
                       char out[QT_LABEL_NAME_MAX])
{
	/* room for the suffix and, for a long key, "-" and 16 hex digits of its hash */
	const size_t keep = QT_LABEL_NAME_MAX - 48;
	size_t o = 0;

	for (const char *s = code->canonical; *s && o < keep; s++)
		if (*s == '/')
			out[o++] = '_';
		else if (*s == '_' || *s == '~')
			o += (size_t)snprintf(out + o, 4, "%%%02X", (unsigned char)*s);
		else
			out[o++] = *s; /* the rest of a key is [A-Za-z0-9.%=-] */
	if (o >= keep) {
		uint8_t h[QT_SHA256_LEN];
		qt_sha256(&(qt_sha256_part){code->canonical, code->canonical_len}, 1, h);
		o = keep - 17;
		out[o++] = '-';
		for (int i = 0; i < 8; i++)
			o += (size_t)snprintf(out + o, 3, "%02x", h[i]);
	}
	snprintf(out + o, QT_LABEL_NAME_MAX - o, "-%s.%s", kinds[sym].name, ext);
}

/* ---- A4 sheets ---- */

#define A4_W_MM   210.0
#define A4_H_MM   297.0
#define MARGIN_MM 10.0

struct qt_label_sheet {
	cairo_surface_t *pdf;
	qt_label_symbology sym;
	unsigned cols, rows, at; /* the next cell on this page */
	unsigned long pages;
	drawing d;
};

qt_rc qt_label_sheet_open(const char *path, qt_label_symbology sym, qt_label_sheet **out,
                          qt_err *err)
{
	qt_label_sheet *sh = calloc(1, sizeof *sh);
	qt_rc rc = QT_OK;

	*out = NULL;
	if (!sh) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	sh->sym = sym;
	/* square symbols 4 by 7 (cells of 47.5 by 39.6 mm), linear ones 2 by 10 */
	sh->cols = sym == QT_LABEL_GS1_128 ? 2 : 4;
	sh->rows = sym == QT_LABEL_GS1_128 ? 10 : 7;
	sh->pdf = cairo_pdf_surface_create(path, A4_W_MM * PT_PER_MM, A4_H_MM * PT_PER_MM);
	if (cairo_surface_status(sh->pdf) != CAIRO_STATUS_SUCCESS) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot create %.120s: %s", path,
		                cairo_status_to_string(cairo_surface_status(sh->pdf)));
		cairo_surface_destroy(sh->pdf);
		free(sh);
		goto out;
	}
	*out = sh;
out:
	return rc;
}

qt_rc qt_label_sheet_add(qt_label_sheet *sh, const qt_code *code, const char *base, qt_err *err)
{
	double cell_w = (A4_W_MM - 2 * MARGIN_MM) / sh->cols;
	double cell_h = (A4_H_MM - 2 * MARGIN_MM) / sh->rows;
	double mm, x, y;
	cairo_t *cr = NULL;
	qt_rc rc;

	if ((rc = drawing_make(code, base, sh->sym, &sh->d, err)) != QT_OK)
		goto out;
	/* nominal module size, or smaller when a long text makes the label wider than a cell */
	mm = fmin(sh->d.mm, fmin(cell_w / sh->d.width, cell_h / sh->d.height));
	x = MARGIN_MM + (sh->at % sh->cols) * cell_w + (cell_w - sh->d.width * mm) / 2;
	y = MARGIN_MM + (sh->at / sh->cols) * cell_h + (cell_h - sh->d.height * mm) / 2;
	cr = cairo_create(sh->pdf);
	cairo_scale(cr, PT_PER_MM, PT_PER_MM);
	cairo_translate(cr, x, y);
	cairo_scale(cr, mm, mm);
	draw(cr, &sh->d);
	if (++sh->at == sh->cols * sh->rows) {
		cairo_show_page(cr);
		sh->at = 0;
		sh->pages++;
	}
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = qt_err_set(err, QT_ERR_IO, "cannot draw the sheet: %s",
		                cairo_status_to_string(cairo_status(cr)));
	cairo_destroy(cr);
	drawing_free(&sh->d);
out:
	return rc;
}

qt_rc qt_label_sheet_close(qt_label_sheet *sh, unsigned long *pages, qt_err *err)
{
	cairo_status_t st;
	qt_rc rc = QT_OK;

	if (sh->at) { /* the last page, part full */
		cairo_t *cr = cairo_create(sh->pdf);
		cairo_show_page(cr);
		cairo_destroy(cr);
		sh->pages++;
	}
	cairo_surface_finish(sh->pdf);
	st = cairo_surface_status(sh->pdf);
	if (st != CAIRO_STATUS_SUCCESS)
		rc = qt_err_set(err, QT_ERR_IO, "cannot write the sheets: %s",
		                cairo_status_to_string(st));
	if (pages)
		*pages = sh->pages;
	cairo_surface_destroy(sh->pdf);
	free(sh);
	return rc;
}

void qt_label_cleanup(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
