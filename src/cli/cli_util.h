/* cli_util.h — helpers the CLI subcommands share: reading inputs line by line with a hard
 * cap, and turning arbitrary bytes into JSON text safely. */
#ifndef QT_CLI_UTIL_H
#define QT_CLI_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "util/rc.h"

/* Calls fn for each line of f without its line ending (LF or CRLF); blank lines are
 * skipped. A line longer than max is passed truncated to max+1 bytes so the parser
 * reports it as too long, and the rest of it is skipped. */
qt_rc qt_cli_each_line(FILE *f, size_t max, void (*fn)(const char *line, size_t len, void *arg),
                       void *arg);

/* JSON string for bytes that may not be UTF-8: invalid sequences become U+FFFD, so the
 * output is always valid JSON and an "input" echo never disappears. */
json_t *qt_cli_json_text(const char *s, size_t n);

/* "--name VALUE" pairs: each value goes to the slot of its name. Returns 0, having said why
 * on stderr as "qtrace CMD: ...", on an unknown option or a missing value. */
int qt_cli_take_opts(const char *cmd, int argc, char **argv, const char *const *names,
                     const char **slots, size_t n);

#endif
