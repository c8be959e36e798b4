/* bench_parse.c — scan text → canonical code throughput on one core, for each input form a
 * scanner sends. Prints codes per second beside the DESIGN.md target (5,000,000/s for GS1
 * element strings). Inputs are distinct and generated up front, so parsing is all we time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"
#include "common.h"

#define N_INPUTS 65536
#define TARGET   5000000.0

typedef struct input {
	char text[128];
	size_t len;
} input;

static unsigned long long rng = 88172645463325252ULL;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 20);
}

static void make_inputs(input *in, int form)
{
	for (int i = 0; i < N_INPUTS; i++) {
		char gtin[15], serial[QT_DIC_ID_LEN + 1];
		for (int d = 0; d < 13; d++)
			gtin[d] = (char)('0' + next_rand() % 10);
		gtin[13] = qt_gs1_check_digit(gtin, 13);
		gtin[14] = '\0';
		if (qt_dic_generate(serial) != QT_OK)
			exit(1);
		switch (form) {
		case 0: /* bracketed, GTIN + lot + expiry + serial */
			in[i].len = (size_t)snprintf(in[i].text, sizeof in[i].text,
			                             "(01)%s(10)L%04u(17)%02u%02u%02u(21)%s", gtin,
			                             next_rand() % 10000, 20 + next_rand() % 20,
			                             1 + next_rand() % 12, 1 + next_rand() % 28,
			                             serial);
			break;
		case 1: /* raw with symbology identifier, as a 2D scanner sends it */
			in[i].len =
			        (size_t)snprintf(in[i].text, sizeof in[i].text,
			                         "]d201%s17%02u%02u%02u10L%04u\x1d"
			                         "21%s",
			                         gtin, 20 + next_rand() % 20, 1 + next_rand() % 12,
			                         1 + next_rand() % 28, next_rand() % 10000, serial);
			break;
		case 2: /* Digital Link URI */
			in[i].len = (size_t)snprintf(in[i].text, sizeof in[i].text,
			                             "https://id.example.com/01/%s/10/L%04u/21/%s",
			                             gtin, next_rand() % 10000, serial);
			break;
		default: /* digital identity URL */
			in[i].len = (size_t)snprintf(in[i].text, sizeof in[i].text,
			                             "https://qtrace.example/t/%s", serial);
			break;
		}
	}
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"GS1 element string, bracketed",
	                                    "GS1 element string, raw ]d2 + GS",
	                                    "GS1 Digital Link URI", "digital identity URL"};
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	input *in = malloc(sizeof(input) * N_INPUTS);
	qt_code_opts opts = {.ref_year = 2026};
	int status = 0;

	if (!in)
		return 1;
	printf("%-36s %14s %14s %8s\n", "scan text -> canonical (1 core)", "codes/s", "target",
	       "ratio");
	for (int form = 0; form < 4; form++) {
		unsigned long done = 0, bad = 0;
		if (getenv("BENCH_FORM") && atoi(getenv("BENCH_FORM")) != form)
			continue;
		double t0, t1;
		qt_code code;
		make_inputs(in, form);
		t0 = bench_now();
		do {
			for (int i = 0; i < N_INPUTS; i++) {
				qt_err err;
				if (qt_code_parse(in[i].text, in[i].len, &opts, &code, &err) !=
				    QT_OK)
					bad++;
			}
			done += N_INPUTS;
			t1 = bench_now();
		} while (t1 - t0 < seconds);
		if (bad) {
			fprintf(stderr, "bench_parse: %lu inputs failed to parse\n", bad);
			status = 1;
		}
		printf("%-36s %14.0f %14.0f %7.2fx\n", names[form], done / (t1 - t0), TARGET,
		       done / (t1 - t0) / TARGET);
	}
	free(in);
	return status;
}
