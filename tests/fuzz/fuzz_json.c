/* fuzz_json.c — libFuzzer target for the fast JSON reader: on any bytes it must agree with
 * jansson's json_loadb (flags 0), refusing what jansson refuses and reading the rest to equal
 * values, so a stored document reads the same whichever of the two reads it. One exception:
 * jansson skips a raw NUL byte after a number ("[1\0,2]" reads as [1,2]); JSON has no such
 * byte outside strings, and the fast reader refuses any. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *mine = qt_json_parse((const char *)data, size, NULL);
	json_t *theirs = json_loadb((const char *)data, size, 0, NULL);

	if (memchr(data, 0, size)
	            ? mine != NULL
	            : (mine == NULL) != (theirs == NULL) || (mine && !json_equal(mine, theirs)))
		abort();
	json_decref(mine);
	json_decref(theirs);
	return 0;
}
