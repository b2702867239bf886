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
#include <unistd.h>

#include "models/network.h"
#include "models/observer.h"
#include "models/traffic.h"
#include "output/summary.h"
#include "output/trace.h"
#include "scenarios/load.h"
#include "sim/engine.h"
#include "sim/array.h"
#include "sim/cpnsim.h"
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
        return cpn_cli_usage_error(command, "--set '%s': expected TARGET=VALUE, e.g. "
                                   "--set link/sh-nx@capacity=400Gbps", arg);
    /* The target is copied up to its '=' (the first one outside brackets and quotes, so XPath
     * predicates stay whole); the value points into argv, which lives as long as main. */
    char *target = strndup(arg, n);
    if (!target)
        return 70;
    struct cpn_override o = {.target = target, .value = arg + n + 1, .origin = NULL};
    if (cpn_array_push(ov, o) != CPN_OK) {
        free(target);
        return 70;
    }
    return 0;
}

static void free_overrides(struct override_list *ov)
{
    for (size_t i = 0; i < ov->len; i++)
        free((char *)ov->items[i].target);
    cpn_array_release(ov);
}

int cpn_cmd_validate(struct cpn_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"set", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct override_list ov = {0};
    int c, status = 0;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 's') {
            if ((status = add_override("validate", optarg, &ov)) != 0)
                goto done;
        } else if (c == 'h') {
            printf("usage: cpnsim validate SCENARIO.xml... [--set TARGET=VALUE ...]\n");
            goto done;
        } else {
            status = cpn_cli_usage_error("validate", "unknown option");
            goto done;
        }
    }
    if (optind >= argc) {
        status = cpn_cli_usage_error("validate", "no scenario file given");
        goto done;
    }
    struct cpn_scen_options opt = {.overrides = ov.items, .n_overrides = ov.len};
    for (int i = optind; i < argc; i++) {
        struct cpn_diag diag;
        cpn_diag_init(&diag, stderr);
        struct cpn_scenario *scen = NULL;
        int rc = cpn_scen_load(argv[i], &opt, &diag, &scen);
        cpn_diag_flush(&diag);
        cpn_scen_free(scen);
        if (rc != CPN_OK) {
            if (diag.errors == 0) /* not a located error: say what happened */
                fprintf(stderr, "cpnsim: %s: %s\n", argv[i], cpn_error_message());
            int ex = cpn_exit_code(rc);
            if (ex > status)
                status = ex;
        } else if (!cli->quiet) {
            printf("%s: valid\n", argv[i]);
        }
    }
done:
    free_overrides(&ov);
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

/* Create FILE for writing without ever replacing an existing file unless @p force. */
static FILE *open_output(const char *path, int force, int *status)
{
    if (!force && access(path, F_OK) == 0) {
        fprintf(stderr, "cpnsim: %s: already exists (use --force to overwrite it)\n", path);
        *status = 73;
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cpnsim: %s: cannot create: %s\n", path, strerror(errno));
        *status = 73;
    }
    return f;
}

/* Write --flows-out: id,src,dst,bytes,start_time,finish_time in input order; times %.17g so
 * they round-trip; a flow that did not finish has an empty finish_time. */
static int write_flows_csv(const char *path, int force, const struct cpn_scenario *scen,
                           const struct cpn_traffic *traffic)
{
    int status = 0;
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.partial", path) < 0)
        return 70;
    if (!force && access(path, F_OK) == 0) {
        fprintf(stderr, "cpnsim: %s: already exists (use --force to overwrite it)\n", path);
        free(tmp);
        return 73;
    }
    FILE *f = open_output(tmp, 1, &status);
    if (!f) {
        free(tmp);
        return status;
    }
    fprintf(f, "id,src,dst,bytes,start_time,finish_time\n");
    for (size_t i = 0; i < scen->flows.len; i++) {
        const struct cpn_scen_flow *fl = &scen->flows.items[i];
        double fin = cpn_traffic_finish(traffic, i);
        fprintf(f, "%s,%s,%s,%.17g,%.17g,", fl->id, cpn_topo_node(scen->topo, fl->src)->id,
                cpn_topo_node(scen->topo, fl->dst)->id, fl->size, fl->start);
        if (!isnan(fin))
            fprintf(f, "%.17g", fin);
        fputc('\n', f);
    }
    if (ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0) {
        fprintf(stderr, "cpnsim: %s: write failed: %s\n", path, strerror(errno));
        unlink(tmp);
        status = 74;
    }
    free(tmp);
    return status;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Run the engine to @p until in slices, printing a progress line on a terminal. */
static int run_with_progress(struct cpn_engine *eng, double until, int show)
{
    const int slices = 200;
    double t0 = wall_seconds(), last = t0, start = cpn_engine_now(eng);
    if (!show || !isfinite(until))
        return cpn_engine_run(eng, until);
    for (int k = 1; k <= slices; k++) {
        double t = k == slices ? until : start + (until - start) * k / slices;
        int rc = cpn_engine_run(eng, t);
        if (rc != CPN_OK)
            return rc;
        double now = wall_seconds();
        if (now - last >= 0.25 || k == slices) {
            double frac = (t - start) / (until - start);
            double eta = frac > 0 ? (now - t0) * (1 - frac) / frac : 0;
            fprintf(stderr, "\r  t = %12.1f s  %5.1f%%  %8.3g events/s  ETA %6.1f s ", t, 100 * frac,
                    (double)cpn_engine_events(eng) / fmax(now - t0, 1e-9), eta);
            last = now;
        }
        if (cpn_engine_pending(eng) == 0)
            break;
    }
    fputc('\n', stderr);
    return CPN_OK;
}

static int load_one(const char *file, const struct override_list *ov, struct cpn_scenario **scen)
{
    struct cpn_diag diag;
    cpn_diag_init(&diag, stderr);
    struct cpn_scen_options opt = {.overrides = ov->items, .n_overrides = ov->len};
    int rc = file ? cpn_scen_load(file, &opt, &diag, scen)
                  : cpn_scen_load_memory("(default scenario)", (const char *)cpn_default_scenario,
                                         cpn_default_scenario_len, &opt, &diag, scen);
    cpn_diag_flush(&diag);
    if (rc != CPN_OK && diag.errors == 0)
        fprintf(stderr, "cpnsim: %s: %s\n", file ? file : "(default scenario)", cpn_error_message());
    return rc;
}

/* The static tables of a run (nodes, links) for the observer's begin(). */
struct run_tables {
    struct cpn_run_node *nodes;
    struct cpn_run_link *links;
    char **overrides; /* "TARGET=VALUE" */
    size_t n_overrides;
    char *command_line;
    char wall_clock[32];
};

static int fill_run_info(const struct cpn_scenario *scen, const struct override_list *ov,
                         int argc, char **argv, struct run_tables *tab, struct cpn_run_info *info)
{
    tab->overrides = calloc(ov->len + 1, sizeof *tab->overrides);
    if (!tab->overrides)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (size_t i = 0; i < ov->len; i++, tab->n_overrides++)
        if (asprintf(&tab->overrides[i], "%s=%s", ov->items[i].target, ov->items[i].value) < 0) {
            tab->overrides[i] = NULL;
            return CPN_ERROR(CPN_ENOMEM, NULL);
        }
    uint32_t nn = cpn_topo_node_count(scen->topo), nl = cpn_topo_link_count(scen->topo);
    tab->nodes = calloc(nn ? nn : 1, sizeof *tab->nodes);
    tab->links = calloc(nl ? nl : 1, sizeof *tab->links);
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    tab->command_line = calloc(len + 7, 1);
    if (!tab->nodes || !tab->links || !tab->command_line)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    strcpy(tab->command_line, "cpnsim");
    for (int i = 0; i < argc; i++) {
        strcat(tab->command_line, " ");
        strcat(tab->command_line, argv[i]);
    }
    for (uint32_t i = 0; i < nn; i++) {
        const struct cpn_node *n = cpn_topo_node(scen->topo, i);
        tab->nodes[i] = (struct cpn_run_node){.id = n->id, .lat = n->lat, .lon = n->lon};
    }
    for (uint32_t i = 0; i < nl; i++) {
        const struct cpn_link *l = cpn_topo_link(scen->topo, i);
        tab->links[i] = (struct cpn_run_link){.id = l->id, .kind = cpn_link_kind_name(l->kind),
                                              .a = l->a, .b = l->b, .capacity = l->capacity,
                                              .latency = l->latency};
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(tab->wall_clock, sizeof tab->wall_clock, "%Y-%m-%dT%H:%M:%SZ", &tm);
    *info = (struct cpn_run_info){
        .program_version = PACKAGE_VERSION,
        .scenario_path = scen->file,
        .scenario_text = scen->text,
        .scenario_length = scen->text_len,
        .seed = scen->seed,
        .policy = "none",
        .awareness = "oracle",
        .overrides = (const char *const *)tab->overrides,
        .n_overrides = tab->n_overrides,
        .command_line = tab->command_line,
        .wall_clock_start = tab->wall_clock,
        .sample_interval = scen->sample,
        .until = scen->until,
        .nodes = tab->nodes,
        .n_nodes = nn,
        .links = tab->links,
        .n_links = nl,
    };
    return CPN_OK;
}

static void release_run_tables(struct run_tables *tab)
{
    free(tab->nodes);
    free(tab->links);
    free(tab->command_line);
    for (size_t i = 0; i < tab->n_overrides; i++)
        free(tab->overrides[i]);
    free(tab->overrides);
}

int cpn_cmd_run(struct cpn_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"set", required_argument, NULL, 's'},         {"seed", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},       {"flows-out", required_argument, NULL, 'F'},
        {"output", required_argument, NULL, 'o'},      {"trace-level", required_argument, NULL, 'T'},
        {"summary-out", required_argument, NULL, 'M'}, {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0},
    };
    struct override_list ov = {0};
    const char *flows_out = NULL, *output = NULL, *summary_out = NULL;
    enum cpn_trace_level level = CPN_TRACE_FLOWS;
    char *seed_target = NULL, *until_target = NULL;
    int force = 0, c, status = 0;
    struct cpn_scenario *scen = NULL;
    struct cpn_engine *eng = NULL;
    struct cpn_network *net = NULL;
    struct cpn_traffic *traffic = NULL;
    struct cpn_summary *summary = NULL;
    struct cpn_trace *trace = NULL;
    struct cpn_traffic_flow *flows = NULL;
    double *link_util = NULL;
    struct run_tables tables = {0};
    while ((c = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (c) {
        case 's':
            if ((status = add_override("run", optarg, &ov)) != 0)
                goto done;
            break;
        case 'S':
        case 'U': {
            /* --seed and --until are overrides of <simulation>, checked like the file. */
            char *item = NULL;
            if (asprintf(&item, "simulation@%s=%s", c == 'S' ? "seed" : "until", optarg) < 0) {
                status = 70;
                goto done;
            }
            free(c == 'S' ? seed_target : until_target);
            *(c == 'S' ? &seed_target : &until_target) = item;
            break;
        }
        case 'F': flows_out = optarg; break;
        case 'o': output = optarg; break;
        case 'M': summary_out = optarg; break;
        case 'T':
            if (cpn_trace_level_parse(optarg, &level) != CPN_OK) {
                status = cpn_cli_usage_error("run", "--trace-level %s: use summary, jobs, flows or "
                                             "full", optarg);
                goto done;
            }
            break;
        case 'f': force = 1; break;
        case 'h':
            printf("usage: cpnsim run [SCENARIO.xml] [options] (see 'cpnsim help run')\n");
            goto done;
        default: status = cpn_cli_usage_error("run", "unknown option"); goto done;
        }
    }
    if (argc - optind > 1) {
        status = cpn_cli_usage_error("run", "one scenario file at most (got %d)", argc - optind);
        goto done;
    }
    for (char **p = (char *[]){seed_target, until_target, NULL}; *p; p++)
        if ((status = add_override("run", *p, &ov)) != 0)
            goto done;
    const char *file = optind < argc ? argv[optind] : NULL;
    /* Refuse to replace the user's files before spending time on the run. */
    for (const char **p = (const char *[]){flows_out, summary_out, NULL}; *p; p++)
        if (!force && access(*p, F_OK) == 0) {
            fprintf(stderr, "cpnsim: %s: already exists (use --force to overwrite it)\n", *p);
            status = 73;
            goto done;
        }
    int rc;
    if (output) {
        /* The trace writer's open is the program's first HDF5 call (output/trace.h). */
        if ((rc = cpn_summary_new(&summary)) != CPN_OK)
            goto fail;
        struct cpn_trace_options topt = {.path = output, .level = level, .force = force,
                                         .deflate = -1, .summary = summary};
        if ((rc = cpn_trace_open(&topt, &trace)) != CPN_OK) {
            fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
            status = cpn_exit_code(rc);
            goto done;
        }
    }
    rc = load_one(file, &ov, &scen);
    if (rc != CPN_OK) {
        status = cpn_exit_code(rc);
        goto done;
    }

    if (!(eng = cpn_engine_new())) {
        status = 70;
        goto done;
    }
    if (cli->log_spec)
        cpn_log_parse(cpn_engine_log(eng), cli->log_spec); /* already checked by main */
    if ((rc = cpn_network_new(eng, scen->topo, scen->router, &net)) != CPN_OK)
        goto fail;
    if (!summary && (rc = cpn_summary_new(&summary)) != CPN_OK)
        goto fail;
    /* One observer for the models: the trace (which forwards every record to the summary), or
     * the summary alone. */
    struct cpn_observer obs;
    if (trace)
        cpn_trace_observer(trace, &obs);
    else
        cpn_summary_observer(summary, &obs);

    size_t n = scen->flows.len;
    flows = calloc(n ? n : 1, sizeof *flows);
    if (!flows) {
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const struct cpn_scen_flow *f = &scen->flows.items[i];
        enum cpn_transport_kind kind = CPN_TRANSPORT_IDEAL;
        cpn_transport_kind_parse(f->profile, &kind); /* the loader accepted the name */
        flows[i] = (struct cpn_traffic_flow){
            .src = f->src,
            .dst = f->dst,
            .size = f->size,
            .start = f->start,
            .path = f->path == CPN_NONE ? NULL : scen->paths.items[f->path].route,
            .profile = kind,
            .weight = f->weight,
        };
    }
    if ((rc = cpn_traffic_new(eng, net, &obs, flows, n, &traffic)) != CPN_OK)
        goto fail;

    struct cpn_run_info info;
    if ((rc = fill_run_info(scen, &ov, argc, argv, &tables, &info)) != CPN_OK ||
        (rc = cpn_observe_begin(&obs, &info)) != CPN_OK)
        goto fail;

    running_engine = eng;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int show = !cli->quiet && isatty(STDERR_FILENO);
    rc = run_with_progress(eng, scen->until, show);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    running_engine = NULL;
    int complete = rc == CPN_OK;
    if (rc != CPN_OK && rc != CPN_EINTERRUPT)
        fprintf(stderr, "cpnsim: %s: %s\n", scen->file, cpn_error_message());

    size_t n_dirs = cpn_network_dlinks(net);
    if (!(link_util = calloc(n_dirs ? n_dirs : 1, sizeof *link_util))) {
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
        goto fail;
    }
    cpn_network_totals(net, link_util, NULL, NULL);
    struct cpn_run_totals totals = {.time_end = cpn_engine_now(eng),
                                    .events = cpn_engine_events(eng),
                                    .link_util = link_util,
                                    .n_link_dirs = n_dirs};
    int rc_end = cpn_observe_end(&obs, complete, &totals);
    if (rc_end != CPN_OK) {
        fprintf(stderr, "cpnsim: %s\n", cpn_error_message());
        status = cpn_exit_code(rc_end);
    }

    if (!cli->quiet) {
        printf("%s: %zu flows, %zu finished by t = %g s; makespan %.9g s; %llu events\n",
               scen->file, n, cpn_traffic_finished(traffic), cpn_engine_now(eng),
               cpn_traffic_makespan(traffic), (unsigned long long)cpn_engine_events(eng));
        cpn_summary_print(summary, stdout);
        if (trace)
            printf("trace: %s\n", cpn_trace_path(trace));
    }
    if (summary_out && cpn_summary_write_tsv(summary, summary_out) != CPN_OK) {
        fprintf(stderr, "cpnsim: %s: %s\n", summary_out, cpn_error_message());
        status = 74;
    }
    if (flows_out) {
        int st = write_flows_csv(flows_out, force, scen, traffic);
        if (st)
            status = st;
    }
    if (rc == CPN_EINTERRUPT) {
        fprintf(stderr, "cpnsim: interrupted at t = %g s%s%s\n", cpn_engine_now(eng),
                trace ? "; partial trace kept in " : "", trace ? cpn_trace_path(trace) : "");
        status = caught_signal == SIGTERM ? 143 : 130;
    } else if (rc != CPN_OK && !status) {
        status = cpn_exit_code(rc);
    }
    goto done;
fail:
    fprintf(stderr, "cpnsim: %s: %s\n", scen ? scen->file : "run", cpn_error_message());
    status = cpn_exit_code(rc);
done:
    cpn_trace_free(trace); /* after end(): closes; without end(): keeps PATH.partial, complete=0 */
    cpn_traffic_free(traffic);
    free(flows);
    free(link_util);
    release_run_tables(&tables);
    cpn_summary_free(summary);
    cpn_network_free(net);
    cpn_engine_free(eng);
    cpn_scen_free(scen);
    free(seed_target);
    free(until_target);
    free_overrides(&ov);
    return status;
}
