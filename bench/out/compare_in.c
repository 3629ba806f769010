/*
 * pvbench compare RUN: the verdict of each configuration of one run against its reference.
 *
 * The configurations of one run were booted interleaved (A B, B A), so load drift of the
 * host weighs on both alike; this is the A/B inside one run of compare.h. It reuses
 * compare_samples: the reference's samples are copied under the name of every other
 * configuration of its kind, so each row pairs (reference, C) by C's name.
 */
#include "compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "runfolder.h"
#include "scenario.h"
#include "util.h"

static const struct runfolder_config *compare_in_config(const struct runfolder *rf,
                                                        const char *name)
{
    for (size_t i = 0; i < rf->n_configs; i++) {
        if (strcmp(rf->configs[i].config, name) == 0) {
            return &rf->configs[i];
        }
    }
    return NULL;
}

/*
 * The reference of configurations of kind: the scenario's reference when it is of that
 * kind, else the first emulated one, else the first one. NULL when the run has none.
 */
static const char *compare_in_ref_of(const struct runfolder *rf, const char *kind,
                                     const char *scn_ref)
{
    const struct runfolder_config *c = scn_ref[0] ? compare_in_config(rf, scn_ref) : NULL;
    const char *first = NULL;

    if (c && strcmp(c->kind, kind) == 0) {
        return c->config;
    }
    for (size_t i = 0; i < rf->n_configs; i++) {
        if (strcmp(rf->configs[i].kind, kind) != 0) {
            continue;
        }
        if (strcmp(rf->configs[i].class_, "emulated") == 0) {
            return rf->configs[i].config;
        }
        if (!first) {
            first = rf->configs[i].config;
        }
    }
    return first;
}

int compare_in_split(const struct sample_set *all, const char *const *cfg, const char *const *ref,
                     size_t n_pairs, struct sample_set *base, struct sample_set *new_)
{
    struct sample s;

    memset(base, 0, sizeof(*base));
    memset(new_, 0, sizeof(*new_));
    for (size_t k = 0; k < n_pairs; k++) {
        for (size_t i = 0; i < all->n; i++) {
            if (strcmp(all->v[i].config, cfg[k]) == 0) {
                if (samples_add(new_, &all->v[i]) < 0) {
                    goto fail;
                }
            } else if (strcmp(all->v[i].config, ref[k]) == 0) {
                s = all->v[i];
                util_strlcpy(s.config, cfg[k], sizeof(s.config));
                if (samples_add(base, &s) < 0) {
                    goto fail;
                }
            }
        }
    }
    return 0;
fail:
    samples_free(base);
    samples_free(new_);
    return -1;
}

int compare_run_in(const char *dir, const char *configs, const struct compare_options *o,
                   struct compare_result *out)
{
    struct runfolder *rf = calloc(1, sizeof(*rf));
    struct compare_meta *m = malloc(sizeof(*m));
    struct calibrate_table *noise = malloc(sizeof(*noise));
    struct compare_options oc = *o;
    struct sample_set base = {0}, new_ = {0};
    const char *cfg[COMPARE_MAX_CONFIGS], *ref[COMPARE_MAX_CONFIGS];
    char pick[2][RESULTS_CONFIG_MAX];
    char scn_ref[RESULTS_CONFIG_MAX];
    char why[1024];
    size_t np = 0;
    int rc = PVB_EXIT_FAILED;

    memset(out, 0, sizeof(*out));
    if (!rf || !m || !noise) {
        log_err("compare: out of memory");
        goto out;
    }
    if (compare_options_check(o, why, sizeof(why)) < 0) {
        log_err("compare: %s", why);
        rc = PVB_EXIT_USAGE;
        goto out;
    }
    (void)!runfolder_read(dir, rf, NULL, 0);
    if (rf->run_err != RUNFOLDER_OK) {
        log_err("RUN: %s", rf->run_msg);
        rc = runfolder_exit_code(rf->run_err);
        goto out;
    }
    if (compare_meta_from(rf, m, why, sizeof(why)) < 0) {
        log_err("RUN: %s", why);
        rc = PVB_EXIT_USAGE;
        goto out;
    }
    if (rf->samples_err != RUNFOLDER_OK) {
        log_err("RUN: %s", rf->samples_msg);
        rc = runfolder_exit_code(rf->samples_err);
        goto out;
    }
    if (configs) {
        const char *comma = strchr(configs, ',');
        const struct runfolder_config *a, *b;

        if (!comma || strchr(comma + 1, ',') || comma == configs || !comma[1] ||
            (size_t)(comma - configs) >= sizeof(pick[0])) {
            log_err("--configs: expected REFERENCE,OTHER (two configuration names), got '%s'",
                    configs);
            rc = PVB_EXIT_USAGE;
            goto out;
        }
        memcpy(pick[0], configs, (size_t)(comma - configs));
        pick[0][comma - configs] = '\0';
        util_strlcpy(pick[1], comma + 1, sizeof(pick[1]));
        a = compare_in_config(rf, pick[0]);
        b = compare_in_config(rf, pick[1]);
        if (!a || !b || strcmp(pick[0], pick[1]) == 0) {
            log_err("--configs: %s has no two configurations named '%s' and '%s'", dir, pick[0],
                    pick[1]);
            rc = PVB_EXIT_USAGE;
            goto out;
        }
        if (strcmp(a->kind, b->kind) != 0 && !o->force) {
            log_err("--configs: %s is a %s configuration and %s a %s one; --force compares "
                    "them anyway",
                    pick[0], a->kind, pick[1], b->kind);
            rc = PVB_EXIT_USAGE;
            goto out;
        }
        ref[0] = a->config;
        cfg[0] = b->config;
        np = 1;
    } else {
        runfolder_scenario_reference(rf, scn_ref, sizeof(scn_ref));
        for (size_t i = 0; i < rf->n_configs && np < COMPARE_MAX_CONFIGS; i++) {
            const char *r = compare_in_ref_of(rf, rf->configs[i].kind, scn_ref);

            if (r && strcmp(r, rf->configs[i].config) != 0) {
                ref[np] = r;
                cfg[np] = rf->configs[i].config;
                np++;
            }
        }
    }
    if (np == 0) {
        log_err("compare: %s has no two configurations of one kind to compare", dir);
        rc = PVB_EXIT_USAGE;
        goto out;
    }
    compare_use_calibration(&oc, m->accelerator, noise);
    if (compare_in_split(&rf->samples, cfg, ref, np, &base, &new_) < 0 ||
        compare_samples(&base, &new_, &oc, out) < 0) {
        log_err("compare: out of memory");
        goto out;
    }
    for (size_t i = 0; i < out->n; i++) {
        for (size_t k = 0; k < np; k++) {
            if (strcmp(out->rows[i].config, cfg[k]) == 0) {
                util_strlcpy(out->rows[i].base_config, ref[k], sizeof(out->rows[i].base_config));
            }
        }
    }
    compare_set_rw(out, rf);
    util_strlcpy(out->calibrated, oc.noise ? oc.noise->key : "", sizeof(out->calibrated));
    out->base = *m;
    out->new_ = *m;
    for (size_t k = 0; k < np; k++) {
        log_info("compare: %s against its reference %s", cfg[k], ref[k]);
    }
    rc = PVB_EXIT_OK;
out:
    samples_free(&base);
    samples_free(&new_);
    if (rf) {
        runfolder_free(rf);
    }
    free(rf);
    free(m);
    free(noise);
    return rc;
}
