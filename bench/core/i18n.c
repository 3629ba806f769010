/* Languages through gettext (i18n.h). */
#include "i18n.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

static char i18n_code[8] = "en";
static int i18n_bound;

/* The two-letter code of a locale or language name ("es_ES.UTF-8" -> "es"), "" if none. */
static void i18n_code_of(const char *name, char *code, size_t len)
{
    size_t n = 0;

    code[0] = '\0';
    if (!name || !*name || strcmp(name, "C") == 0 || strncmp(name, "C.", 2) == 0 ||
        strcmp(name, "POSIX") == 0) {
        return;
    }
    while (name[n] >= 'a' && name[n] <= 'z' && n + 1 < len) {
        n++;
    }
    memcpy(code, name, n);
    code[n] = '\0';
}

/* Is code one of I18N_LANGS? */
static int i18n_known(const char *code)
{
    static const char langs[] = I18N_LANGS;
    const char *p = langs;
    size_t n = strlen(code);

    while (n && (p = strstr(p, code)) != NULL) {
        if ((p == langs || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
        p += n;
    }
    return 0;
}

int i18n_init(const char *lang, const char *localedir)
{
    static const char *const envs[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
    char code[8] = "", dir[4096];
    const char *env = getenv("PVBENCH_LOCALEDIR");
    int rc = 0;

    if (lang && *lang) {
        i18n_code_of(lang, code, sizeof(code));
    } else {
        for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]) && !code[0]; i++) {
            const char *v = getenv(envs[i]);
            /* LANGUAGE is a list ("es:en"): its first entry */
            i18n_code_of(v, code, sizeof(code));
        }
    }
    if (code[0] && !i18n_known(code)) {
        rc = lang && *lang ? -1 : 0; /* asked for by name: say so; from the environment: quiet */
        code[0] = '\0';
    }
    snprintf(i18n_code, sizeof(i18n_code), "%s", code[0] ? code : "en");

    /* Messages in any language even when that language's system locale is not installed:
     * gettext honours LANGUAGE in any locale but "C", and C.UTF-8 is always there. */
    if (!setlocale(LC_ALL, "")) {
        setlocale(LC_ALL, "C.UTF-8");
    }
    if (strcmp(setlocale(LC_MESSAGES, NULL), "C") == 0) {
        setlocale(LC_MESSAGES, "C.UTF-8");
    }
    setlocale(LC_NUMERIC, "C"); /* CSV and JSON keep their decimal point */
    setenv("LANGUAGE", i18n_code, 1);

    if (!localedir) {
        snprintf(dir, sizeof(dir), "%s", env && *env ? env : paths_localedir());
        localedir = dir;
    }
    i18n_bound = bindtextdomain(I18N_DOMAIN, localedir) != NULL &&
                 bind_textdomain_codeset(I18N_DOMAIN, "UTF-8") != NULL;
    return rc;
}

const char *i18n_lang(void)
{
    return i18n_code;
}

const char *i18n_gettext(const char *msgid)
{
    const char *t;

    if (!i18n_bound || strcmp(i18n_code, "en") == 0 || !msgid[0]) {
        return msgid;
    }
    t = dgettext(I18N_DOMAIN, msgid);
    return t && t[0] ? t : msgid;
}

const char *i18n_num(char *buf, size_t len, double v, int decimals)
{
    char *p;

    snprintf(buf, len, "%.*f", decimals, v);
    if (strcmp(i18n_code, "es") == 0 && (p = strchr(buf, '.')) != NULL) {
        *p = ',';
    }
    return buf;
}

const char *i18n_num_auto(char *buf, size_t len, double v)
{
    double a = fabs(v);

    if (!isfinite(v)) {
        snprintf(buf, len, "?");
        return buf;
    }
    return i18n_num(buf, len, v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 0.1 || v == 0 ? 2 : 3);
}
