/*
 * libFuzzer target: `pvbench report` on a run folder made of the input: run.json, then a
 * line "%%samples%%", then samples.csv (both readers, the summaries, the tables and the
 * HTML/Markdown writers that put their strings into pages). gnuplot is kept out of PATH:
 * the charts' data and scripts are written, not drawn.
 */
#include "fuzz_util.h"

#include "log.h"
#include "report.h"

#define FUZZ_REPORT_SEP "\n%%samples%%\n"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("PATH", "/nonexistent", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sep[] = FUZZ_REPORT_SEP;
    char path[PATH_MAX + 32];
    const uint8_t *cut;
    size_t json_len = size;

    cut = memmem(data, size, sep, sizeof(sep) - 1);
    if (cut) {
        json_len = (size_t)(cut - data);
    }
    fuzz_scratch();
    fuzz_dir_clear();
    fuzz_write("run.json", data, json_len, path, sizeof(path));
    if (cut) {
        fuzz_write("samples.csv", cut + sizeof(sep) - 1, size - json_len - (sizeof(sep) - 1), path,
                   sizeof(path));
    }
    (void)report_build(fuzz_scratch(), size % 2 ? "svg" : "png", 1);
    return 0;
}
