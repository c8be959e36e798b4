/* replay_main.c — runs the fuzz target over every file in a corpus directory without
 * libFuzzer, so crash inputs found once stay regression tests in every build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	unsigned long files = 0;
	int status = 1;
	DIR *dir;
	struct dirent *de;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		goto out;
	}
	dir = opendir(argv[1]);
	if (!dir) {
		perror(argv[1]);
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		char path[4096];
		static uint8_t buf[1 << 16];
		size_t n;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		files++;
	}
	closedir(dir);
	printf("replayed %lu corpus files: 0 failures\n", files);
	status = files > 0 ? 0 : 1;
out:
	return status;
}
