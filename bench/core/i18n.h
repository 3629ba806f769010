/*
 * Languages of what pvbench says to people (the demo's account, demo.html, the handout,
 * report.html's "how to read this"): GNU gettext, message catalogues from po/LANG.po
 * compiled into <localedir>/<lang>/LC_MESSAGES/pvbench.mo. English is the source
 * language; a message without a translation falls back to it, never to "".
 *
 * Machine-readable output (CSV, JSON, run.json) never changes with the language: LC_NUMERIC
 * stays "C" whatever the environment says, and numbers for people are formatted by
 * i18n_num(), which puts the language's decimal separator in.
 */
#ifndef PVB_I18N_H
#define PVB_I18N_H

#include <stddef.h>

#include <libintl.h>

#define I18N_DOMAIN "pvbench"
/* Languages pvbench has catalogues for (po/<lang>.po), English first (the source). */
#define I18N_LANGS "en es"

#define _(s) i18n_gettext(s)
#define N_(s) (s) /* marked for extraction, translated where it is printed */

/*
 * Choose the language: lang ("en", "es", "es_ES.UTF-8"...; NULL or "": from LANGUAGE,
 * LC_ALL, LC_MESSAGES, LANG in that order) and bind the catalogues in localedir (NULL:
 * $PVBENCH_LOCALEDIR, else the build tree's). Works without the system locale of that
 * language installed. 0, or -1 when lang names a language pvbench has no catalogue for
 * (English is used then).
 */
int i18n_init(const char *lang, const char *localedir);

/* "en" or "es": the language in use. */
const char *i18n_lang(void);

/* The translation of msgid in the language in use (msgid itself when there is none). */
const char *i18n_gettext(const char *msgid) __attribute__((format_arg(1)));

/* v with `decimals` decimals and the language's decimal separator ("3,25" in Spanish). */
const char *i18n_num(char *buf, size_t len, double v, int decimals);

/* v for people: fewer decimals the larger it is (1234, 12,3, 1,23, 0,123); "?" if not finite. */
const char *i18n_num_auto(char *buf, size_t len, double v);

#endif
