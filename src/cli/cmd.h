/* cmd.h — the CLI's subcommands. Each takes argv after its own name and returns the process
 * exit status: 0 success, 1 a check failed (invalid input found), 2 usage error. */
#ifndef QT_CMD_H
#define QT_CMD_H

#define QT_EXIT_OK    0
#define QT_EXIT_FAIL  1
#define QT_EXIT_USAGE 2

int qt_cmd_code(int argc, char **argv);    /* qtrace code parse|gen … */
int qt_cmd_uscc(int argc, char **argv);    /* qtrace uscc check … */
int qt_cmd_init(int argc, char **argv);    /* qtrace init --db FILE … */
int qt_cmd_verify(int argc, char **argv);  /* qtrace verify --db FILE … */
int qt_cmd_serve(int argc, char **argv);   /* qtrace serve --db FILE … */
int qt_cmd_account(int argc, char **argv); /* qtrace account add … */
int qt_cmd_draw(int argc, char **argv);    /* qtrace draw verify … */
int qt_cmd_label(int argc, char **argv);   /* qtrace label --db FILE --batch ID … */

/* Each subcommand's usage text: printed to stderr on a usage error, and to stdout (exit 0)
 * for `qtrace CMD --help` or `-h` (main.c). */
extern const char qt_usage_code[], qt_usage_uscc[], qt_usage_init[], qt_usage_verify[],
        qt_usage_serve[], qt_usage_account[], qt_usage_draw[], qt_usage_label[];

#endif
