/* code_util.c — small pieces every scheme parser shares: resetting a qt_code, building the
 * canonical key with percent-encoding, scheme and kind names, AI look-up. */
#include "codes/code.h"

#include <string.h>

void qt_code_init(qt_code *code)
{
	code->scheme = QT_SCHEME_NONE;
	code->kind = QT_KIND_NONE;
	code->canonical_len = 0;
	code->canonical[0] = '\0';
	code->n_elems = 0;
	code->ecode_version = -1;
	code->nsi[0] = '\0';
	code->md[0] = '\0';
	code->dic_id[0] = '\0';
	code->ccc_number[0] = '\0';
}

const char *qt_code_scheme_name(qt_scheme scheme)
{
	switch (scheme) {
	case QT_SCHEME_GS1: return "gs1";
	case QT_SCHEME_ECODE: return "ecode";
	case QT_SCHEME_DIC: return "dic";
	case QT_SCHEME_CCC: return "ccc";
	case QT_SCHEME_NONE: break;
	}
	return "none";
}

const char *qt_code_kind_name(qt_code_kind kind)
{
	switch (kind) {
	case QT_KIND_PRODUCT: return "product";
	case QT_KIND_BATCH: return "batch";
	case QT_KIND_ITEM: return "item";
	case QT_KIND_LOGISTIC: return "logistic";
	case QT_KIND_OTHER: return "other";
	case QT_KIND_NONE: break;
	}
	return "none";
}

const char *qt_code_ai(const qt_code *code, const char *ai)
{
	for (unsigned i = 0; i < code->n_elems; i++)
		if (strcmp(code->elems[i].ai, ai) == 0)
			return code->elems[i].value;
	return NULL;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

qt_rc qt_code_canon_append(qt_code *code, const char *s, size_t n, bool encode, qt_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t at = code->canonical_len;
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (encode && !is_unreserved(c)) ? 3 : 1;
		if (at + need >= QT_CODE_CANON_MAX) {
			rc = qt_err_set(err, QT_ERR_TOOBIG, "canonical code longer than %d bytes",
					QT_CODE_CANON_MAX - 1);
			goto out;
		}
		if (need == 3) {
			code->canonical[at++] = '%';
			code->canonical[at++] = hex[c >> 4];
			code->canonical[at++] = hex[c & 15];
		} else {
			code->canonical[at++] = (char)c;
		}
	}
	code->canonical_len = at;
	code->canonical[at] = '\0';
out:
	return rc;
}
