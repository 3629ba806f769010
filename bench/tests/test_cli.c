/* Unit tests of cli.c (option tables, parser, usage, troff) and of the manual made from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "manual.h"
#include "scenario.h"

enum { T_OUT = 'o', T_FORCE = 'F', T_SET = 's', T_LEVEL = 'l' };

static const struct cli_opt test_opts[] = {
    {"output", 'o', "DIR", "run folder", T_OUT, "=dir"},
    {"force", 0, NULL, "replace it", T_FORCE, NULL},
    {"set", 0, "KEY=VALUE",
     "override a key; a long help text that the usage printer has to "
     "wrap over more than one line of the terminal, twice or more, so "
     "that its continuation lines can be checked",
     T_SET, "=set"},
    {"setting", 0, "N", "a name that shares its start with --set", T_LEVEL, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const struct cli_spec test_spec = {
    .name = "thing",
    .summary = "do a thing",
    .synopsis = "[options] FILE...\n--other",
    .description = "First paragraph, written on\ntwo lines.\n\nSecond paragraph.",
    .opts = test_opts,
    .notes = "exit codes: 0 fine",
    .flags = CLI_F_VERBOSITY,
};

static const struct cli_opt dup_opts[] = {
    {"one", 'x', NULL, "a", 1, NULL},
    {"two", 'x', NULL, "b", 2, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const struct cli_spec dup_spec = {.name = "dup", .summary = "dup", .opts = dup_opts};

/* What fd (1 or 2) receives while a parse runs, into buf. */
struct capture {
    int fd, saved;
    FILE *tmp;
};

static void capture_start(struct capture *c, int fd)
{
    fflush(fd == 1 ? stdout : stderr);
    c->fd = fd;
    c->tmp = tmpfile();
    assert_non_null(c->tmp);
    c->saved = dup(fd);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->tmp), fd) >= 0);
}

static void capture_end(struct capture *c, char *buf, size_t len)
{
    size_t n;

    fflush(c->fd == 1 ? stdout : stderr);
    assert_true(dup2(c->saved, c->fd) >= 0);
    close(c->saved);
    rewind(c->tmp);
    n = fread(buf, 1, len - 1, c->tmp);
    buf[n] = '\0';
    fclose(c->tmp);
}

static unsigned count_lines(const char *s)
{
    unsigned n = 0;

    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

static void test_parse_options_and_operands(void **state)
{
    char *argv[] = {"thing",     "-o", "out",   "a.ini", "--force", "--set=devices=ide",
                    "--setting", "3",  "b.ini", NULL};
    struct cli c;
    int id, force = 0;
    const char *out = NULL, *set = NULL, *level = NULL;

    (void)state;
    assert_int_equal(cli_start(&c, &test_spec, 9, argv), 0);
    while ((id = cli_next(&c)) >= 0) {
        switch (id) {
        case T_OUT:
            out = c.arg;
            break;
        case T_FORCE:
            force = 1;
            break;
        case T_SET:
            set = c.arg;
            break;
        case T_LEVEL:
            level = c.arg;
            break;
        default:
            fail();
        }
    }
    assert_int_equal(id, CLI_END);
    assert_string_equal(out, "out");
    assert_int_equal(force, 1);
    assert_string_equal(set, "devices=ide");
    assert_string_equal(level, "3");
    /* Operands after the options, in their order (getopt_long permutes). */
    assert_int_equal(9 - c.ind, 2);
    assert_string_equal(argv[c.ind], "a.ini");
    assert_string_equal(argv[c.ind + 1], "b.ini");
}

static void test_parse_twice_starts_over(void **state)
{
    char *first[] = {"thing", "--force", "x", NULL};
    char *second[] = {"thing", "-o", "d", NULL};
    struct cli c;

    (void)state;
    assert_int_equal(cli_start(&c, &test_spec, 3, first), 0);
    assert_int_equal(cli_next(&c), T_FORCE);
    assert_int_equal(cli_next(&c), CLI_END);
    assert_int_equal(cli_start(&c, &test_spec, 3, second), 0);
    assert_int_equal(cli_next(&c), T_OUT);
    assert_string_equal(c.arg, "d");
    assert_int_equal(cli_next(&c), CLI_END);
    assert_int_equal(c.ind, 3);
}

/* Each kind of mistake: one line naming it, then the Try line; nothing on stdout. */
static void expect_error(char **argv, int argc, const char *what)
{
    struct capture cap, capout;
    char err[1024], out[1024];
    struct cli c;
    int id;

    assert_int_equal(cli_start(&c, &test_spec, argc, argv), 0);
    capture_start(&capout, 1);
    capture_start(&cap, 2);
    while ((id = cli_next(&c)) >= 0) {
    }
    capture_end(&cap, err, sizeof(err));
    capture_end(&capout, out, sizeof(out));
    assert_int_equal(id, CLI_ERROR);
    assert_int_equal(cli_exit_code(id), PVB_EXIT_USAGE);
    assert_int_equal(count_lines(err), 2);
    assert_non_null(strstr(err, what));
    assert_non_null(strstr(err, "\nTry 'pvbench thing --help'.\n"));
    assert_string_equal(out, "");
}

static void test_errors_one_line_and_try(void **state)
{
    char *unknown[] = {"thing", "--bogus", NULL};
    char *unknown_short[] = {"thing", "-x", NULL};
    char *missing[] = {"thing", "a", "-o", NULL};
    char *ambiguous[] = {"thing", "--se", "1", NULL};
    char *noarg[] = {"thing", "--force=yes", NULL};

    (void)state;
    expect_error(unknown, 2, "pvbench thing: unknown option '--bogus'");
    expect_error(unknown_short, 2, "unknown option '-x'");
    expect_error(missing, 3, "option '--output' needs an argument (DIR)");
    expect_error(ambiguous, 3, "ambiguous option '--se'");
    expect_error(noarg, 2, "option '--force' takes no argument");
}

static void test_help_prints_usage_and_stops(void **state)
{
    char *argv[] = {"thing", "-o", "x", "--help", "--bogus", NULL};
    struct capture cap;
    char out[8192];
    struct cli c;
    int id;

    (void)state;
    assert_int_equal(cli_start(&c, &test_spec, 5, argv), 0);
    assert_int_equal(cli_next(&c), T_OUT);
    capture_start(&cap, 1);
    id = cli_next(&c);
    capture_end(&cap, out, sizeof(out));
    assert_int_equal(id, CLI_HELP);
    assert_int_equal(cli_exit_code(id), PVB_EXIT_OK);
    assert_true(strncmp(out,
                        "usage: pvbench thing [options] FILE...\n"
                        "       pvbench thing --other\n",
                        66) == 0);
    assert_non_null(strstr(out, "  -o, --output DIR      run folder\n"));
    assert_non_null(strstr(out, "      --force           replace it\n"));
    assert_non_null(strstr(out, "  -q, --quiet "));
    assert_non_null(strstr(out, "  -h, --help            this text\n"));
    /* The description's paragraphs refilled, the blank line between them kept. */
    assert_non_null(strstr(out, "First paragraph, written on two lines.\n\nSecond paragraph.\n"));
    assert_non_null(strstr(out, "\nexit codes: 0 fine\n"));
}

static void test_usage_wraps_at_80_columns(void **state)
{
    char *buf = NULL, *line, *save = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    unsigned continuation = 0;

    (void)state;
    assert_non_null(f);
    cli_usage(f, &test_spec);
    fclose(f);
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        assert_true(strlen(line) <= 80);
        /* continuation lines of a help text start in the help column */
        if (strncmp(line, "                        ", 24) == 0 && line[24] != ' ') {
            continuation++;
        }
    }
    assert_true(continuation >= 2);
    free(buf);
}

static const struct cli_spec plain_spec = {.name = "plain", .summary = "no -q here"};

static void test_verbosity_options(void **state)
{
    char *quiet[] = {"thing", "-q", NULL};
    char *verbose[] = {"thing", "--verbose", NULL};
    char *plain[] = {"plain", "-q", NULL};
    struct capture cap;
    char err[512];
    struct cli c;
    int id;

    (void)state;
    assert_int_equal(cli_start(&c, &test_spec, 2, quiet), 0);
    assert_int_equal(cli_next(&c), CLI_END);
    assert_int_equal(log_verbosity(), -1);
    assert_int_equal(cli_start(&c, &test_spec, 2, verbose), 0);
    assert_int_equal(cli_next(&c), CLI_END);
    assert_int_equal(log_verbosity(), 1);
    log_set_verbose(0);
    /* A spec without CLI_F_VERBOSITY has no -q: it is an unknown option there. */
    assert_int_equal(cli_start(&c, &plain_spec, 2, plain), 0);
    capture_start(&cap, 2);
    id = cli_next(&c);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(id, CLI_ERROR);
    assert_non_null(strstr(err, "pvbench plain: unknown option '-q'"));
    assert_int_equal(log_verbosity(), 0);
}

static void test_table_checked(void **state)
{
    char *argv[] = {"dup", NULL};
    struct capture cap;
    char err[512];
    struct cli c;

    (void)state;
    capture_start(&cap, 2);
    assert_int_equal(cli_start(&c, &dup_spec, 1, argv), -1);
    capture_end(&cap, err, sizeof(err));
    assert_non_null(strstr(err, "--two given twice"));
}

static void test_option_listing(void **state)
{
    char label[96];

    (void)state;
    /* own options, then quiet, verbose and help */
    assert_int_equal(cli_opt_count(&test_spec), 7);
    assert_string_equal(cli_opt_at(&test_spec, 4)->name, "quiet");
    assert_string_equal(cli_opt_at(&test_spec, 6)->name, "help");
    assert_null(cli_opt_at(&test_spec, 7));
    assert_int_equal(cli_opt_count(&dup_spec), 3);
    cli_opt_label(&test_opts[0], label, sizeof(label));
    assert_string_equal(label, "-o, --output DIR");
    cli_opt_label(&test_opts[1], label, sizeof(label));
    assert_string_equal(label, "    --force");
}

static void test_man_text_escapes(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    cli_man_text(f, "use --set a\\b\n.dot first\n'quote first\n\n  item");
    fclose(f);
    assert_string_equal(buf, "use \\-\\-set a\\eb\n\\&.dot first\n\\&'quote first\n.PP\n.br\n"
                             "item\n");
    free(buf);
}

static void test_man_spec_lists_every_option(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    cli_man_spec(f, &test_spec);
    fclose(f);
    assert_true(strncmp(buf, ".SS \"thing\"\n", 12) == 0);
    assert_non_null(
        strstr(buf, ".TP\n\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fIDIR\\fR\nrun folder\n"));
    assert_non_null(strstr(buf, ".TP\n\\fB\\-\\-force\\fR\nreplace it\n"));
    assert_non_null(strstr(buf, "\\fB\\-\\-setting\\fR \\fIN\\fR"));
    assert_non_null(strstr(buf, "\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n"));
    assert_non_null(strstr(buf, "\\fBpvbench thing\\fR \\-\\-other\n"));
    free(buf);
}

/* pvbench-scenario(5) names every key of the scenario table; the completion offers each. */
static void test_manual_has_every_scenario_key(void **state)
{
    const struct cli_spec *specs[] = {&test_spec};
    struct scenario_key_doc d;
    char *man = NULL, *comp = NULL, want[128];
    size_t len = 0, clen = 0;
    FILE *f = open_memstream(&man, &len);
    FILE *g = open_memstream(&comp, &clen);
    unsigned n = 0;

    (void)state;
    assert_non_null(f);
    assert_non_null(g);
    assert_int_equal(manual_man5(f), 0);
    assert_int_equal(manual_completion(g, specs, 1), 0);
    fclose(f);
    fclose(g);
    for (unsigned i = 0; scenario_key_doc(i, &d) == 0; i++, n++) {
        snprintf(want, sizeof(want), ".TP\n\\fB%s\\fR = \\fI", d.key);
        assert_non_null(strstr(man, want));
        assert_non_null(d.def[0] ? d.def : NULL);
        if (strcmp(d.section, "scenario") == 0) { /* --set completes [scenario]'s keys */
            snprintf(want, sizeof(want), " %s=", d.key);
            assert_true(strstr(comp, want) || strstr(comp, want + 1));
        }
    }
    assert_true(n >= 20);
    assert_non_null(strstr(man, "\\fBrepetitions\\fR = \\fIcount\\fR\n"));
    assert_non_null(strstr(comp, "        thing)\n"));
    assert_non_null(strstr(comp, "-o|--output) _pvbench_arg '=dir' \"$w\" ;;"));
    assert_non_null(strstr(comp, "complete -F _pvbench pvbench\n"));
    free(man);
    free(comp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_options_and_operands),
        cmocka_unit_test(test_parse_twice_starts_over),
        cmocka_unit_test(test_errors_one_line_and_try),
        cmocka_unit_test(test_help_prints_usage_and_stops),
        cmocka_unit_test(test_usage_wraps_at_80_columns),
        cmocka_unit_test(test_verbosity_options),
        cmocka_unit_test(test_table_checked),
        cmocka_unit_test(test_option_listing),
        cmocka_unit_test(test_man_text_escapes),
        cmocka_unit_test(test_man_spec_lists_every_option),
        cmocka_unit_test(test_manual_has_every_scenario_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
