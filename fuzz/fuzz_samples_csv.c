/*
 * libFuzzer target: samples.csv (samples_read_csv). The summaries over what it reads are
 * fuzzed by fuzz_report (their bootstrap is too slow to run on every input here).
 */
#include "fuzz_util.h"

#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sample_set set = {0};
    char path[PATH_MAX + 32];
    char err[512];
    unsigned bad = 0;

    fuzz_write("samples.csv", data, size, path, sizeof(path));
    if (samples_read_csv(path, &set, &bad, err, sizeof(err)) == 0 && set.n > 0 &&
        !samples_has_cell(&set, set.v[0].config, set.v[0].workload, set.v[0].rep)) {
        abort(); /* a sample read must be found again */
    }
    samples_free(&set);
    return 0;
}
