#include "cli.h"

#include <string.h>

#include "exitcode.h"
#include "log.h"

/* What getopt_long returns for the i-th option given in its long form. */
#define CLI_LONG_BASE 0x100

/* Help text column and width of the usage printer (a terminal of 80 columns). */
#define CLI_HELP_COL 24
#define CLI_WIDTH 80

enum { CLI_ID_QUIET = 0x10000, CLI_ID_VERBOSE, CLI_ID_HELP };

static const struct cli_opt cli_verbosity[] = {
    {.name = "quiet", .short_name = 'q', .help = "only errors and warnings", .id = CLI_ID_QUIET},
    {.name = "verbose", .short_name = 'v', .help = "more detail", .id = CLI_ID_VERBOSE},
};
static const struct cli_opt cli_help = {
    .name = "help", .short_name = 'h', .help = "this text", .id = CLI_ID_HELP};

static unsigned cli_own_count(const struct cli_spec *spec)
{
    unsigned n = 0;

    while (spec->opts && spec->opts[n].name) {
        n++;
    }
    return n;
}

unsigned cli_opt_count(const struct cli_spec *spec)
{
    return cli_own_count(spec) + ((spec->flags & CLI_F_VERBOSITY) ? 2 : 0) + 1;
}

const struct cli_opt *cli_opt_at(const struct cli_spec *spec, unsigned i)
{
    unsigned own = cli_own_count(spec);

    if (i < own) {
        return &spec->opts[i];
    }
    i -= own;
    if (spec->flags & CLI_F_VERBOSITY) {
        if (i < 2) {
            return &cli_verbosity[i];
        }
        i -= 2;
    }
    return i == 0 ? &cli_help : NULL;
}

int cli_start(struct cli *c, const struct cli_spec *spec, int argc, char **argv)
{
    unsigned n = cli_opt_count(spec);
    char *p;

    memset(c, 0, sizeof(*c));
    c->spec = spec;
    c->argc = argc;
    c->argv = argv;
    if (n > CLI_MAX_OPTS) {
        log_err("%s: %u options, at most %d", spec->name, n, CLI_MAX_OPTS);
        return -1;
    }
    /* ':' first: a missing argument is told apart from an unknown option. */
    p = c->optstring;
    *p++ = ':';
    for (unsigned i = 0; i < n; i++) {
        const struct cli_opt *o = cli_opt_at(spec, i);

        for (unsigned j = 0; j < i; j++) {
            const struct cli_opt *q = cli_opt_at(spec, j);
            if (strcmp(q->name, o->name) == 0 ||
                (o->short_name && o->short_name == q->short_name)) {
                log_err("%s: option --%s given twice in its table", spec->name, o->name);
                return -1;
            }
        }
        if (o->short_name) {
            *p++ = (char)o->short_name;
            if (o->arg) {
                *p++ = ':';
            }
        }
        c->longopts[i].name = o->name;
        c->longopts[i].has_arg = o->arg ? required_argument : no_argument;
        c->longopts[i].val = CLI_LONG_BASE + (int)i;
    }
    *p = '\0';
    c->n = n;
    /* glibc: 0 starts over completely (this may not be the first parse in the process). */
    optind = 0;
    opterr = 0;
    return 0;
}

/* The option getopt_long's value stands for, or NULL. */
static const struct cli_opt *cli_lookup(const struct cli *c, int val)
{
    if (val >= CLI_LONG_BASE && val < CLI_LONG_BASE + (int)c->n) {
        return cli_opt_at(c->spec, (unsigned)(val - CLI_LONG_BASE));
    }
    for (unsigned i = 0; val > 0 && i < c->n; i++) {
        const struct cli_opt *o = cli_opt_at(c->spec, i);
        if (o->short_name == val) {
            return o;
        }
    }
    return NULL;
}

/* The unknown or ambiguous option's one line. */
static void cli_unknown(const struct cli *c, const char *given)
{
    char name[64];
    size_t len;
    unsigned matches = 0;

    if (strncmp(given, "--", 2) == 0) {
        len = strcspn(given + 2, "=");
        snprintf(name, sizeof(name), "%.*s", (int)len, given + 2);
        for (unsigned i = 0; len > 0 && i < c->n; i++) {
            if (strncmp(cli_opt_at(c->spec, i)->name, name, len) == 0) {
                matches++;
            }
        }
    }
    fprintf(stderr, "pvbench %s: %s option '%s'\n", c->spec->name,
            matches > 1 ? "ambiguous" : "unknown", given);
}

int cli_next(struct cli *c)
{
    const struct cli_opt *o;
    const char *given;
    int v;

    for (;;) {
        v = getopt_long(c->argc, c->argv, c->optstring, c->longopts, NULL);
        c->arg = optarg;
        if (v == -1) {
            c->ind = optind;
            return CLI_END;
        }
        given = optind > 0 && optind <= c->argc ? c->argv[optind - 1] : "?";
        if (v == ':' || v == '?') {
            o = cli_lookup(c, optopt);
            if (v == ':' && o) {
                fprintf(stderr, "pvbench %s: option '--%s' needs an argument (%s)\n", c->spec->name,
                        o->name, o->arg);
            } else if (o && !o->arg && optopt >= CLI_LONG_BASE) {
                fprintf(stderr, "pvbench %s: option '--%s' takes no argument\n", c->spec->name,
                        o->name);
            } else if (optopt > 0 && optopt < CLI_LONG_BASE) {
                fprintf(stderr, "pvbench %s: unknown option '-%c'\n", c->spec->name, optopt);
            } else {
                cli_unknown(c, given);
            }
            cli_try(c->spec);
            return CLI_ERROR;
        }
        o = cli_lookup(c, v);
        if (!o) {
            cli_unknown(c, given);
            cli_try(c->spec);
            return CLI_ERROR;
        }
        switch (o->id) {
        case CLI_ID_HELP:
            cli_usage(stdout, c->spec);
            return CLI_HELP;
        case CLI_ID_QUIET:
            log_set_verbose(-1);
            break;
        case CLI_ID_VERBOSE:
            log_set_verbose(1);
            break;
        default:
            return o->id;
        }
    }
}

int cli_exit_code(int result)
{
    return result == CLI_HELP ? PVB_EXIT_OK : PVB_EXIT_USAGE;
}

void cli_try(const struct cli_spec *spec)
{
    fprintf(stderr, "Try 'pvbench %s --help'.\n", spec->name);
}

void cli_opt_label(const struct cli_opt *o, char *buf, size_t len)
{
    char shortpart[8] = "    ";

    if (o->short_name) {
        snprintf(shortpart, sizeof(shortpart), "-%c, ", o->short_name);
    }
    snprintf(buf, len, "%s--%s%s%s", shortpart, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* text from column col on, wrapped at CLI_WIDTH, continuation lines indented to indent. */
static void cli_wrap(FILE *out, const char *text, unsigned col, unsigned indent)
{
    const char *p = text;

    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + word > CLI_WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)word, p);
        col += (unsigned)word;
        p += word;
        p += strspn(p, " ");
    }
    fputc('\n', out);
}

/* Paragraphs (blank line between) refilled to CLI_WIDTH; a line that starts with a blank
 * starts a new line (a list item). */
static void cli_paragraphs(FILE *out, const char *text)
{
    char buf[1024];
    size_t n = 0;
    const char *p = text;

    while (*p) {
        size_t len = strcspn(p, "\n");
        size_t lead = strspn(p, " ");

        if ((lead >= len || lead > 0) && n > 0) {
            buf[n] = '\0';
            cli_wrap(out, buf, 0, 0);
            n = 0;
        }
        if (lead >= len) {
            fputc('\n', out);
        } else {
            if (n > 0 && n < sizeof(buf) - 1) {
                buf[n++] = ' ';
            }
            for (size_t i = lead; i < len && n < sizeof(buf) - 1; i++) {
                buf[n++] = p[i];
            }
        }
        p += len;
        if (*p == '\n') {
            p++;
        }
    }
    if (n > 0) {
        buf[n] = '\0';
        cli_wrap(out, buf, 0, 0);
    }
}

void cli_usage(FILE *out, const struct cli_spec *spec)
{
    const char *line = spec->synopsis ? spec->synopsis : "";
    char label[96];
    int first = 1;

    /* One "usage:" line per form of the synopsis. */
    do {
        size_t len = strcspn(line, "\n");
        fprintf(out, "%s pvbench %s%s%.*s\n", first ? "usage:" : "      ", spec->name,
                len ? " " : "", (int)len, line);
        first = 0;
        line += len;
    } while (*line && *++line);
    if (spec->description) {
        fputc('\n', out);
        cli_paragraphs(out, spec->description);
    }
    fprintf(out, "\noptions:\n");
    for (unsigned i = 0; i < cli_opt_count(spec); i++) {
        const struct cli_opt *o = cli_opt_at(spec, i);
        unsigned col;

        cli_opt_label(o, label, sizeof(label));
        fprintf(out, "  %s", label);
        col = 2 + (unsigned)strlen(label);
        if (col + 2 > CLI_HELP_COL) {
            fprintf(out, "\n%*s", CLI_HELP_COL, "");
        } else {
            fprintf(out, "%*s", (int)(CLI_HELP_COL - col), "");
        }
        cli_wrap(out, o->help, CLI_HELP_COL, CLI_HELP_COL);
    }
    if (spec->notes) {
        fputc('\n', out);
        cli_paragraphs(out, spec->notes);
    }
}

/* One line of text for troff, without its newline. */
static void cli_man_line(FILE *out, const char *s, size_t len);

void cli_man_inline(FILE *out, const char *s)
{
    cli_man_line(out, s, strcspn(s, "\n"));
}

static void cli_man_line(FILE *out, const char *s, size_t len)
{
    if (len > 0 && (s[0] == '.' || s[0] == '\'')) {
        fputs("\\&", out);
    }
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '\\':
            fputs("\\e", out);
            break;
        case '-':
            fputs("\\-", out);
            break;
        default:
            fputc(s[i], out);
            break;
        }
    }
}

void cli_man_text(FILE *out, const char *text)
{
    const char *p = text;

    while (*p) {
        size_t len = strcspn(p, "\n");
        size_t lead = strspn(p, " ");

        if (lead >= len) {
            fputs(".PP\n", out);
        } else {
            /* Leading blanks would break the filled line: an indented line is a list item. */
            if (lead > 0) {
                fputs(".br\n", out);
            }
            cli_man_line(out, p + lead, len - lead);
            fputc('\n', out);
        }
        p += len;
        if (*p == '\n') {
            p++;
        }
    }
}

void cli_man_spec(FILE *out, const struct cli_spec *spec)
{
    const char *line = spec->synopsis ? spec->synopsis : "";

    fprintf(out, ".SS \"%s\"\n", spec->name);
    do {
        size_t len = strcspn(line, "\n");
        fprintf(out, "\\fBpvbench %s\\fR ", spec->name);
        cli_man_line(out, line, len);
        fputs("\n.br\n", out);
        line += len;
    } while (*line && *++line);
    fputs(".PP\n", out);
    cli_man_text(out, spec->summary);
    if (spec->description) {
        fputs(".PP\n", out);
        cli_man_text(out, spec->description);
    }
    for (unsigned i = 0; i < cli_opt_count(spec); i++) {
        const struct cli_opt *o = cli_opt_at(spec, i);

        fputs(".TP\n", out);
        if (o->short_name) {
            fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
        }
        fputs("\\fB\\-\\-", out);
        cli_man_line(out, o->name, strlen(o->name));
        fputs("\\fR", out);
        if (o->arg) {
            fputs(" \\fI", out);
            cli_man_line(out, o->arg, strlen(o->arg));
            fputs("\\fR", out);
        }
        fputc('\n', out);
        cli_man_text(out, o->help);
    }
    if (spec->notes) {
        fputs(".PP\n", out);
        cli_man_text(out, spec->notes);
    }
}
