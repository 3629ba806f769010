/*
 * libFuzzer target: run.json as every reader reads it (runfolder_read), here through compare
 * (compare_read_meta, compare_check_meta).
 */
#include "fuzz_util.h"

#include "compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct compare_meta m, other;
    char path[PATH_MAX + 32];
    char why[1024];

    fuzz_write("run.json", data, size, path, sizeof(path));
    if (compare_read_meta(fuzz_scratch(), &m, why, sizeof(why)) == 0) {
        memset(&other, 0, sizeof(other));
        (void)compare_check_meta(&m, &other, 0, why, sizeof(why));
        (void)compare_check_meta(&m, &m, 1, why, sizeof(why));
    }
    return 0;
}
