/* label.h — printable labels for a trace code: a QR code of its resolver URL, or a GS1
 * DataMatrix or GS1-128 symbol of its GS1 element string, with the human-readable text under
 * the symbol, as SVG or PNG; and A4 sheets of labels as one PDF for office printers. The
 * symbols are encoded by zint; SVG is written here, PNG and PDF drawn with cairo. */
#ifndef QT_LABEL_H
#define QT_LABEL_H

#include <stddef.h>

#include "codes/code.h"
#include "util/buf.h"

#define QT_LABEL_MAX      (4u << 20) /* bytes of one rendered label, SVG or PNG */
#define QT_LABEL_NAME_MAX 224        /* a label's file name, with its extension and NUL */

typedef enum qt_label_symbology {
	QT_LABEL_QR = 0,     /* the resolver URL, any scheme */
	QT_LABEL_DATAMATRIX, /* GS1 DataMatrix: the element string, GS1 codes only */
	QT_LABEL_GS1_128,    /* the element string, GS1 codes only */
} qt_label_symbology;

typedef enum qt_label_format {
	QT_LABEL_SVG = 0,
	QT_LABEL_PNG,
} qt_label_format;

/* "qr", "datamatrix", "gs1-128"; "svg", "png". QT_ERR_INVALID naming the choices. */
qt_rc qt_label_symbology_parse(const char *name, qt_label_symbology *out, qt_err *err)
        __attribute__((warn_unused_result));
qt_rc qt_label_format_parse(const char *name, qt_label_format *out, qt_err *err)
        __attribute__((warn_unused_result));
const char *qt_label_symbology_name(qt_label_symbology sym);
const char *qt_label_format_ext(qt_label_format fmt);  /* "svg", "png" */
const char *qt_label_format_type(qt_label_format fmt); /* "image/svg+xml", "image/png" */

/* Whether sym can carry code: QR any code, the GS1 symbologies a code with GS1 element data
 * only (QT_ERR_INVALID saying so). */
qt_rc qt_label_check(const qt_code *code, qt_label_symbology sym, qt_err *err)
        __attribute__((warn_unused_result));

/* The code a label shows for the issued key: a GS1 item (GTIN + serial) carries its batch's
 * lot as AI 10 too, as GS1 item labels do (in the element string, its text and the QR's
 * Digital Link /01/…/10/…/21/…), when lot is a valid AI 10 value; any other code, or a lot
 * that is not (too long, outside GS1 character set 82), is the key alone. The canonical key
 * is the same either way: the lot is a qualifier the resolver accepts, not part of the key. */
qt_rc qt_label_code(const char *key, const char *lot, qt_code *out, qt_err *err)
        __attribute__((warn_unused_result));

/* The label of code in sym as fmt, appended to out. base is the resolver's
 * "https://host[:port]" (QR only; may be NULL for the others). QT_ERR_INVALID when sym cannot
 * carry the code, or zint refuses its data. */
qt_rc qt_label_render(const qt_code *code, const char *base, qt_label_symbology sym,
                      qt_label_format fmt, qt_buf *out, qt_err *err)
        __attribute__((warn_unused_result));

/* A file name for the label: the canonical key with '/' as '_' (and '_' and '~' escaped, so
 * two codes never share a name), then "-<symbology>.<ext>"; a key too long for a file name
 * keeps its start and gets a hash of the whole. Only [A-Za-z0-9._%=-] characters. */
void qt_label_filename(const qt_code *code, qt_label_symbology sym, const char *ext,
                       char out[QT_LABEL_NAME_MAX]);

/* A4 sheets: labels in a grid (10 mm margins), drawn at their nominal size or shrunk to fit
 * their cell, one PDF page after another, written to the file as pages fill. */
typedef struct qt_label_sheet qt_label_sheet;
qt_rc qt_label_sheet_open(const char *path, qt_label_symbology sym, qt_label_sheet **out,
                          qt_err *err) __attribute__((warn_unused_result));
qt_rc qt_label_sheet_add(qt_label_sheet *sh, const qt_code *code, const char *base, qt_err *err)
        __attribute__((warn_unused_result));
/* Finishes the file (pages may be NULL) and frees sh; a failure to write is reported here. */
qt_rc qt_label_sheet_close(qt_label_sheet *sh, unsigned long *pages, qt_err *err)
        __attribute__((warn_unused_result));

/* Frees what cairo and fontconfig keep for the process (font caches), so a leak checker at
 * exit sees only our own memory. Call once, when no label is being drawn any more. */
void qt_label_cleanup(void);

#endif
