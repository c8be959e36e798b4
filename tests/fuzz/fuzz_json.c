/* fuzz_json.c — libFuzzer target for the fast JSON reader and the writer. On any bytes the
 * reader must agree with jansson's json_loadb (flags 0), refusing what jansson refuses and
 * reading the rest to equal values, so a stored document reads the same whichever of the two
 * reads it. One exception: jansson skips a raw NUL byte after a number ("[1\0,2]" reads as
 * [1,2]); JSON has no such byte outside strings, and the fast reader refuses any. What was
 * read, the writer must write exactly as json_dumps does, in both of its orders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_parse.h"
#include "util/json_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_text(const json_t *v, bool sorted)
{
	char *want = json_dumps(v, JSON_COMPACT | (sorted ? JSON_SORT_KEYS : 0));
	qt_buf b;

	qt_buf_init(&b, 1 << 24);
	if (!want || qt_json_write(v, sorted, &b) != QT_OK || b.len != strlen(want) ||
	    memcmp(b.p, want, b.len) != 0)
		abort();
	qt_buf_free(&b);
	free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *mine = qt_json_parse((const char *)data, size, NULL);
	json_t *theirs = json_loadb((const char *)data, size, 0, NULL);

	if (memchr(data, 0, size)
	            ? mine != NULL
	            : (mine == NULL) != (theirs == NULL) || (mine && !json_equal(mine, theirs)))
		abort();
	if (mine) {
		same_text(mine, false);
		same_text(mine, true);
	}
	json_decref(mine);
	json_decref(theirs);
	return 0;
}
