/*
 * `cpnsim validate` and `cpnsim run` (program layer: may use every other layer).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "models/policy/awareness.h"
#include "models/centers/center.h"
#include "models/dynamics/failures.h"
#include "models/dynamics/links.h"
#include "models/dynamics/timeline.h"
#include "models/jobs/jobs.h"
#include "models/net/network.h"
#include "models/policy.h"
#include "models/observer.h"
#include "models/net/traffic.h"
#include "output/atomic.h"
#include "output/summary.h"
#include "output/trace.h"
#include "scenarios/load.h"
#include "scenarios/units.h"
#include "sim/engine.h"
#include "sim/rng.h"
#include "sim/array.h"
#include "cli/cli.h"
#include "cli/flows_out.h"
#include "cli/policy_exec.h"
#include "sim/diag.h"
#include "sim/error.h"

/* The --set options of one command line. */
struct override_list {
    struct cpn_override *items;
    size_t len, cap;
};

/* Collect one --set TARGET=VALUE into @p ov; returns 0 or the usage exit status. */
static int add_override(const char *command, const char *arg, struct override_list *ov)
{
    size_t n;
    if (cpn_override_split(arg, &n) != CPN_OK)
        return cpn_cli_usage_error(command,
                                   "--set '%s': expected TARGET=VALUE, e.g. "
                                   "--set link/sh-nx@capacity=400Gbps",
                                   arg);
    /* The target is copied up to its '=' (the first one outside brackets and quotes, so XPath
     * predicates stay whole); the value points into argv, which lives as long as main. */
    char *target = strndup(arg, n);
    if (!target)
        return EX_SOFTWARE;
    struct cpn_override o = {.target = target, .value = arg + n + 1, .origin = NULL};
    if (cpn_array_push(ov, o) != CPN_OK) {
        free(target);
        return EX_SOFTWARE;
    }
    return 0;
}

static void free_overrides(struct override_list *ov)
{
    for (size_t i = 0; i < ov->len; i++)
        free((char *)ov->items[i].target);
    cpn_array_release(ov);
}

/* Load @p file (NULL: the embedded scenario); @p check_only for a check alone (no checked
 * copies of streamed inputs: struct cpn_scen_options). */
static int load_one(const char *file, const struct override_list *ov,
                    const struct cpn_policy_registry *registry, int check_only,
                    struct cpn_scenario **scen)
{
    struct cpn_diag diag;
    cpn_diag_init(&diag, stderr);
    struct cpn_scen_options opt = {.overrides = ov->items,
                                   .n_overrides = ov->len,
                                   .policies = registry,
                                   .check_only = check_only};
    int rc = file ? cpn_scen_load(file, &opt, &diag, scen)
                  : cpn_scen_load_memory("(default scenario)", (const char *)cpn_default_scenario,
                                         cpn_default_scenario_len, &opt, &diag, scen);
    cpn_diag_flush(&diag);
    if (rc != CPN_OK && diag.errors == 0)
        fprintf(stderr, "cpnsim: %s: %s\n", file ? file : "(default scenario)",
                cpn_error_message());
    return rc;
}

int cpn_cmd_validate(struct cpn_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"set", required_argument, NULL, 's'},
        {"plugin", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct override_list ov = {0};
    struct cpn_policy_registry *registry = cpn_policy_registry_new();
    int c, status = 0;
    if (!registry) {
        status = EX_SOFTWARE;
        goto done;
    }
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 's') {
            if ((status = add_override("validate", optarg, &ov)) != 0)
                goto done;
        } else if (c == 'L') {
            /* Plug-in policies may be named by the scenarios being checked. */
            int rc = cpn_policy_registry_load(registry, optarg);
            if (rc != CPN_OK) {
                fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
                status = cpn_exit_code(rc);
                goto done;
            }
        } else if (c == 'h') {
            printf("usage: cpnsim validate SCENARIO.xml... [--set TARGET=VALUE ...] "
                   "[--plugin PATH.so ...]\n");
            goto done;
        } else {
            status = cpn_cli_option_error("validate", argv, "h", options);
            goto done;
        }
    }
    if (optind >= argc) {
        status = cpn_cli_usage_error("validate", "no scenario file given");
        goto done;
    }
    for (int i = optind; i < argc; i++) {
        struct cpn_scenario *scen = NULL;
        int rc = load_one(argv[i], &ov, registry, 1, &scen);
        if (rc != CPN_OK) {
            int ex = cpn_exit_code(rc);
            if (ex > status)
                status = ex;
        } else if (!cli->quiet) { /* what streamed files will be read during the run */
            size_t n = cpn_scen_flow_count(scen) - scen->flows.len, logs = 0, jobs = 0;
            for (size_t k = 0; k < scen->wlogs.len; k++)
                if (scen->wlogs.items[k].streamed) {
                    logs++;
                    jobs += scen->wlogs.items[k].spec.log->njobs;
                }
            char flows[128] = "", wl[128] = "";
            if (scen->flowfiles.len)
                snprintf(flows, sizeof flows, "%zu flow%s read during the run from %zu file%s", n,
                         n == 1 ? "" : "s", scen->flowfiles.len,
                         scen->flowfiles.len == 1 ? "" : "s");
            if (logs)
                snprintf(wl, sizeof wl, "%s%zu job%s read during the run from %zu workload log%s",
                         *flows ? "; " : "", jobs, jobs == 1 ? "" : "s", logs,
                         logs == 1 ? "" : "s");
            if (*flows || *wl)
                printf("%s: valid (%s%s)\n", argv[i], flows, wl);
            else
                printf("%s: valid\n", argv[i]);
        }
        cpn_scen_free(scen);
    }
done:
    free_overrides(&ov);
    cpn_policy_registry_free(registry);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* cpnsim run                                                                                  */

static struct cpn_engine *volatile running_engine; /* for the signal handler only */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
    if (running_engine)
        *cpn_engine_stop_flag(running_engine) = 1;
}

/* Run the engine to @p until in slices, printing a progress line on a terminal.  Slicing does
 * not change the run: events fire in the same order, and the clock ends at @p until as with one
 * call (so the summary is the same with and without a terminal). */
static int run_with_progress(struct cpn_engine *eng, double until, int show)
{
    const int slices = 200;
    double t0 = cpn_wall_seconds(), last = t0, start = cpn_engine_now(eng);
    if (!show || !isfinite(until))
        return cpn_engine_run(eng, until);
    for (int k = 1; k <= slices; k++) {
        double t = k == slices ? until : start + (until - start) * k / slices;
        int rc = cpn_engine_run(eng, t);
        if (rc != CPN_OK)
            return rc;
        double now = cpn_wall_seconds();
        if (now - last >= 0.25 || k == slices) {
            double frac = (t - start) / (until - start);
            double eta = frac > 0 ? (now - t0) * (1 - frac) / frac : 0;
            fprintf(stderr, "\r  t = %12.1f s  %5.1f%%  %8.3g events/s  ETA %6.1f s ", t,
                    100 * frac, (double)cpn_engine_events(eng) / fmax(now - t0, 1e-9), eta);
            last = now;
        }
    }
    fputc('\n', stderr);
    return CPN_OK;
}

/* A streamed flow file read during the run (docs/scenario-format.md, "Streamed flow files"). */
struct flow_stream {
    const struct cpn_scenario *scen;
    struct cpn_scen_flow_reader *reader;
    int failed; /* the reader failed during the run (reported) */
};

/* The run's outputs: -o, --flows-out, --summary-out. */
enum outs { OUT_TRACE, OUT_FLOWS, OUT_SUMMARY, N_OUTS };

/* Everything one run owns, freed in reverse order by run_release(). */
struct run {
    /* options */
    struct override_list ov;
    const char *flows_out, *output, *summary_out, *policy_name;
    int summary_full; /* --summary=full: every row; else the grouped view */
    const char **plugins;
    size_t n_plugins;
    const char *exec_spec; /* --policy-exec [NAME=]COMMAND */
    double exec_timeout;   /* --policy-timeout [s] */
    int exec_timeout_given;
    const char **exec_params; /* --policy-param NAME=VALUE (argv's) */
    size_t n_exec_params;
    enum cpn_trace_level level;
    int force;
    int out_stream[N_OUTS];    /* the output (enum outs) is a character device or FIFO */
    char *out_partial[N_OUTS]; /* a text output's NAME.partial (malloc), where a run that does
                                * not reach its end leaves it; NULL for the trace (its writer
                                * names it) and for a device or FIFO */
    char *seed_target, *until_target; /* --seed N, --until T as overrides of <simulation> */
    char *seed_origin, *until_origin; /* and as the user typed them, for messages */
    /* objects */
    struct cpn_policy_registry *registry;
    struct cpn_scenario *scen;
    struct cpn_engine *eng;
    struct cpn_rng *rng;
    struct cpn_network *net;
    struct cpn_policy *policy;
    struct cpn_exec_policy *exec; /* the external policy process (cli/policy_exec.h), or NULL */
    struct cpn_jobs *jobs;
    struct cpn_traffic *traffic;
    struct cpn_flows_out *flows_writer;         /* --flows-out written during the run, or NULL */
    struct flow_stream *streams;                /* one per streamed flow file (scen->flowfiles) */
    struct cpn_scen_wlog_stream **wlog_streams; /* per workload log: its stream, or NULL */
    struct cpn_diag stream_diag;                /* where a streamed row that went bad is reported */
    struct cpn_timeline *timeline;
    struct cpn_failures *failures;
    struct cpn_links *link_states; /* timelines and failures (models/dynamics/links.h) */
    const char **span_names;       /* the spans' ids, for link_states (malloc) */
    struct cpn_summary *summary;
    struct cpn_trace *trace;
    struct cpn_observer obs;
    /* static tables of the run info */
    struct cpn_run_node *nodes;
    struct cpn_run_link *links;
    struct cpn_run_center *centers;
    struct cpn_run_pool *pools;
    const char **source_ids; /* borrowed from the jobs layer */
    uint8_t *source_kinds;
    struct cpn_run_param *params;
    char (*param_text)[64];
    uint32_t *site_nodes; /* node of each storage site (the jobs' configuration) */
    char **overrides;     /* "TARGET=VALUE" */
    size_t n_overrides;
    char *command_line;
    char wall_clock[32];
    const char *policy_label;                  /* the policy run ("none" without centers) */
    const struct cpn_policy_setting *settings; /* its parameters as given, n_settings of them */
    size_t n_settings;
};

static void run_release(struct run *r)
{
    cpn_flows_out_cancel(r->flows_writer); /* (before the traffic it reads goes) */
    for (int i = 0; i < N_OUTS; i++)
        free(r->out_partial[i]);
    cpn_trace_free(r->trace); /* after end(): closes; without end(): keeps PATH.partial */
    cpn_traffic_free(r->traffic);
    for (size_t k = 0; r->wlog_streams && k < r->scen->wlogs.len; k++)
        cpn_scen_wlog_stream_free(r->wlog_streams[k]);
    free(r->wlog_streams);
    for (size_t k = 0; r->streams && k < r->scen->flowfiles.len; k++)
        cpn_scen_flow_reader_free(r->streams[k].reader);
    free(r->streams);
    cpn_timeline_free(r->timeline);
    cpn_failures_free(r->failures);
    cpn_links_free(r->link_states);
    free(r->span_names);
    cpn_jobs_free(r->jobs); /* before the engine: centers cancel their events */
    cpn_policy_free(r->policy);
    cpn_exec_policy_free(r->exec); /* stops the process if it still runs */
    cpn_summary_free(r->summary);
    cpn_network_free(r->net);
    cpn_engine_free(r->eng);
    cpn_rng_free(r->rng);
    cpn_scen_free(r->scen);
    cpn_policy_registry_free(r->registry); /* after every policy instance */
    free(r->nodes);
    free(r->links);
    free(r->centers);
    free(r->pools);
    free(r->source_ids);
    free(r->source_kinds);
    free(r->params);
    free(r->param_text);
    free(r->site_nodes);
    free(r->command_line);
    for (size_t i = 0; i < r->n_overrides; i++)
        free(r->overrides[i]);
    free(r->overrides);
    free(r->plugins);
    free(r->exec_params);
    free(r->seed_target);
    free(r->until_target);
    free(r->seed_origin);
    free(r->until_origin);
    free_overrides(&r->ov);
}

/* Build the provenance and static tables handed to the observer's begin(). */
static int fill_run_info(struct run *r, int argc, char **argv, struct cpn_run_info *info)
{
    const struct cpn_scenario *scen = r->scen;
    uint32_t nn = cpn_topo_node_count(scen->topo), nl = cpn_topo_link_count(scen->topo);
    size_t nc = scen->centers.len, np = scen->pools.len;
    size_t nparams = r->n_settings;
    r->nodes = calloc(nn + 1, sizeof *r->nodes);
    r->links = calloc(nl + 1, sizeof *r->links);
    r->centers = calloc(nc + 1, sizeof *r->centers);
    r->pools = calloc(np + 1, sizeof *r->pools);
    size_t ns = cpn_jobs_source_count(r->jobs);
    r->source_ids = calloc(ns + 1, sizeof *r->source_ids);
    r->source_kinds = calloc(ns + 1, sizeof *r->source_kinds);
    r->params = calloc(nparams + 1, sizeof *r->params);
    r->param_text = calloc(nparams + 1, sizeof *r->param_text);
    r->overrides = calloc(r->ov.len + 1, sizeof *r->overrides);
    size_t len = 8;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    r->command_line = calloc(len, 1);
    if (!r->nodes || !r->links || !r->centers || !r->pools || !r->params || !r->param_text ||
        !r->overrides || !r->command_line || !r->source_ids || !r->source_kinds)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < ns; i++) {
        enum cpn_job_kind kind = CPN_JOB_BATCH;
        r->source_ids[i] = cpn_jobs_source(r->jobs, i, &kind);
        r->source_kinds[i] = (uint8_t)kind;
    }
    for (size_t i = 0; i < r->ov.len; i++, r->n_overrides++)
        if (asprintf(&r->overrides[i], "%s=%s", r->ov.items[i].target, r->ov.items[i].value) < 0) {
            r->overrides[i] = NULL;
            return CPN_ERROR(CPN_ENOMEM, NULL);
        }
    strcpy(r->command_line, "cpnsim");
    for (int i = 0; i < argc; i++) {
        strcat(r->command_line, " ");
        strcat(r->command_line, argv[i]);
    }
    for (uint32_t i = 0; i < nn; i++) {
        const struct cpn_node *n = cpn_topo_node(scen->topo, i);
        r->nodes[i] = (struct cpn_run_node){.id = n->id, .lat = n->lat, .lon = n->lon};
    }
    for (uint32_t i = 0; i < nl; i++) {
        const struct cpn_link *l = cpn_topo_link(scen->topo, i);
        r->links[i] = (struct cpn_run_link){.id = l->id,
                                            .kind = cpn_link_kind_name(l->kind),
                                            .a = l->a,
                                            .b = l->b,
                                            .capacity = l->capacity,
                                            .latency = l->latency};
    }
    for (size_t i = 0; i < nc; i++) {
        const struct cpn_scen_center *c = &scen->centers.items[i];
        uint32_t units = 0;
        for (uint32_t k = 0; k < c->npools; k++) {
            const struct cpn_pool_spec *ps = &scen->pools.items[c->pool0 + k].spec;
            units += ps->units;
            r->pools[c->pool0 + k] = (struct cpn_run_pool){.center = (uint32_t)i,
                                                           .units = ps->units,
                                                           .unit_flops = ps->flops,
                                                           .unit_memory = ps->memory,
                                                           .idle_power = ps->idle_power,
                                                           .peak_power = ps->peak_power};
        }
        r->centers[i] = (struct cpn_run_center){.id = c->spec.id,
                                                .kind = cpn_center_kind_name(c->spec.kind),
                                                .node = c->spec.node,
                                                .units = units,
                                                .pue = c->spec.pue};
    }
    for (size_t i = 0; i < nparams; i++) {
        const struct cpn_policy_setting *ps = &r->settings[i];
        snprintf(r->param_text[i], sizeof r->param_text[i], "%.17g", ps->value);
        r->params[i] = (struct cpn_run_param){.name = ps->name, .value = r->param_text[i]};
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->wall_clock, sizeof r->wall_clock, "%Y-%m-%dT%H:%M:%SZ", &tm);
    size_t n_kinds;
    const char *const *kinds = cpn_job_kind_names(&n_kinds);
    *info = (struct cpn_run_info){
        .program_version = PACKAGE_VERSION,
        .scenario_path = scen->file,
        .scenario_text = scen->text,
        .scenario_length = scen->text_len,
        .seed = scen->seed,
        .policy = r->policy_label,
        .policy_params = r->params,
        .n_policy_params = nparams,
        .awareness = cpn_awareness_mode_name(scen->scheduler.awareness.mode),
        .overrides = (const char *const *)r->overrides,
        .n_overrides = r->n_overrides,
        .command_line = r->command_line,
        .wall_clock_start = r->wall_clock,
        .sample_interval = scen->sample,
        .until = scen->until,
        .warmup = scen->warmup,
        .currency = scen->currency,
        .job_kinds = kinds,
        .n_job_kinds = n_kinds,
        .nodes = r->nodes,
        .n_nodes = nn,
        .links = r->links,
        .n_links = nl,
        .centers = r->centers,
        .n_centers = nc,
        .pools = r->pools,
        .n_pools = np,
        .sources = r->source_ids,
        .source_kinds = r->source_kinds,
        .n_sources = ns,
    };
    return CPN_OK;
}

/* The scenario's random link failures (models/dynamics/failures.h), started. */
static int build_failures(struct run *r)
{
    size_t n = r->scen->failures.len;
    struct cpn_failure_spec *specs = malloc(n * sizeof *specs);
    if (!specs)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < n; i++) {
        const struct cpn_scen_failure *f = &r->scen->failures.items[i];
        specs[i] = (struct cpn_failure_spec){f->link,    f->center, &f->dists[0], &f->dists[1],
                                             f->restore, f->span,   f->node};
    }
    int rc =
        cpn_failures_new(r->eng, r->link_states, r->jobs, &r->obs, r->rng, specs, n, &r->failures);
    free(specs);
    return rc == CPN_OK ? cpn_failures_start(r->failures) : rc;
}

/* Centers, workload sources and the scheduler of the scenario, in a jobs object. */
static int build_jobs(struct run *r)
{
    struct cpn_scenario *scen = r->scen;
    r->site_nodes = malloc((scen->sites.len ? scen->sites.len : 1) * sizeof *r->site_nodes);
    if (!r->site_nodes)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < scen->sites.len; i++)
        r->site_nodes[i] = scen->sites.items[i].node;
    const struct cpn_policy_ops *ops = scen->scheduler.ops;
    const struct cpn_policy_setting *settings = scen->scheduler.params.items;
    size_t n_settings = scen->scheduler.params.len;
    r->policy_label = scen->scheduler.policy;
    if (r->policy_name) {
        ops = cpn_policy_find(r->registry, r->policy_name);
        if (!ops) {
            fprintf(stderr, "cpnsim: --policy %s: no such policy (see 'cpnsim policies')\n",
                    r->policy_name);
            return CPN_ESCENARIO;
        }
        if (ops != scen->scheduler.ops) { /* the scenario's <param>s belong to its policy */
            if (n_settings && scen->centers.len) {
                char names[256] = "";
                for (size_t i = 0; i < n_settings && i < 4; i++)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                             i ? ", " : "", i == 3 ? "..." : settings[i].name);
                fprintf(stderr,
                        "cpnsim: run: warning: --policy %s replaces the scenario's policy %s, "
                        "whose <param>%s (%s) %s not used\n",
                        ops->name, scen->scheduler.policy ? scen->scheduler.policy : "?",
                        n_settings == 1 ? "" : "s", names, n_settings == 1 ? "is" : "are");
            }
            settings = NULL;
            n_settings = 0;
        }
        r->policy_label = ops->name;
    }
    uint32_t nc = (uint32_t)scen->centers.len, nn = cpn_topo_node_count(scen->topo);
    int rc;
    int exec = r->exec && ops == cpn_exec_policy_ops(r->exec);
    if (nc && exec &&
        (rc = cpn_exec_policy_start(r->exec, scen, r->rng, r->exec_params, r->n_exec_params)) !=
            CPN_OK)
        return rc; /* the process answers its hello before the instance is made */
    if (nc && ops &&
        (rc = cpn_policy_new(ops, settings, n_settings, r->rng, nc, nn, &r->policy)) != CPN_OK)
        return rc;
    if (nc && exec)
        cpn_policy_bind(r->policy, r->exec);
    if (!nc && r->policy_name)
        fprintf(stderr,
                "cpnsim: run: warning: --policy %s changes nothing: the scenario has no centers, "
                "so no job is placed (its policy is recorded as \"none\")\n",
                r->policy_name);
    if (!nc) {
        r->policy_label = "none";
        settings = NULL;
        n_settings = 0;
    }
    r->settings = settings;
    r->n_settings = n_settings;
    struct cpn_jobs_config cfg = {
        .engine = r->eng,
        .network = r->net,
        .topo = scen->topo,
        .router = scen->router,
        .policy = r->policy,
        .awareness = scen->scheduler.awareness,
        .profile = scen->transport,
        .site_nodes = r->site_nodes,
        .n_sites = (uint32_t)scen->sites.len,
        .observer = &r->obs,
        .rng = r->rng,
        .sample_interval = scen->sample,
        .sample_always = scen->flows.len + scen->flowfiles.len > 0, /* <traffic> loads the links
                                                                        outside the jobs */
        .arrivals_until = scen->drain > 0 ? scen->until : 0, /* with a drain, none after until */
    };
    if ((rc = cpn_jobs_new(&cfg, &r->jobs)) != CPN_OK)
        return rc;
    for (uint32_t i = 0; i < nc; i++) {
        const struct cpn_scen_center *c = &scen->centers.items[i];
        struct cpn_pool_spec *pools = malloc(c->npools * sizeof *pools);
        if (!pools)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        for (uint32_t k = 0; k < c->npools; k++)
            pools[k] = scen->pools.items[c->pool0 + k].spec;
        rc = cpn_jobs_add_center(r->jobs, &c->spec, pools, c->npools, NULL);
        free(pools);
        if (rc != CPN_OK)
            return rc;
    }
    for (size_t i = 0; i < scen->sites.len; i++)
        if (scen->sites.items[i].center != CPN_NONE &&
            (rc = cpn_jobs_set_center_site(r->jobs, scen->sites.items[i].center, (uint32_t)i)) !=
                CPN_OK)
            return rc;
    for (size_t i = 0; i < scen->generators.len; i++)
        if ((rc = cpn_jobs_add_generator(r->jobs, &scen->generators.items[i].spec)) != CPN_OK)
            return rc;
    if (scen->wlogs.len && !(r->wlog_streams = calloc(scen->wlogs.len, sizeof *r->wlog_streams)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < scen->wlogs.len; i++) {
        struct cpn_wlog_source_spec spec = scen->wlogs.items[i].spec;
        if (scen->wlogs.items[i].streamed) { /* read during the run (scenarios/load.h) */
            if ((rc = cpn_scen_wlog_stream_open(scen, i, &r->stream_diag, &r->wlog_streams[i])) !=
                CPN_OK)
                return rc;
            spec.next = cpn_scen_wlog_stream_next;
            spec.next_ctx = r->wlog_streams[i];
        }
        if ((rc = cpn_jobs_add_wlog(r->jobs, &spec)) != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

/* The network, with the scenario's transport profiles (the index is the profile id). */
static int build_network(struct run *r)
{
    const struct cpn_scenario *scen = r->scen;
    size_t n = scen->transports.len, ns = scen->sites.len;
    struct cpn_transport *profiles = malloc((n ? n : 1) * sizeof *profiles);
    struct cpn_storage_bandwidth *sites = malloc((ns ? ns : 1) * sizeof *sites);
    int rc = CPN_ERROR(CPN_ENOMEM, NULL);
    if (profiles && sites) {
        for (size_t i = 0; i < n; i++)
            profiles[i] = scen->transports.items[i].profile;
        for (size_t i = 0; i < ns; i++)
            sites[i] = (struct cpn_storage_bandwidth){scen->sites.items[i].read,
                                                      scen->sites.items[i].write};
        struct cpn_network_config cfg = {profiles, n, sites, ns};
        rc = cpn_network_new(r->eng, scen->topo, scen->router, &cfg, &r->net);
        for (size_t i = 0; rc == CPN_OK && i < scen->elastic.len; i++)
            rc = cpn_network_set_elastic(r->net, scen->elastic.items[i].link,
                                         scen->elastic.items[i].budget,
                                         scen->elastic.items[i].setup);
        /* The wavelength layer: spans, then the links' lightpaths in file order (the loader
         * lit them in the same order, so they fit). */
        for (size_t i = 0; rc == CPN_OK && i < scen->spans.len; i++) {
            uint32_t index;
            rc = cpn_network_add_span(r->net, scen->spans.items[i].wavelengths, &index);
        }
        for (size_t i = 0; rc == CPN_OK && i < scen->lightpaths.len; i++) {
            const struct cpn_scen_lightpaths *lp = &scen->lightpaths.items[i];
            rc = cpn_network_set_lightpaths(r->net, lp->link, lp->spans, lp->k, lp->lambda,
                                            lp->setup);
        }
    }
    free(profiles);
    free(sites);
    return rc;
}

/* Flow @p f as the replay takes it: its route (its own, or its <path>'s; NULL for the
 * shortest), transport, weight and split (a streamed row has none). */
static struct cpn_traffic_flow traffic_flow_of(const struct cpn_scenario *scen,
                                               const struct cpn_scen_flow *f)
{
    const struct cpn_path *route = f->route              ? f->route
                                   : f->path == CPN_NONE ? NULL
                                                         : scen->paths.items[f->path].route;
    const struct cpn_scen_pathset *set =
        f->pathset == CPN_NONE ? NULL : &scen->pathsets.items[f->pathset];
    return (struct cpn_traffic_flow){
        .src = f->src,
        .dst = f->dst,
        .size = f->size,
        .start = f->start,
        .path = route,
        .profile = f->transport,
        .weight = f->weight,
        .k_paths = f->k_paths,
        .paths = set ? set->routes : NULL,
        .shares = set ? set->shares : NULL,
        .n_paths = set ? set->n : 0,
    };
}

/* cpn_traffic_next_fn over a streamed flow file: its next row, routed as the load routed it. */
static int next_streamed_flow(void *ctx, struct cpn_traffic_flow *out, int *more)
{
    struct flow_stream *fs = ctx;
    struct cpn_scen_flow f;
    int rc = cpn_scen_flow_reader_next(fs->reader, &f, more);
    if (rc != CPN_OK)
        fs->failed = 1;
    if (rc != CPN_OK || !*more)
        return rc;
    *out = traffic_flow_of(fs->scen, &f);
    return CPN_OK;
}

/* cpn_traffic_get_fn over the scenario's loaded flows: flow @p i as the replay takes it. */
static void get_loaded_flow(const void *ctx, size_t i, struct cpn_traffic_flow *out)
{
    struct cpn_scen_flow f;
    cpn_scen_flow_get(ctx, i, &f);
    *out = traffic_flow_of(ctx, &f);
}

static double loaded_flow_start(const void *ctx, size_t i)
{
    return ((const struct cpn_scenario *)ctx)->flows.items[i].start;
}

/* The scenario's <traffic> flows, replayed on the network where the scenario keeps them (no
 * copy); flow files too large to load are read during the run. */
static int build_traffic(struct run *r)
{
    const struct cpn_scenario *scen = r->scen;
    int rc = cpn_traffic_new_from(r->eng, r->net, &r->obs, scen->flows.len, get_loaded_flow,
                                  loaded_flow_start, scen, r->flows_out != NULL, &r->traffic);
    if (rc != CPN_OK || !scen->flowfiles.len)
        return rc;
    if (!(r->streams = calloc(scen->flowfiles.len, sizeof *r->streams)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t k = 0; k < scen->flowfiles.len && rc == CPN_OK; k++) {
        const struct cpn_scen_flowfile *ff = &scen->flowfiles.items[k];
        r->streams[k].scen = scen;
        rc = cpn_scen_flow_reader_open(r->scen, k, &r->stream_diag, 1, &r->streams[k].reader);
        if (rc == CPN_OK)
            rc = cpn_traffic_add_source(r->traffic, next_streamed_flow, &r->streams[k], ff->first,
                                        ff->rows, r->flows_out != NULL);
    }
    return rc;
}

/* Warn about each headline whose metric this run's summary does not have (a misspelt name, or
 * one of a model the run did not reach, such as compute.* without computations): its row is
 * NaN, which alone would not say why. */
static void warn_missing_headlines(struct run *r)
{
    const struct cpn_metric *rows = NULL;
    size_t n = 0;
    if (cpn_summary_metrics(r->summary, &rows, &n) != CPN_OK)
        return;
    for (size_t i = 0; i < r->scen->headlines.len; i++) {
        const struct cpn_scen_headline *h = &r->scen->headlines.items[i];
        size_t k = 0;
        while (h->metric && k < n && strcmp(rows[k].name, h->metric) != 0)
            k++;
        if (h->metric && k == n)
            fprintf(stderr,
                    "cpnsim: %s:%ld: warning: headline \"%s\": this run's summary has no "
                    "metric \"%s\", so the headline is NaN (the metrics: docs/metrics.md; "
                    "--summary=full lists a run's)\n",
                    h->file, h->line, h->id, h->metric);
    }
}

static int parse_run_options(struct run *r, int argc, char **argv)
{
    static const struct option options[] = {
        {"set", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"flows-out", required_argument, NULL, 'F'},
        {"output", required_argument, NULL, 'o'},
        {"trace-level", required_argument, NULL, 'T'},
        {"summary-out", required_argument, NULL, 'M'},
        {"summary", required_argument, NULL, 'Y'},
        {"force", no_argument, NULL, 'f'},
        {"policy", required_argument, NULL, 'P'},
        {"plugin", required_argument, NULL, 'L'},
        {"policy-exec", required_argument, NULL, 'E'},
        {"policy-param", required_argument, NULL, 'R'},
        {"policy-timeout", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, status;
    r->exec_timeout = CPN_EXEC_TIMEOUT;
    while ((c = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (c) {
        case 's':
            if ((status = add_override("run", optarg, &r->ov)) != 0)
                return status;
            break;
        case 'S':
        case 'U': {
            /* --seed and --until become overrides of <simulation>; their values are checked
             * here, so that a bad one is a command-line error, not one of the file. */
            char why[256];
            double v = 0;
            if (c == 'U' && (optarg[0] == '-' ||
                             cpn_units_parse(optarg, CPN_Q_TIME, &v, why, sizeof why) != CPN_OK ||
                             !(v > 0) || !isfinite(v)))
                return cpn_cli_usage_error("run",
                                           "--until \"%s\" is not a positive time with a unit "
                                           "(e.g. --until 1d or --until 30min)",
                                           optarg);
            if (c == 'S') {
                char *end;
                errno = 0;
                (void)strtoull(optarg, &end, 10);
                if (errno || end == optarg || *end || strchr(optarg, '-'))
                    return cpn_cli_usage_error("run",
                                               "--seed \"%s\" is not a whole number from 0 to "
                                               "2^64-1 (e.g. --seed 7)",
                                               optarg);
            }
            char **slot = c == 'S' ? &r->seed_target : &r->until_target;
            char **origin = c == 'S' ? &r->seed_origin : &r->until_origin;
            if (*origin) /* (given twice: a script's default and its override, or a slip) */
                fprintf(stderr,
                        "cpnsim: run: warning: --%s %s replaces %s given before (the last "
                        "one is used)\n",
                        c == 'S' ? "seed" : "until", optarg, *origin);
            free(*slot);
            free(*origin);
            *origin = NULL;
            if (asprintf(slot, "simulation@%s=%s", c == 'S' ? "seed" : "until", optarg) < 0 ||
                asprintf(origin, "--%s %s", c == 'S' ? "seed" : "until", optarg) < 0) {
                free(*slot);
                *slot = *origin = NULL;
                return EX_SOFTWARE;
            }
            break;
        }
        case 'F':
            if (cpn_cli_output_name("run", "--flows-out", optarg, "file"))
                return EX_USAGE;
            r->flows_out = optarg;
            break;
        case 'o':
            if (cpn_cli_output_name("run", "-o", optarg, "file"))
                return EX_USAGE;
            r->output = optarg;
            break;
        case 'Y':
            if (strcmp(optarg, "full") != 0 && strcmp(optarg, "grouped") != 0)
                return cpn_cli_usage_error("run",
                                           "--summary \"%s\" is not a view (use grouped, the "
                                           "default, or full)",
                                           optarg);
            r->summary_full = strcmp(optarg, "full") == 0;
            break;
        case 'M':
            if (cpn_cli_output_name("run", "--summary-out", optarg, "file"))
                return EX_USAGE;
            r->summary_out = optarg;
            break;
        case 'P':
            r->policy_name = optarg;
            break;
        case 'L': {
            const char **p = realloc(r->plugins, (r->n_plugins + 1) * sizeof *p);
            if (!p)
                return EX_SOFTWARE;
            r->plugins = p;
            r->plugins[r->n_plugins++] = optarg;
            break;
        }
        case 'E':
            r->exec_spec = optarg;
            break;
        case 'R': {
            if ((status = cpn_exec_option_check("run", "--policy-param", optarg, NULL)) != 0)
                return status;
            const char **p = realloc(r->exec_params, (r->n_exec_params + 1) * sizeof *p);
            if (!p)
                return EX_SOFTWARE;
            r->exec_params = p;
            r->exec_params[r->n_exec_params++] = optarg; /* argv stays whole: it is provenance */
            break;
        }
        case 'W':
            if ((status = cpn_exec_option_check("run", "--policy-timeout", optarg,
                                                &r->exec_timeout)) != 0)
                return status;
            r->exec_timeout_given = 1;
            break;
        case 'T':
            if (cpn_trace_level_parse(optarg, &r->level) != CPN_OK)
                return cpn_cli_usage_error("run",
                                           "--trace-level \"%s\" is not a level (use summary, "
                                           "jobs, flows or full)",
                                           optarg);
            break;
        case 'f':
            r->force = 1;
            break;
        case 'h':
            printf("usage: cpnsim run [SCENARIO.xml] [options] (see 'cpnsim help run')\n");
            return -1;
        default:
            return cpn_cli_option_error("run", argv, "ho:", options);
        }
    }
    if (argc - optind > 1)
        return cpn_cli_usage_error("run", "one scenario file at most (got %d)", argc - optind);
    if ((r->n_exec_params || r->exec_timeout_given) && !r->exec_spec)
        return cpn_cli_usage_error("run", "--policy-param and --policy-timeout go with "
                                          "--policy-exec");
    const char *extra[] = {r->seed_target, r->until_target};
    const char *origin[] = {r->seed_origin, r->until_origin};
    for (size_t i = 0; i < 2; i++) {
        if (extra[i] && (status = add_override("run", extra[i], &r->ov)) != 0)
            return status;
        if (extra[i]) /* (messages name the option the user typed) */
            r->ov.items[r->ov.len - 1].origin = origin[i];
    }
    return 0;
}

/* The output options, in the order of enum outs. */
static const char *const out_options[N_OUTS] = {"-o", "--flows-out", "--summary-out"};

static void run_outputs(const struct run *r, const char *outs[N_OUTS])
{
    outs[OUT_TRACE] = r->output;
    outs[OUT_FLOWS] = r->flows_out;
    outs[OUT_SUMMARY] = r->summary_out;
}

/* Before the run: each output may be written (cpn_output_check(): a regular file only with
 * --force; the text outputs also to a character device or FIFO), and no two name the same file
 * (one would overwrite the other's result).  Returns 0, or the exit status (73 for an output that
 * may not be written, 64 for two options naming one file) after the message. */
static int check_outputs(struct run *r)
{
    const char *outs[N_OUTS];
    run_outputs(r, outs);
    for (int i = 0; i < N_OUTS; i++)
        if (outs[i] &&
            cpn_output_check(outs[i], r->force, i != OUT_TRACE, &r->out_stream[i]) != CPN_OK) {
            fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
            return EX_CANTCREAT;
        }
    /* A text output's NAME.partial, left by a run that did not reach its end, is replaced only
     * with --force, as the trace's (output/trace.h). */
    for (int i = OUT_FLOWS; i < N_OUTS; i++) {
        if (!outs[i] || r->out_stream[i])
            continue;
        if (asprintf(&r->out_partial[i], "%s.partial", outs[i]) < 0) {
            r->out_partial[i] = NULL;
            fprintf(stderr, "cpnsim: out of memory\n");
            return EX_SOFTWARE;
        }
        if (!r->force && access(r->out_partial[i], F_OK) == 0) {
            fprintf(stderr,
                    "cpnsim: %s: exists, left by a run that did not reach its end; use --force "
                    "to replace it\n",
                    r->out_partial[i]);
            return EX_CANTCREAT;
        }
    }
    for (int i = 0; i < N_OUTS; i++)
        for (int j = i + 1; j < N_OUTS; j++)
            if (outs[i] && outs[j] && !r->out_stream[i] && !r->out_stream[j] &&
                cpn_output_same(outs[i], outs[j]))
                return cpn_cli_usage_error("run",
                                           "%s %s and %s %s are the same file (one result would "
                                           "overwrite the other: give each its own name)",
                                           out_options[i], outs[i], out_options[j], outs[j]);
    return 0;
}

/* After the load: no output is one of the files the run reads (the scenario, its includes, flow
 * files, workload logs, GraphML), which --force would replace with a result.  Returns 0, or 64
 * after the message. */
static int check_inputs(struct run *r)
{
    const char *outs[N_OUTS];
    run_outputs(r, outs);
    for (int i = 0; i < N_OUTS; i++)
        for (size_t k = 0; outs[i] && !r->out_stream[i] && k < r->scen->files.len; k++)
            if (cpn_output_same(outs[i], r->scen->files.items[k]))
                return cpn_cli_usage_error("run",
                                           "%s %s names a file this run reads (%s): give the "
                                           "output another name",
                                           out_options[i], outs[i], r->scen->files.items[k]);
    return 0;
}

int cpn_cmd_run(struct cpn_cli *cli, int argc, char **argv)
{
    struct run run = {.level = CPN_TRACE_FLOWS}, *r = &run;
    double t_start = cpn_wall_seconds(); /* the measurements: docs/output-format.md, "Provenance" */
    int status = parse_run_options(r, argc, argv), rc = CPN_OK;
    if (status) {
        status = status < 0 ? 0 : status;
        goto done;
    }
    const char *file = optind < argc ? argv[optind] : NULL;
    /* Refuse to replace the user's files before spending time on the run. */
    if ((status = check_outputs(r)) != 0)
        goto done;
    if ((rc = cpn_summary_new(&r->summary)) != CPN_OK)
        goto fail;
    /* Plug-ins are loaded from the command line only, never from a scenario file. */
    if (!(r->registry = cpn_policy_registry_new())) {
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
        goto fail;
    }
    for (size_t i = 0; i < r->n_plugins; i++)
        if ((rc = cpn_policy_registry_load(r->registry, r->plugins[i])) != CPN_OK) {
            fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
            status = cpn_exit_code(rc);
            goto done;
        }
    /* An external policy process (only from the command line): its table is registered under
     * its name, and chosen when no --policy names another. */
    if (r->exec_spec) {
        char origin[4200];
        if ((rc = cpn_exec_policy_new(r->exec_spec, r->exec_timeout, &r->exec)) != CPN_OK) {
            status = cpn_cli_usage_error("run", "--policy-exec %s", cpn_error_message());
            goto done;
        }
        snprintf(origin, sizeof origin, "--policy-exec %s", r->exec_spec);
        if ((rc = cpn_policy_registry_add(r->registry, cpn_exec_policy_ops(r->exec), origin)) !=
            CPN_OK) {
            status = cpn_cli_usage_error("run", "%s", cpn_error_message());
            goto done;
        }
        if (!r->policy_name)
            r->policy_name = cpn_exec_policy_name(r->exec);
    }
    if (r->policy_name && !cpn_policy_find(r->registry, r->policy_name)) {
        status = cpn_cli_usage_error(
            "run", "--policy \"%s\" is not a policy ('cpnsim policies' lists them)",
            r->policy_name);
        goto done;
    }
    if ((rc = load_one(file, &r->ov, r->registry, 0, &r->scen)) != CPN_OK) {
        status = cpn_exit_code(rc);
        goto done;
    }
    if ((status = check_inputs(r)) != 0)
        goto done;
    if (r->flows_out && cpn_scen_flow_count(r->scen) == 0)
        fprintf(stderr,
                "cpnsim: run: warning: --flows-out %s lists the flows of <traffic>, and this "
                "scenario has none: it will hold only its header (the flows that jobs start are "
                "in the trace's /flows table: -o FILE.h5)\n",
                r->flows_out);
    if (r->output) {
        /* Only now, with a valid scenario, is anything created on disk.  The trace writer's
         * open is the program's first HDF5 call (output/trace.h). */
        struct cpn_trace_options topt = {.path = r->output,
                                         .level = r->level,
                                         .force = r->force,
                                         .deflate = -1,
                                         .summary = r->summary,
                                         .hdf5_debug =
                                             cli->log_spec && strstr(cli->log_spec, "hdf5:debug")};
        if ((rc = cpn_trace_open(&topt, &r->trace)) != CPN_OK) {
            fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
            status = cpn_exit_code(rc);
            goto done;
        }
    }
    if (!(r->eng = cpn_engine_new()) || !(r->rng = cpn_rng_new(r->scen->seed))) {
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
        goto fail;
    }
    for (size_t i = 0; i < r->scen->headlines.len; i++) {
        const struct cpn_scen_headline *h = &r->scen->headlines.items[i];
        if ((rc = cpn_summary_add_headline(r->summary, h->id, h->metric, h->scale, h->flows,
                                           h->n_flows, h->per)) != CPN_OK)
            goto fail;
    }
    if (cli->log_spec)
        cpn_log_parse(cpn_engine_log(r->eng), cli->log_spec); /* already checked by main */
    /* One observer for the models: the trace (which forwards every record to the summary), or
     * the summary alone. */
    if (r->trace)
        cpn_trace_observer(r->trace, &r->obs);
    else
        cpn_summary_observer(r->summary, &r->obs);
    struct cpn_run_info info;
    cpn_diag_init(&r->stream_diag, stderr); /* streamed files' rows that changed */
    if ((rc = build_network(r)) != CPN_OK || (rc = build_jobs(r)) != CPN_OK ||
        (rc = build_traffic(r)) != CPN_OK || (rc = fill_run_info(r, argc, argv, &info)) != CPN_OK ||
        (rc = cpn_observe_begin(&r->obs, &info)) != CPN_OK ||
        (rc = cpn_jobs_start(r->jobs)) != CPN_OK)
        goto fail;
    /* The scenario's <timeline>: changes at their times, random failures (models/dynamics/). */
    if ((r->scen->changes.len || r->scen->failures.len) &&
        (rc = cpn_links_new(r->eng, r->net, r->scen->topo, &r->obs, &r->link_states)) != CPN_OK)
        goto fail;
    if (r->link_states)
        cpn_links_notify(r->link_states, r->jobs);
    if (r->link_states && r->scen->spans.len) { /* the spans' names, for events and streams */
        if (!(r->span_names = malloc(r->scen->spans.len * sizeof *r->span_names))) {
            rc = CPN_ERROR(CPN_ENOMEM, NULL);
            goto fail;
        }
        for (size_t i = 0; i < r->scen->spans.len; i++)
            r->span_names[i] = r->scen->spans.items[i].id;
        if ((rc = cpn_links_set_span_names(r->link_states, (const char *const *)r->span_names,
                                           (uint32_t)r->scen->spans.len)) != CPN_OK)
            goto fail;
    }
    if (r->scen->changes.len &&
        ((rc = cpn_timeline_new(r->eng, r->link_states, r->jobs, &r->obs, r->scen->changes.items,
                                r->scen->changes.len, &r->timeline)) != CPN_OK ||
         (rc = cpn_timeline_start(r->timeline)) != CPN_OK))
        goto fail;
    if (r->scen->failures.len && (rc = build_failures(r)) != CPN_OK)
        goto fail;

    /* --flows-out is formatted on another core while the run goes on, where it can be. */
    if (r->flows_out) {
        r->flows_writer = cpn_flows_out_begin(r->scen, r->flows_out, r->force, r->traffic);
        CPN_LOG(cpn_engine_log(r->eng), CPN_LOG_INFO, "flows_out", "%s: written %s", r->flows_out,
                r->flows_writer ? "during the run, on a thread of its own" : "after the run");
    }
    running_engine = r->eng;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int show = !cli->quiet && isatty(STDERR_FILENO);
    double t_engine = cpn_wall_seconds();
    /* The statistics window (docs/metrics.md, "Window"): it opens at the warmup and closes at
     * until, or when the workload has ended if that is earlier or until is a replay's span
     * (the jobs layer closes it then). */
    if (r->scen->warmup > 0)
        rc = run_with_progress(r->eng, r->scen->warmup, show);
    if (rc == CPN_OK)
        rc = cpn_jobs_window(r->jobs, 0);
    if (rc == CPN_OK)
        rc = run_with_progress(r->eng, r->scen->until, show);
    if (rc == CPN_OK && !r->scen->until_is_span)
        rc = cpn_jobs_window(r->jobs, 1);
    /* The drain: on after until until every job that arrived has ended (the jobs layer stops
     * the engine then), for at most `drain`; the run then ends when the last job ended. */
    if (rc == CPN_OK && r->scen->drain > 0 && !cpn_jobs_drain(r->jobs)) {
        rc = run_with_progress(r->eng, r->scen->until + r->scen->drain, show);
        if (rc == CPN_EINTERRUPT && !caught_signal && cpn_jobs_drained(r->jobs))
            rc = CPN_OK;
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    running_engine = NULL;
    struct rusage ru;
    double t_end = cpn_wall_seconds();
    struct cpn_jobs_stats jst;
    cpn_jobs_stats(r->jobs, &jst);
    struct cpn_run_measures m = {
        .placement_time = jst.placement_time,
        .wall_time = t_end - t_start,
        .engine_time = t_end - t_engine,
        .events = cpn_engine_events(r->eng),
        /* Linux reports ru_maxrss in KiB. */
        .peak_memory = getrusage(RUSAGE_SELF, &ru) == 0 ? 1024.0 * (double)ru.ru_maxrss : NAN,
    };
    if (r->trace)
        cpn_trace_set_measures(r->trace, &m);
    if (rc == CPN_OK && r->exec && r->policy) /* an event or tick the process did not take */
        rc = cpn_exec_policy_check(r->exec);
    if (rc != CPN_OK && rc != CPN_EINTERRUPT)
        fprintf(stderr, "cpnsim: %s: %s\n", r->scen->file, cpn_error_message());
    int rc_end = cpn_jobs_finish(r->jobs, rc == CPN_OK); /* totals, then the observer's end() */
    if (rc == CPN_OK && rc_end == CPN_OK)
        warn_missing_headlines(r);
    if (rc == CPN_OK && rc_end == CPN_OK && r->exec && r->policy) {
        /* The bye, with the summary; the process must then exit 0 (the results stand). */
        const struct cpn_metric *rows = NULL;
        size_t nrows = 0;
        if (cpn_summary_metrics(r->summary, &rows, &nrows) != CPN_OK)
            nrows = 0;
        if ((rc_end = cpn_exec_policy_finish(r->exec, cpn_engine_now(r->eng), rows, nrows)) !=
            CPN_OK)
            fprintf(stderr, "cpnsim: %s: %s\n", r->scen->file, cpn_error_message());
        status = rc_end == CPN_OK ? status : cpn_exit_code(rc_end);
        rc_end = CPN_OK; /* reported */
    }
    if (rc_end != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        status = cpn_exit_code(rc_end);
    }
    if (!cli->quiet) {
        struct cpn_jobs_stats js;
        cpn_jobs_stats(r->jobs, &js);
        /* Flows: those the scenario gives, those the jobs started, and every flow that
         * finished (the population of net.flows, docs/metrics.md). */
        printf("%s: t = %g s, %llu events; jobs: %llu submitted, %llu done, %llu rejected; "
               "flows: %zu given, %llu started by jobs, %.0f finished\n",
               r->scen->file, cpn_engine_now(r->eng), (unsigned long long)cpn_engine_events(r->eng),
               (unsigned long long)js.submitted, (unsigned long long)js.done,
               (unsigned long long)js.rejected, cpn_scen_flow_count(r->scen),
               (unsigned long long)js.flows, cpn_summary_value(r->summary, "net.flows"));
        if (r->summary_full)
            cpn_summary_print(r->summary, stdout);
        else
            cpn_summary_print_grouped(r->summary, stdout);
        if (r->trace)
            printf("trace: %s\n", cpn_trace_path(r->trace));
        if (r->exec && r->policy) { /* the external policy's share of the placement time */
            uint64_t msgs, dec = cpn_exec_policy_decisions(r->exec, &msgs);
            printf("policy %s: %llu decisions (%llu messages) in %.3f s of placement: %.0f "
                   "decisions/s\n",
                   cpn_exec_policy_name(r->exec), (unsigned long long)dec, (unsigned long long)msgs,
                   m.placement_time, m.placement_time > 0 ? (double)dec / m.placement_time : NAN);
        }
        /* Measurements, not results (not in the summary's rows: those stay bit-identical). */
        printf("run: %.3f s (load %.3f s, simulation %.3f s: %.4g events/s; placement %.3f s), "
               "peak memory %.1f MB\n",
               m.wall_time, m.wall_time - m.engine_time, m.engine_time,
               m.engine_time > 0 ? (double)m.events / m.engine_time : NAN, m.placement_time,
               m.peak_memory / 1e6);
    }
    /* A run that did not reach its end keeps its text outputs as NAME.partial, as its trace:
     * no result is under its final name unless it is complete (a device or FIFO, which has no
     * NAME.partial, takes them as they are). */
    int partial = rc != CPN_OK;
    const char *summary_path = r->summary_out, *flows_path = r->flows_out;
    if (partial && r->out_partial[OUT_SUMMARY])
        summary_path = r->out_partial[OUT_SUMMARY];
    if (partial && r->out_partial[OUT_FLOWS])
        flows_path = r->out_partial[OUT_FLOWS];
    int summary_kept = 0, flows_kept = 0; /* written as NAME.partial */
    if (r->summary_out && (rc_end = cpn_summary_write_tsv(r->summary, summary_path)) != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        status = cpn_exit_code(rc_end);
    } else if (r->summary_out) {
        summary_kept = summary_path == r->out_partial[OUT_SUMMARY];
    }
    if (r->flows_out) {
        size_t ns = r->scen->flowfiles.len;
        int *failed = calloc(ns ? ns : 1, sizeof *failed), st;
        if (!failed) {
            fprintf(stderr, "cpnsim: out of memory writing %s\n", r->flows_out);
            st = EX_SOFTWARE;
        } else {
            for (size_t k = 0; r->streams && k < ns; k++)
                failed[k] = r->streams[k].failed;
            struct cpn_flows_out *fw = r->flows_writer;
            r->flows_writer = NULL;
            if (fw && !partial) {
                st = cpn_flows_out_end(fw, &r->stream_diag, flows_path, r->force, r->traffic,
                                       failed);
            } else {
                cpn_flows_out_cancel(fw);
                st = cpn_flows_out_write(r->scen, &r->stream_diag, flows_path, r->force || partial,
                                         r->traffic, failed);
            }
        }
        free(failed);
        if (st)
            status = st;
        flows_kept = !st && flows_path == r->out_partial[OUT_FLOWS];
    }
    if (rc == CPN_EINTERRUPT) {
        fprintf(stderr, "cpnsim: interrupted at t = %g s%s%s\n", cpn_engine_now(r->eng),
                r->trace ? "; partial trace kept in " : "",
                r->trace ? cpn_trace_path(r->trace) : "");
        status = caught_signal == SIGTERM ? 128 + SIGTERM : 128 + SIGINT;
    } else if (rc != CPN_OK && !status) {
        status = cpn_exit_code(rc);
    }
    /* A complete run's outputs replace what an earlier run left as NAME.partial (there only
     * with --force: check_outputs()). */
    for (int i = OUT_FLOWS; i < N_OUTS && !partial; i++)
        if (r->out_partial[i])
            unlink(r->out_partial[i]);
    if (summary_kept || flows_kept)
        fprintf(stderr, "cpnsim: the run did not reach its end: its outputs are kept as %s%s%s\n",
                summary_kept ? summary_path : "", summary_kept && flows_kept ? " and " : "",
                flows_kept ? flows_path : "");
    goto done;
fail:
    fprintf(stderr, "cpnsim: %s: %s\n", r->scen ? r->scen->file : "run", cpn_error_message());
    status = cpn_exit_code(rc);
done:
    run_release(r);
    return status;
}
