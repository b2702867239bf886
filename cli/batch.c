/*
 * `cpnsim batch EXPERIMENT.xml [-j N] [-o DIR]`: run the cross product of an experiment in N
 * parallel processes, one HDF5 result per run under DIR with a deterministic name, skipping runs
 * whose result is already complete (an interrupted batch resumes), then print the report table.
 *
 * Each run is a child process `cpnsim --quiet run SCENARIO --seed S [--policy P] [--set T=V]...
 * -o DIR/NAME.h5 --force` whose output goes to DIR/NAME.log.  A result file exists under its
 * final name only when its run completed (output/trace.h writes NAME.h5.partial until then); a
 * run is done when its NAME.h5 verifies (cpn_result_verify) and records this run's definition
 * (cpn_result_matches); a result of another definition stops the batch before any run unless
 * `batch --force`.  The child's --force only clears a stale NAME.h5.partial (or replaces a
 * result the batch decided to rerun).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output/report.h"
#include "output/trace.h"
#include "models/policy.h"
#include "scenarios/experiment.h"
#include "scenarios/load.h"
#include "cli/batch.h"
#include "cli/cli.h"
#include "cli/policy_exec.h"
#include "sim/array.h"
#include "sim/diag.h"
#include "sim/error.h"
#include "sim/idmap.h"

/* Create DIR and its parents (mkdir -p). */
static int make_dirs(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return errno;
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return errno;
    struct stat st; /* (EEXIST: something is there, maybe a file) */
    if (stat(buf, &st) != 0)
        return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

struct child {
    pid_t pid;
    size_t run;
};

static volatile sig_atomic_t batch_interrupted;

static void on_batch_signal(int sig)
{
    batch_interrupted = sig;
}

/* Setting @p k of run @p r from the experiment, in the order the run gets them: the
 * experiment's <set>s, then the run's own (swept values, a row's or a series' settings); NULL
 * past them (the command line's --set come next). */
static const struct cpn_exp_setting *run_setting(const struct cpn_experiment *e,
                                                 const struct cpn_exp_run *r, size_t k)
{
    return k < e->n_sets                ? &e->sets[k]
           : k < e->n_sets + r->n_sweep ? &r->sweep[k - e->n_sets]
                                        : NULL;
}

/* The --set overrides of run @p r, "TARGET=VALUE" in the order the run gets them
 * (run_setting(), then the command line's --set).  Returns a malloc'd array of *n malloc'd
 * strings, or NULL when out of memory. */
static char **run_overrides(const struct cpn_experiment *e, const struct cpn_exp_run *r,
                            const char *const *extra_sets, size_t n_extra, size_t *n)
{
    size_t total = e->n_sets + r->n_sweep + n_extra;
    char **v = calloc(total + 1, sizeof *v);
    for (size_t i = 0; v && i < total; i++) {
        const struct cpn_exp_setting *s = run_setting(e, r, i);
        int ok = s ? asprintf(&v[i], "%s=%s", s->target, s->value) >= 0
                   : (v[i] = strdup(extra_sets[i - e->n_sets - r->n_sweep])) != NULL;
        if (!ok) {
            v[i] = NULL;
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return NULL;
        }
    }
    *n = total;
    return v;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

const char *cpn_batch_exec_of(const struct cpn_batch_options *o, const char *policy)
{
    size_t len = strlen(policy);
    for (size_t i = 0; i < o->n_execs; i++)
        if (strncmp(o->execs[i], policy, len) == 0 && o->execs[i][len] == '=')
            return o->execs[i];
    return NULL;
}

pid_t cpn_batch_spawn(const struct cpn_experiment *e, const struct cpn_exp_run *r, const char *dir,
                      const struct cpn_batch_options *o)
{
    char out[4096], log[4096];
    snprintf(out, sizeof out, "%s/%s.h5", dir, r->name);
    snprintf(log, sizeof log, "%s/%s.log", dir, r->name);
    size_t no = 0;
    char **owned = run_overrides(e, r, o->sets, o->n_sets, &no);
    char **args = calloc(18 + 2 * (no + o->n_plugins) + o->n_exec_args, sizeof *args);
    if (!args || !owned) {
        free(args);
        free_strings(owned, no);
        errno = ENOMEM;
        return -1;
    }
    size_t n = 0;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    args[n++] = "cpnsim";
    args[n++] = "--quiet";
    args[n++] = "run";
    args[n++] = (char *)r->scenario;
    args[n++] = "--seed";
    args[n++] = seed;
    if (r->policy) {
        args[n++] = "--policy";
        args[n++] = (char *)r->policy;
    }
    for (size_t i = 0; i < no; i++) {
        args[n++] = "--set";
        args[n++] = owned[i];
    }
    for (size_t i = 0; i < o->n_plugins; i++) { /* plug-ins load from the command line only */
        args[n++] = "--plugin";
        args[n++] = (char *)o->plugins[i];
    }
    const char *exec = r->policy ? cpn_batch_exec_of(o, r->policy) : NULL;
    if (exec) { /* the run of an external policy starts its process */
        args[n++] = "--policy-exec";
        args[n++] = (char *)exec;
        for (size_t i = 0; i < o->n_exec_args; i++)
            args[n++] = (char *)o->exec_args[i];
    }
    args[n++] = "-o";
    args[n++] = out;
    args[n++] = "--force";
    args[n] = NULL;
    fflush(NULL);
    /* posix_spawn, not fork: safe in an MPI rank too.  Its output goes to DIR/NAME.log. */
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;
    int err = posix_spawn_file_actions_init(&fa);
    if (!err)
        err = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log,
                                               O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (!err)
        err = posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    if (!err)
        err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    free_strings(owned, no);
    free(args);
    if (err) {
        errno = err;
        return -1;
    }
    return pid;
}

int cpn_batch_wait(pid_t pid)
{
    int wst;
    pid_t got;
    while ((got = waitpid(pid, &wst, 0)) < 0 && errno == EINTR)
        ;
    if (got < 0)
        return -1;
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
}

/* Parse the options; returns -1 to go on, or the exit status (0 after --help). */
static int batch_parse(int argc, char **argv, struct cpn_batch_options *o)
{
    static const struct option options[] = {
        {"jobs", required_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"seeds", required_argument, NULL, 'S'},
        {"set", required_argument, NULL, 's'},
        {"dry-run", no_argument, NULL, 'n'},
        {"force", no_argument, NULL, 'f'},
        {"plugin", required_argument, NULL, 'L'},
        {"policy-exec", required_argument, NULL, 'E'},
        {"policy-param", required_argument, NULL, 'R'},
        {"policy-timeout", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {"slurm", no_argument, NULL, 'U'},
        {"status", no_argument, NULL, 'T'},
        {"mpi", no_argument, NULL, 'M'},
        {"partition", required_argument, NULL, 'P'},
        {"time", required_argument, NULL, 't'},
        {"mem", required_argument, NULL, 'm'},
        {"array-max", required_argument, NULL, 'A'},
        {"chunk", required_argument, NULL, 'C'},
        {"sbatch-arg", required_argument, NULL, 'B'},
        {"task", required_argument, NULL, 'K'},
        {"task-list", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct cpn_batch_options){.jobs = sysconf(_SC_NPROCESSORS_ONLN), .chunk = 1, .task = -1};
    int c;
    while ((c = getopt_long(argc, argv, "j:o:hn", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'U':
            o->slurm = 1;
            break;
        case 'T':
            o->status = 1;
            break;
        case 'M':
            o->mpi = 1;
            break;
        case 'P':
        case 't':
        case 'm':
            /* Passed to sbatch as they are: Slurm checks them (and names the bad one). */
            if (!*optarg || strpbrk(optarg, " \t\n'\"\\"))
                return cpn_cli_usage_error("batch",
                                           "--%s '%s': give a value without blanks or quotes "
                                           "(e.g. --partition compute, --time 1:00:00, --mem 4G)",
                                           c == 'P'   ? "partition"
                                           : c == 't' ? "time"
                                                      : "mem",
                                           optarg);
            *(c == 'P' ? &o->partition : c == 't' ? &o->time : &o->mem) = optarg;
            break;
        case 'A':
        case 'C':
        case 'K': {
            long v = strtol(optarg, &end, 10);
            long lo = c == 'K' ? 0 : 1;
            if (*end || !*optarg || v < lo || v > 1000000)
                return cpn_cli_usage_error("batch",
                                           "--%s %s: give a whole number from %ld to "
                                           "1000000",
                                           c == 'A'   ? "array-max"
                                           : c == 'C' ? "chunk"
                                                      : "task",
                                           optarg, lo);
            *(c == 'A' ? &o->array_max : c == 'C' ? &o->chunk : &o->task) = v;
            break;
        }
        case 'B': {
            const char **p = realloc(o->sbatch_args, (o->n_sbatch_args + 1) * sizeof *p);
            if (!p)
                return EX_SOFTWARE;
            o->sbatch_args = p;
            o->sbatch_args[o->n_sbatch_args++] = optarg;
            break;
        }
        case 'F':
            o->task_list = optarg;
            break;
        case 'j':
            o->jobs = strtol(optarg, &end, 10);
            if (*end || o->jobs < 1 || o->jobs > 1024)
                return cpn_cli_usage_error("batch",
                                           "-j %s: give a number of processes from 1 "
                                           "to 1024",
                                           optarg);
            break;
        case 'S':
            o->max_seeds = strtol(optarg, &end, 10);
            if (*end || o->max_seeds < 1)
                return cpn_cli_usage_error("batch",
                                           "--seeds %s: give a whole number of seeds >= 1 (e.g. "
                                           "--seeds 3)",
                                           optarg);
            break;
        case 'o':
            if (cpn_cli_output_name("batch", "-o", optarg, "folder"))
                return EX_USAGE;
            o->dir = optarg;
            break;
        case 's': {
            size_t tl;
            if (cpn_override_split(optarg, &tl) != CPN_OK) /* (as each run would say it) */
                return cpn_cli_usage_error("batch",
                                           "--set '%s': expected TARGET=VALUE, e.g. "
                                           "--set link/sh-nx@capacity=400Gbps",
                                           optarg);
            const char **p = realloc(o->sets, (o->n_sets + 1) * sizeof *p);
            if (!p)
                return EX_SOFTWARE;
            o->sets = p;
            o->sets[o->n_sets++] = optarg;
            break;
        }
        case 'n':
            o->dry = 1;
            break;
        case 'f':
            o->force = 1;
            break;
        case 'L': {
            const char **p = realloc(o->plugins, (o->n_plugins + 1) * sizeof *p);
            if (!p)
                return EX_SOFTWARE;
            o->plugins = p;
            o->plugins[o->n_plugins++] = optarg;
            break;
        }
        case 'E':
        case 'R':
        case 'W': {
            /* Checked here as each run will (a command-line error, exit 64, before any run). */
            int e = c == 'E', st;
            if (!e &&
                (st = cpn_exec_option_check(
                     "batch", c == 'R' ? "--policy-param" : "--policy-timeout", optarg, NULL)) != 0)
                return st;
            size_t *n = e ? &o->n_execs : &o->n_exec_args;
            const char ***v = e ? &o->execs : &o->exec_args;
            const char **p = realloc(*v, (*n + 2) * sizeof *p);
            if (!p)
                return EX_SOFTWARE;
            *v = p;
            if (!e)
                p[(*n)++] = c == 'R' ? "--policy-param" : "--policy-timeout";
            p[(*n)++] = optarg;
            break;
        }
        case 'h':
            printf("usage: cpnsim batch EXPERIMENT.xml [-j N] [-o DIR] (see 'cpnsim help "
                   "batch')\n");
            return 0;
        default:
            return cpn_cli_option_error("batch", argv, "j:o:hn", options);
        }
    }
    if (argc - optind != 1)
        return cpn_cli_usage_error("batch", "give exactly one experiment file");
    if (o->slurm + o->status + o->mpi + (o->task >= 0) > 1)
        return cpn_cli_usage_error("batch", "--slurm, --status, --mpi and --task go alone "
                                            "(give one of them)");
    if ((o->task >= 0) != (o->task_list != NULL))
        return cpn_cli_usage_error("batch", "--task and --task-list go together (the job "
                                            "script of --slurm gives both)");
    if (!o->slurm &&
        (o->partition || o->time || o->mem || o->array_max || o->n_sbatch_args || o->chunk != 1))
        return cpn_cli_usage_error("batch", "--partition, --time, --mem, --array-max, --chunk "
                                            "and --sbatch-arg go with --slurm");
#ifndef HAVE_MPI
    if (o->mpi)
        return cpn_cli_usage_error("batch", "--mpi: this cpnsim was built without MPI "
                                            "(./configure --with-mpi, Debian's libopenmpi-dev)");
#endif
    if (o->jobs < 1)
        o->jobs = 1;
    o->file = argv[optind];
    return -1;
}

/* SHA-256 (hex) of the bytes of file @p path, as `cpnsim run` records its main scenario file;
 * "" when it cannot be read (then no recorded hash matches). */
static void file_sha256(const char *path, char hex[65])
{
    hex[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            char *p = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!p)
                break;
            buf = p;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    if (!ferror(f) && feof(f))
        cpn_sha256_hex(buf, len, hex);
    fclose(f);
    free(buf);
}

/* Whether the verified result @p path records the definition run @p r has now (scenario
 * hash, program version, policy, seed, overrides).  CPN_OK when it does; else the message
 * says the first difference. */
static int result_is_this_run(const char *path, const struct cpn_experiment *e,
                              const struct cpn_exp_run *r, const struct cpn_batch_options *o,
                              const char *sha)
{
    size_t n = 0;
    char **ov = run_overrides(e, r, o->sets, o->n_sets, &n);
    /* `cpnsim run` records its --seed after the --set overrides (cli/run.c), as
     * simulation@seed=N; the list has room for it. */
    if (!ov)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (asprintf(&ov[n], "simulation@seed=%llu", (unsigned long long)r->seed) < 0) {
        free_strings(ov, n);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    n++;
    struct cpn_result_definition want = {.program_version = PACKAGE_VERSION,
                                         .scenario_sha256 = sha,
                                         .policy = r->policy,
                                         .seed = r->seed,
                                         .overrides = (const char *const *)ov,
                                         .n_overrides = n};
    int rc = cpn_result_matches(path, &want);
    free_strings(ov, n);
    return rc;
}

int cpn_batch_run_done(const struct cpn_experiment *e, const struct cpn_exp_run *r,
                       const struct cpn_batch_options *o, const char *dir, const char **sha_of,
                       char sha[65], int *differs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.h5", dir, r->name);
    *differs = 0;
    /* Done means a result that verifies (output/report.h) and is this run; a result that does
     * not verify is run again. */
    if (access(path, F_OK) != 0 || cpn_result_verify(path) != CPN_OK)
        return 0;
    if (!*sha_of || strcmp(*sha_of, r->scenario) != 0)
        file_sha256(*sha_of = r->scenario, sha);
    int rc = result_is_this_run(path, e, r, o, sha);
    if (rc == CPN_ENOMEM)
        return -1;
    *differs = rc != CPN_OK;
    return !*differs;
}

/* The result folder: -o DIR, or results/EXPERIMENT (the file's name without .xml). */
static int batch_dir(const struct cpn_batch_options *o, struct cpn_batch_plan *p)
{
    p->dir = o->dir;
    if (p->dir)
        return 0;
    const char *base = strrchr(o->file, '/');
    base = base ? base + 1 : o->file;
    size_t bl = strlen(base);
    if (bl > 4 && strcmp(base + bl - 4, ".xml") == 0)
        bl -= 4;
    if (asprintf(&p->dir_owned, "results/%.*s", (int)bl, base) < 0) {
        p->dir_owned = NULL;
        return EX_SOFTWARE;
    }
    p->dir = p->dir_owned;
    return 0;
}

/* Decide the result folder and the runs still to do: a run is done when NAME.h5 verifies and
 * records the definition the experiment asks now; a verified result of another definition is
 * refused (exit 73, nothing is run) unless --force reruns it.  With --dry-run, list them
 * instead (--slurm --dry-run goes on, to print the job script).  Returns -1 to go on, or the
 * exit status. */
static int batch_plan(const struct cpn_experiment *e, const struct cpn_batch_options *o,
                      struct cpn_batch_plan *p)
{
    if (batch_dir(o, p))
        return EX_SOFTWARE;
    p->n_runs = cpn_experiment_runs(e);
    p->todo = calloc(p->n_runs ? p->n_runs : 1, sizeof *p->todo);
    if (!p->todo)
        return EX_SOFTWARE;
    struct stat st;
    int err = 0;
    if (!o->dry)
        err = make_dirs(p->dir); /* (ENOTDIR when a file is there) */
    else if (stat(p->dir, &st) == 0 && !S_ISDIR(st.st_mode))
        err = ENOTDIR; /* (a dry run creates nothing, but says so as a run would) */
    if (err == ENOTDIR) {
        fprintf(stderr,
                "cpnsim: batch: %s: is not a directory (the results go into a folder: give one "
                "with -o DIR, created when missing)\n",
                p->dir);
        return EX_CANTCREAT;
    }
    if (err) {
        fprintf(stderr, "cpnsim: batch: cannot create %s: %s\n", p->dir, strerror(err));
        return EX_CANTCREAT;
    }
    int list = o->dry && !o->slurm;
    /* SHA-256 of each run's scenario, computed once per scenario path. */
    const char *sha_of = NULL;
    char sha[65] = "";
    size_t differing = 0;
    for (size_t i = 0; i < p->n_runs; i++) {
        struct cpn_exp_run r;
        cpn_experiment_run(e, i, &r);
        int differs = 0, done = cpn_batch_run_done(e, &r, o, p->dir, &sha_of, sha, &differs);
        if (done < 0)
            return EX_SOFTWARE;
        if (differs && !o->force && !o->dry && ++differing <= 5)
            fprintf(stderr, "cpnsim: batch: %s\n", cpn_error_message());
        if (list)
            printf("%s/%s.h5%s\n", p->dir, r.name,
                   done      ? "  (complete: skipped)"
                   : differs ? "  (a result of another definition: rerun with --force)"
                             : "");
        else if (done)
            p->skipped++;
        else
            p->todo[p->n_todo++] = i;
    }
    if (differing) {
        fprintf(stderr,
                "cpnsim: batch: %zu result(s) in %s were made with another definition (scenario, "
                "version, policy, seed or --set); nothing was run.  Use another -o DIR, or "
                "--force to rerun and replace them\n",
                differing, p->dir);
        return EX_CANTCREAT;
    }
    return list ? 0 : -1;
}

/* What batch_check() has checked: keys "SCENARIO" and "SCENARIO\nTARGET\nVALUE" (owned). */
struct checked {
    struct cpn_idmap map;
    CPN_ARRAY(char *) keys;
};

/* Whether @p key is in @p c; adds it when not.  Returns 1 when new, 0 when seen, -1 when out of
 * memory.  Takes @p key (malloc'd; freed when seen or on failure). */
static int checked_add(struct checked *c, char *key)
{
    if (!key)
        return -1;
    if (cpn_idmap_find(&c->map, key) != CPN_NONE) {
        free(key);
        return 0;
    }
    if (cpn_idmap_insert(&c->map, key, (uint32_t)c->keys.len) != CPN_OK ||
        cpn_array_push(&c->keys, key) != CPN_OK) {
        cpn_idmap_release(&c->map); /* (the batch stops: out of memory) */
        free(key);
        return -1;
    }
    return 1;
}

static char *setting_key(const char *scenario, const char *target, const char *value)
{
    char *key;
    return asprintf(&key, "%s\n%s\n%s", scenario, target, value) < 0 ? NULL : key;
}

/*
 * Check the runs' scenarios with their settings before any run starts, as `cpnsim validate`
 * loads them (check_only: a streamed file or workload log is read and checked, not copied), so
 * that a bad scenario, a setting whose target matches nothing or a value that is not accepted
 * stops the batch at once (exit 65), named at its line of the experiment file
 * (`e.xml:5: <sweep target="link/x@capacity"> value "7kg": ...`), instead of failing each run
 * with a message that names a `--set` the user never typed.  Each scenario, and each distinct
 * setting of it, is checked once: within the first run that has it, with that run's other
 * settings and the command line's --set (a combination the batch runs, so that a value valid
 * only beside another is not refused).  Warnings are left to the runs' logs.  Cost: one load
 * per distinct setting (a sweep of v values, v loads; a row of c corners, at most its distinct
 * range values).  Returns -1 when every check passed, else the exit status.
 */
static int batch_check(const struct cpn_experiment *e, const struct cpn_batch_options *o,
                       const struct cpn_policy_registry *reg)
{
    struct checked seen = {0};
    int status = -1;
    size_t n_runs = cpn_experiment_runs(e), max = e->n_sets + CPN_EXP_MAX_RUN_SETTINGS + o->n_sets;
    struct cpn_override *ov = calloc(max ? max : 1, sizeof *ov);
    char **origin = calloc(max ? max : 1, sizeof *origin);
    if (!ov || !origin)
        status = EX_SOFTWARE;
    for (size_t i = 0; status < 0 && i < n_runs; i++) {
        struct cpn_exp_run r;
        cpn_experiment_run(e, i, &r);
        size_t n_exp = e->n_sets + r.n_sweep, n = 0;
        int fresh = checked_add(&seen, strdup(r.scenario));
        for (size_t k = 0; fresh >= 0 && k < n_exp; k++) {
            const struct cpn_exp_setting *s = run_setting(e, &r, k);
            int add = checked_add(&seen, setting_key(r.scenario, s->target, s->value));
            fresh = add < 0 ? -1 : fresh | add;
        }
        if (fresh == 0)
            continue;
        for (; fresh > 0 && n < n_exp + o->n_sets; n++) { /* the overrides, with origins */
            const struct cpn_exp_setting *s = run_setting(e, &r, n);
            size_t tl = 0;
            free(origin[n]);
            origin[n] = NULL;
            char *text = NULL;
            if (s && asprintf(&text, "%s:%ld: <%s target=\"%s\"> value \"%s\"", e->file, s->line,
                              s->element, s->target, s->value) >= 0) {
                ov[n] = (struct cpn_override){s->target, s->value, origin[n] = text};
            } else if (!s && (origin[n] = strdup(o->sets[n - n_exp])) &&
                       cpn_override_split(origin[n], &tl) == CPN_OK) { /* ("T=V": batch_parse()) */
                origin[n][tl] = '\0'; /* the target, then the value; no origin: "--set T=V" */
                ov[n] = (struct cpn_override){origin[n], origin[n] + tl + 1, NULL};
            } else {
                fresh = -1; /* (out of memory; origin[n] is freed with the others) */
            }
        }
        if (fresh < 0) {
            status = EX_SOFTWARE;
            break;
        }
        struct cpn_diag diag;
        cpn_diag_init(&diag, stderr);
        diag.quiet_warnings = 1;
        struct cpn_scen_options opt = {
            .overrides = ov, .n_overrides = n, .policies = reg, .check_only = 1};
        struct cpn_scenario *scen = NULL;
        int rc = cpn_scen_load(r.scenario, &opt, &diag, &scen);
        cpn_diag_flush(&diag);
        cpn_scen_free(scen);
        if (rc != CPN_OK) {
            if (diag.errors == 0)
                fprintf(stderr, "cpnsim: %s: %s\n", r.scenario, cpn_error_message());
            fprintf(stderr,
                    "cpnsim: batch: run %s would fail on the error%s above; no run was started "
                    "(the runs are checked as 'cpnsim validate' checks a scenario)\n",
                    r.name, diag.errors == 1 ? "" : "s");
            status = cpn_exit_code(rc);
        }
    }
    for (size_t k = 0; origin && k < max; k++)
        free(origin[k]);
    free(origin);
    free(ov);
    for (size_t k = 0; k < seen.keys.len; k++)
        free(seen.keys.items[k]);
    cpn_array_release(&seen.keys);
    cpn_idmap_release(&seen.map);
    return status;
}

/* Run the planned runs, at most o->jobs child processes at a time; SIGINT and SIGTERM are
 * passed on to the runs.  Returns -1 when every run was tried (failures counted in *failed,
 * the first failure's exit status in *first_failure and its run index in *first_run), or the
 * status of an interrupted batch. */
static int batch_pool(const struct cpn_cli *cli, const struct cpn_experiment *e,
                      const struct cpn_batch_options *o, const struct cpn_batch_plan *p,
                      size_t *failed, int *first_failure, size_t *first_run)
{
    struct child *kids = calloc((size_t)o->jobs, sizeof *kids);
    if (!kids)
        return EX_SOFTWARE;
    if (!cli->quiet)
        fprintf(stderr, "batch: %zu runs (%zu already complete), %ld in parallel, results in %s\n",
                p->n_runs, p->skipped, o->jobs, p->dir);
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_batch_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    size_t next = 0, running = 0, done_runs = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((next < p->n_todo && !batch_interrupted) || running) {
        while (next < p->n_todo && running < (size_t)o->jobs && !batch_interrupted) {
            struct cpn_exp_run r;
            cpn_experiment_run(e, p->todo[next], &r);
            pid_t pid = cpn_batch_spawn(e, &r, p->dir, o);
            if (pid < 0) {
                fprintf(stderr, "cpnsim: batch: cannot start run %s: %s\n", r.name,
                        strerror(errno));
                ++*failed;
                next++;
                continue;
            }
            for (long k = 0; k < o->jobs; k++)
                if (kids[k].pid == 0) {
                    kids[k] = (struct child){pid, p->todo[next]};
                    break;
                }
            running++;
            next++;
        }
        int wst;
        pid_t pid = waitpid(-1, &wst, 0);
        if (pid < 0) {
            if (errno == EINTR) {
                for (long k = 0; k < o->jobs; k++) /* pass the signal on to the runs */
                    if (kids[k].pid)
                        kill(kids[k].pid, batch_interrupted ? batch_interrupted : SIGTERM);
                continue;
            }
            break;
        }
        for (long k = 0; k < o->jobs; k++) {
            if (kids[k].pid != pid)
                continue;
            struct cpn_exp_run r;
            cpn_experiment_run(e, kids[k].run, &r);
            int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
            done_runs++;
            if (code != 0) {
                ++*failed;
                if (!*first_failure) {
                    *first_failure = code;
                    *first_run = kids[k].run;
                }
                fprintf(stderr, "cpnsim: batch: run %s failed (exit %d); see %s/%s.log\n", r.name,
                        code, p->dir, r.name);
            }
            kids[k].pid = 0;
            running--;
            if (!cli->quiet) {
                /* ETA from this batch's throughput so far: runs ended per second of wall
                 * time, with its parallelism; the remaining runs at that pace. */
                clock_gettime(CLOCK_MONOTONIC, &t1);
                double elapsed = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
                double eta = elapsed / (double)done_runs * (double)(p->n_todo - done_runs);
                fprintf(stderr, "batch: %zu/%zu done, %zu running, %zu failed, ETA %.0f s\n",
                        done_runs + p->skipped, p->n_runs, running, *failed, eta);
            }
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(kids);
    if (batch_interrupted) {
        fprintf(stderr,
                "cpnsim: batch interrupted: %zu of %zu runs complete; run the same "
                "command again to resume\n",
                done_runs - *failed + p->skipped, p->n_runs);
        return batch_interrupted == SIGTERM ? 128 + SIGTERM : 128 + SIGINT;
    }
    return -1;
}

/* Some runs failed: show what the first failed run said (its log, at most 20 lines), after
 * the table when @p failed < p->n_todo, instead of it when every run failed; return its exit
 * status when it is a sysexits code (65 for a bad scenario or --set value), else EX_SOFTWARE. */
static int batch_failed(const struct cpn_experiment *e, const struct cpn_batch_plan *p,
                        size_t failed, int first_failure, size_t first_run)
{
    struct cpn_exp_run r;
    cpn_experiment_run(e, first_run, &r);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.log", p->dir, r.name);
    if (failed == p->n_todo)
        fprintf(stderr, "cpnsim: batch: all %zu runs failed; the first, %s (exit %d), said:\n",
                p->n_todo, r.name, first_failure);
    else
        fprintf(stderr,
                "cpnsim: batch: %zu of %zu runs failed (the table leaves them out); the first, "
                "%s (exit %d), said:\n",
                failed, p->n_todo, r.name, first_failure);
    FILE *f = fopen(path, "r");
    char line[1024];
    for (int n = 0; f && n < 20 && fgets(line, sizeof line, f); n++)
        fprintf(stderr, "  %s%s", line, strchr(line, '\n') ? "" : "\n");
    if (f)
        fclose(f);
    else
        fprintf(stderr, "  (no log: %s: %s)\n", path, strerror(errno));
    return first_failure >= EX__BASE && first_failure <= EX__MAX ? first_failure : EX_SOFTWARE;
}

int cpn_batch_report(const struct cpn_cli *cli, const struct cpn_experiment *e,
                     const struct cpn_batch_plan *p)
{
    if (!e->n_scenarios) /* only rows and series */
        return cpn_batch_tables(e, p->dir, stdout, cli->quiet);
    enum cpn_report_format fmt = CPN_REPORT_MD;
    cpn_report_format_parse(e->report_format, &fmt);
    /* Default grouping: scenario, policy and every swept target, so a row is one setting. */
    char by[1024] = "scenario,policy";
    for (size_t k = 0; k < e->n_sweeps; k++)
        snprintf(by + strlen(by), sizeof by - strlen(by), ",%s", e->sweeps[k].target);
    struct cpn_report_options ropt = {.by = e->report_by ? e->report_by : by,
                                      .metrics = e->report_metrics,
                                      .format = fmt,
                                      .paired = e->report_paired};
    struct cpn_report *rep = NULL;
    int rc = cpn_report_new(&ropt, &rep);
    /* A swept parameter's rows in the experiment's order of its values, not their text's. */
    for (size_t k = 0; k < e->n_sweeps && rc == CPN_OK; k++)
        rc = cpn_report_order(rep, e->sweeps[k].target, e->sweeps[k].values, e->sweeps[k].n_values);
    for (size_t i = 0; i < p->n_runs && rc == CPN_OK; i++) {
        struct cpn_exp_run r;
        cpn_experiment_run(e, i, &r);
        if (r.row != SIZE_MAX || r.series != SIZE_MAX)
            break; /* the rows' and series' runs come after the cross product */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.h5", p->dir, r.name);
        if (access(path, F_OK) == 0 && (rc = cpn_report_add_file(rep, path)) == CPN_ESTATE) {
            fprintf(stderr, "cpnsim: batch: warning: %s\n", cpn_error_message());
            rc = CPN_OK;
        }
    }
    if (rc == CPN_OK)
        rc = cpn_report_write(rep, stdout);
    cpn_report_free(rep);
    if (rc != CPN_OK) {
        fprintf(stderr, "cpnsim: batch: report: %s\n", cpn_error_message());
        return cpn_exit_code(rc);
    }
    if (e->n_rows || e->n_series)
        fputc('\n', stdout);
    return cpn_batch_tables(e, p->dir, stdout, cli->quiet);
}

int cpn_cmd_batch(struct cpn_cli *cli, int argc, char **argv)
{
    struct cpn_batch_options o;
    struct cpn_batch_plan plan = {0};
    struct cpn_experiment *e = NULL;
    struct cpn_policy_registry *reg = NULL;
    struct cpn_exec_policy **exec_objs = NULL;
    size_t n_exec_objs = 0;
    size_t failed = 0;
    int first_failure = 0;
    size_t first_run = 0;
    int status = batch_parse(argc, argv, &o);
    if (status >= 0)
        goto done;
    /* The plug-ins, loaded here too so that the experiment may name their policies (a plug-in
     * that does not load stops the batch before any run). */
    if (!(reg = cpn_policy_registry_new())) {
        status = EX_SOFTWARE;
        goto done;
    }
    for (size_t i = 0; i < o.n_plugins; i++) {
        int prc = cpn_policy_registry_load(reg, o.plugins[i]);
        if (prc != CPN_OK) {
            fprintf(stderr, "cpnsim: batch: %s\n", cpn_error_message());
            status = cpn_exit_code(prc);
            goto done;
        }
    }
    /* The external policies, registered by name (their processes start in the runs). */
    if (o.n_execs && !(exec_objs = calloc(o.n_execs, sizeof *exec_objs))) {
        status = EX_SOFTWARE;
        goto done;
    }
    for (size_t i = 0; i < o.n_execs; i++) {
        char origin[4200];
        snprintf(origin, sizeof origin, "--policy-exec %s", o.execs[i]);
        int prc = cpn_exec_policy_new(o.execs[i], CPN_EXEC_TIMEOUT, &exec_objs[n_exec_objs]);
        if (prc == CPN_OK)
            n_exec_objs++;
        if (prc == CPN_OK && strcmp(cpn_exec_policy_name(exec_objs[i]), "exec") == 0 &&
            strncmp(o.execs[i], "exec=", 5) != 0)
            prc = CPN_ERROR(CPN_ERANGE, "\"%s\" has no NAME= (an experiment names its policies)",
                            o.execs[i]);
        if (prc == CPN_OK)
            prc = cpn_policy_registry_add(reg, cpn_exec_policy_ops(exec_objs[i]), origin);
        if (prc != CPN_OK) {
            status = cpn_cli_usage_error("batch", "--policy-exec %s", cpn_error_message());
            goto done;
        }
    }
    struct cpn_diag diag;
    cpn_diag_init(&diag, stderr);
    int rc = cpn_experiment_load(o.file, reg, &diag, &e);
    cpn_diag_flush(&diag);
    if (rc != CPN_OK) {
        if (diag.errors == 0)
            fprintf(stderr, "cpnsim: %s: %s\n", o.file, cpn_error_message());
        status = cpn_exit_code(rc);
        goto done;
    }
    cpn_experiment_limit_seeds(e, (size_t)o.max_seeds);
    if (o.task < 0 && !o.status && (status = batch_check(e, &o, reg)) >= 0)
        goto done;
    if (o.task >= 0 || o.status) { /* a Slurm array task, or the state of the runs */
        if (batch_dir(&o, &plan)) {
            status = EX_SOFTWARE;
            goto done;
        }
        status = o.task >= 0 ? cpn_batch_task(cli, e, &o, plan.dir)
                             : cpn_batch_status(cli, e, &o, &plan);
        goto done;
    }
    if ((status = batch_plan(e, &o, &plan)) >= 0)
        goto done;
    if (o.slurm) {
        status = cpn_batch_slurm(cli, e, &o, &plan);
        goto done;
    }
    if (o.mpi) {
        status = cpn_batch_mpi(cli, e, &o, &plan);
        goto done;
    }
    if ((status = batch_pool(cli, e, &o, &plan, &failed, &first_failure, &first_run)) >= 0)
        goto done;
    if (failed > 0 && failed == plan.n_todo && plan.skipped == 0 && first_failure) {
        status = batch_failed(e, &plan, failed, first_failure, first_run);
        goto done;
    }
    status = cpn_batch_report(cli, e, &plan);
    if (failed && first_failure) /* (after the table: what the runs left out said) */
        batch_failed(e, &plan, failed, first_failure, first_run);
    if (failed && !status)
        status = first_failure ? first_failure : EX_SOFTWARE;
done:
    cpn_experiment_free(e);
    cpn_policy_registry_free(reg);
    for (size_t i = 0; i < n_exec_objs; i++)
        cpn_exec_policy_free(exec_objs[i]);
    free(exec_objs);
    free(o.plugins);
    free(o.execs);
    free(o.exec_args);
    free(plan.todo);
    free(plan.dir_owned);
    free(o.sets);
    free(o.sbatch_args);
    return status;
}
