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

#endif
