/* test_complaints.c — the routing rule of a complaint: the producer's division code names a
 * city (4 digits) or a whole province (2), a code without a producer or a division goes to
 * the national regulator (""). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/complaints.h"

static void check(const char *producer, const char *want)
{
	char to[7] = "x";
	qt_complaint_route(producer, to);
	assert_string_equal(to, want);
}

static void test_routing(void **state)
{
	(void)state;
	check("91440300MA5T2001XX", "4403"); /* Shenzhen */
	check("91440106MA5T2001XX", "4401"); /* a district of Guangzhou: its city */
	check("91440000MA5T2001XX", "44");   /* registered at the province */
	check("91110105MA5T2001XX", "1101"); /* Beijing, Chaoyang */
	check("91110000MA5T2001XX", "11");
	check(NULL, ""); /* a code nobody issued */
	check("", "");
	check("9144", "");               /* too short to carry a division */
	check("91A40300MA5T2001XX", ""); /* not digits */
	check("91000000MA5T2001XX", ""); /* no province "00" */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
