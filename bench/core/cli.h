/*
 * Command-line options as data: one table per subcommand drives its parser (a wrapper on
 * getopt_long), its --help, the man page and the shell completion, so they cannot drift.
 */
#ifndef PVB_CLI_H
#define PVB_CLI_H

#include <getopt.h>
#include <stdio.h>

/* One option of a subcommand. A table ends with an entry whose name is NULL. */
struct cli_opt {
    const char *name;     /* long name, without "--" */
    int short_name;       /* a letter, or 0 */
    const char *arg;      /* the argument's name in help ("DIR"); NULL: a flag */
    const char *help;     /* one or more sentences; the printers wrap it */
    int id;               /* what cli_next returns for it, >= 0 */
    const char *complete; /* shell completion of the argument: NULL nothing, "=dir", "=file",
                           * "=set" (scenario KEY=VALUE), else words separated by spaces */
};

#define CLI_F_VERBOSITY (1u << 0) /* -q/--quiet and -v/--verbose, handled by cli_next */
#define CLI_F_HIDDEN (1u << 1)    /* not listed by `pvbench --help` (still in the man page) */

/* A subcommand: what its --help and its part of the man page say. */
struct cli_spec {
    const char *name;           /* "run" */
    const char *summary;        /* one line: pvbench --help, the man page */
    const char *synopsis;       /* what follows the name; several forms separated by '\n' */
    const char *description;    /* paragraphs separated by a blank line, refilled to 80 columns */
    const struct cli_opt *opts; /* NULL: none but --help */
    const char *notes;          /* printed after the options (exit codes...), or NULL */
    const char *operands;       /* completion of the operands: "=file", "=dir", "=ini",
                                 * "=commands" (the subcommands), or words */
    unsigned flags;
};

/* cli_next's results besides an option's id. */
enum {
    CLI_END = -1,   /* no more options: the operands are argv[c->ind..] */
    CLI_HELP = -2,  /* --help: the usage was printed on stdout */
    CLI_ERROR = -3, /* an unknown option or a missing argument: one line and "Try" printed */
};

#define CLI_MAX_OPTS 48

/* The state of one parse. */
struct cli {
    const struct cli_spec *spec;
    int argc;
    char **argv;
    const char *arg; /* the argument of the option cli_next returned, or NULL */
    int ind;         /* after CLI_END: index of the first operand */
    unsigned n;      /* entries in longopts (without the terminator) */
    char optstring[3 * CLI_MAX_OPTS + 4];
    struct option longopts[CLI_MAX_OPTS + 1];
};

/*
 * Start parsing argv (argv[0] is the subcommand's name) against spec's table. -1 if the table
 * does not fit or repeats a name or letter (a programming error, logged), else 0.
 */
int cli_start(struct cli *c, const struct cli_spec *spec, int argc, char **argv)
    __attribute__((warn_unused_result));

/*
 * The next option: its id (c->arg holds its argument), or CLI_END, CLI_HELP, CLI_ERROR.
 * -q and -v (CLI_F_VERBOSITY) set the log level here and are not returned.
 */
int cli_next(struct cli *c) __attribute__((warn_unused_result));

/* The exit code for CLI_HELP (0) and CLI_ERROR (2). */
int cli_exit_code(int result);

/* "Try 'pvbench NAME --help'." on stderr, after a usage error said in one line. */
void cli_try(const struct cli_spec *spec);

/* The subcommand's --help text. */
void cli_usage(FILE *out, const struct cli_spec *spec);

/* The option's first column in help ("-o, --output DIR") into buf. */
void cli_opt_label(const struct cli_opt *o, char *buf, size_t len);

/* Number of options of spec, the built-in ones (help, quiet, verbose) included, and the i-th. */
unsigned cli_opt_count(const struct cli_spec *spec);
const struct cli_opt *cli_opt_at(const struct cli_spec *spec, unsigned i);

/* Text for troff: backslashes and minus signs escaped, a leading '.' or '\'' made literal,
 * blank lines become paragraph breaks (.PP). */
void cli_man_text(FILE *out, const char *text);

/* The same for a piece of one line (no newline written): a .TP tag, a font change. */
void cli_man_inline(FILE *out, const char *s);

/* The subcommand as a man page section: .SS with its synopsis, description and options. */
void cli_man_spec(FILE *out, const struct cli_spec *spec);

#endif
