/* cmd_util.c — shared CLI plumbing (see cli_util.h): bounded line reading and safe JSON
 * text. Named cmd_* so the build puts it in the library with the subcommands. */
#include "cli/cli_util.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

qt_rc qt_cli_each_line(FILE *f, size_t max, void (*fn)(const char *line, size_t len, void *arg),
                       void *arg)
{
	char *buf = malloc(max + 2);
	size_t len = 0;
	int c, skipping = 0;
	qt_rc rc = QT_OK;

	if (!buf) {
		rc = QT_ERR_NOMEM;
		goto out;
	}
	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			if (len > 0 && buf[len - 1] == '\r')
				len--;
			if (len > 0)
				fn(buf, len, arg);
			len = 0;
			skipping = 0;
		} else if (!skipping) {
			buf[len++] = (char)c;
			if (len == max + 2) {
				/* Keep max+1 bytes: enough for the parser to say "too long". */
				len = max + 1;
				skipping = 1;
			}
		}
	}
	if (ferror(f))
		rc = QT_ERR_IO;
	else if (len > 0) {
		if (buf[len - 1] == '\r')
			len--;
		if (len > 0)
			fn(buf, len, arg);
	}
out:
	free(buf);
	return rc;
}

json_t *qt_cli_json_text(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *clean;
	size_t o = 0;
	json_t *j;

	j = json_stringn(s, n); /* NULL when s is not valid UTF-8 */
	if (j)
		return j;
	clean = malloc(n * 3 + 1);
	if (!clean)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = qt_utf8_decode(u + i, n - i, NULL);
		if (len == 0) {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(clean + o, s + i, len);
			o += len;
			i += len;
		}
	}
	j = json_stringn(clean, o);
	free(clean);
	return j;
}

int qt_cli_take_opts(const char *cmd, int argc, char **argv, const char *const *names,
                     const char **slots, size_t n)
{
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		while (k < n && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == n || i + 1 >= argc) {
			fprintf(stderr, "qtrace %s: %s '%s'\n", cmd,
			        k == n ? "unknown option" : "missing value after", argv[i]);
			return 0;
		}
		slots[k] = argv[++i];
	}
	return 1;
}
