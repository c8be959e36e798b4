/* gs1_ai.h — the shape of the generated GS1 Application Identifier table (gs1_ai_table.c),
 * shared by the GS1 parser and formatter. Internal to src/codes/. */
#ifndef QT_GS1_AI_H
#define QT_GS1_AI_H

#include <stddef.h>
#include <stdint.h>

enum {
	QT_LINT_CSUM = 1,         /* mod-10 check digit over the component */
	QT_LINT_YYMMD0 = 2,       /* YYMMDD calendar date, DD 00 allowed */
	QT_LINT_PIECEOFTOTAL = 4, /* NNNN piece/total: 1 <= piece <= total */
};

typedef struct qt_gs1_comp {
	char type; /* 'N' digits, 'X' GS1 CSET 82 */
	uint8_t min, max;
	uint8_t optional;
	uint8_t lints;
} qt_gs1_comp;

typedef struct qt_gs1_ai {
	const char *ai;
	uint8_t ai_len;
	const char *title;
	uint8_t fixed;   /* predefined length: no FNC1 separator needed after it */
	uint8_t dl_attr; /* allowed as a Digital Link query-string attribute */
	uint8_t min_len, max_len;
	uint8_t n_comps;
	qt_gs1_comp comps[2];
	/* Required pairings: every group must be met by one of its alternatives; an
	 * alternative is a mask over table indexes (bit i = qt_gs1_ai_table[i]) that must all be
	 * present. The text is the dictionary's, for error messages. */
	uint8_t n_req;
	struct {
		const char *text;
		uint8_t n_alt;
		uint32_t alt[8];
	} req[2];
	const char *ex;     /* dictionary text of the AIs it may not appear with */
	uint32_t ex_mask;   /* the same as a mask over table indexes */
	const char *dlpkey; /* NULL: not a primary key; "": key without qualifiers; else
	                       ordered qualifier sequences "22,10,21|235" */
} qt_gs1_ai;

extern const qt_gs1_ai qt_gs1_ai_table[];
extern const unsigned qt_gs1_ai_count;
extern const uint8_t qt_gs1_ai_prefix[100][2];

#endif
