/*
 * Replay runner for the fuzz targets: built (with gcc, ASan and UBSan) around one
 * fuzz/fuzz_<target>.c, it feeds every file of the folders in FUZZ_REPLAY_DIRS
 * (':'-separated, or the folders given as arguments) to LLVMFuzzerTestOneInput.
 * Used by `make check`: fuzz/regressions/<target>/ keeps each input that once crashed.
 * A missing folder is no error (a target may have no regression yet).
 */
#include "fuzz_util.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Run one file through the target. 0, or -1 if it cannot be read. */
static int replay_file(const char *path)
{
    struct stat st;
    uint8_t *buf;
    FILE *f;
    size_t n;

    f = fopen(path, "re");
    if (!f || fstat(fileno(f), &st) < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        if (f) {
            fclose(f);
        }
        return -1;
    }
    /* Exactly the file's size (no slack): an over-read past the input is caught. */
    buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (!buf) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

/* Every regular file of dir, in name order. Count in *n; -1 if a file cannot be read. */
static int replay_dir(const char *dir, unsigned *n)
{
    struct dirent **names;
    char path[PATH_MAX + 256];
    struct stat st;
    unsigned files = 0;
    int count;
    int i;
    int rc = 0;

    count = scandir(dir, &names, NULL, alphasort);
    if (count < 0) {
        printf("%s: %s (nothing to replay)\n", dir, strerror(errno));
        return 0;
    }
    for (i = 0; i < count; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(path) < 0) {
                rc = -1;
            }
            files++;
        }
        free(names[i]);
    }
    free(names);
    printf("%s: %u files replayed\n", dir, files);
    *n += files;
    return rc;
}

int main(int argc, char **argv)
{
    char dirs[] = FUZZ_REPLAY_DIRS;
    char *save = NULL;
    char *d;
    unsigned n = 0;
    int rc = 0;
    int i;

    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    if (argc > 1) {
        for (i = 1; i < argc; i++) {
            rc |= replay_dir(argv[i], &n);
        }
    } else {
        for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            rc |= replay_dir(d, &n);
        }
    }
    printf("%u inputs replayed without a sanitizer report\n", n);
    return rc ? 1 : 0;
}
