/* libFuzzer target: the scenario parser (scenario_load_string), then --set and the printer. */
#include "fuzz_util.h"

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scenario s;
    char err[SCENARIO_ERR_MAX];
    char *text;
    char *nl;
    FILE *null;

    text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (scenario_load_string("fuzz.ini", text, &s, err, sizeof(err)) == 0) {
        null = fopen("/dev/null", "we");
        if (null) {
            scenario_print_resolved(&s, null);
            fclose(null);
        }
        /* The first line as a --set assignment on the scenario just read. */
        nl = strchr(text, '\n');
        if (nl) {
            *nl = '\0';
        }
        (void)!scenario_set(&s, text, err, sizeof(err));
    }
    free(text);
    return 0;
}
