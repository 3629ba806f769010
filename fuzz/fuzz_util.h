/*
 * Helpers shared by the libFuzzer targets (fuzz/fuzz_*.c) and their replay runner
 * (fuzz/replay.c): a private scratch folder for readers that take a path, and the
 * entry points every target defines.
 */
#ifndef PVB_FUZZ_UTIL_H
#define PVB_FUZZ_UTIL_H

#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[PATH_MAX];

static int fuzz_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Empty the scratch folder (keep the folder itself). */
__attribute__((unused)) static void fuzz_dir_clear(void)
{
    char sub[PATH_MAX + 8];
    const char *names[] = {"run.json", "samples.csv", "report.md", "report.html", "plots"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(sub, sizeof(sub), "%s/%s", fuzz_dir, names[i]);
        nftw(sub, fuzz_rm_one, 8, FTW_DEPTH | FTW_PHYS);
    }
}

static void fuzz_dir_remove(void)
{
    if (fuzz_dir[0]) {
        nftw(fuzz_dir, fuzz_rm_one, 8, FTW_DEPTH | FTW_PHYS);
    }
}

/* The scratch folder ($TMPDIR or /tmp), made once and removed at exit. */
__attribute__((unused)) static const char *fuzz_scratch(void)
{
    const char *tmp = getenv("TMPDIR");

    if (!fuzz_dir[0]) {
        snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/pvbench-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror(fuzz_dir);
            abort();
        }
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir;
}

/* Write data to <scratch>/name (replacing it); the full path goes to out. Aborts on error. */
__attribute__((unused)) static void fuzz_write(const char *name, const uint8_t *data, size_t size,
                                               char *out, size_t outlen)
{
    FILE *f;

    snprintf(out, outlen, "%s/%s", fuzz_scratch(), name);
    f = fopen(out, "we");
    if (!f || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(out);
        abort();
    }
}

#endif
