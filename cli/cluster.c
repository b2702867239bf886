/*
 * `cpnsim batch` beyond one machine (docs/clusters.md): a Slurm job array (--slurm), the state
 * of the runs (--status), one task of the array (--task, written into the job script), and MPI
 * ranks (--mpi, when built with --with-mpi).
 *
 * Every mode runs each run exactly as the local batch does (cpn_batch_spawn(): the same
 * `cpnsim run` arguments, the same DIR/NAME.h5 and DIR/NAME.log), and "done" means what it means
 * there (cpn_batch_run_done()), so results are interchangeable and a batch started in one mode
 * resumes in any other.  Slurm's own engine schedules the runs: cpnsim writes the job script and
 * calls sbatch, squeue and scancel, nothing more.
 *
 * Files of a Slurm batch, in DIR/slurm/: sub-K.sh (the job script of submission K), sub-K.runs
 * (line T: the run names of array task T, blank-separated), submissions (one line per
 * submission: the job id, a tab, the .runs file), and %A_%a.out (each task's output).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_MPI
#include <mpi.h>
#endif

#include "cli/batch.h"
#include "scenarios/experiment.h"
#include "sim/error.h"

/* Run @p argv (found on PATH) with its standard output captured into @p out (NUL-terminated,
 * truncated at @p cap - 1 bytes); standard error is the caller's.  Returns the exit status,
 * or -1 with errno set when the program cannot be started (ENOENT: not installed). */
static int run_capture(char *const argv[], char *out, size_t cap)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    fflush(NULL);
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (err) {
        close(fds[0]);
        errno = err;
        return -1;
    }
    size_t len = 0;
    ssize_t got;
    char sink[4096];
    while ((got = read(fds[0], len + 1 < cap ? out + len : sink,
                       len + 1 < cap ? cap - 1 - len : sizeof sink)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (len + 1 < cap)
            len += (size_t)got;
    }
    out[len] = '\0';
    close(fds[0]);
    return cpn_batch_wait(pid);
}

/* Write @p s single-quoted for /bin/sh. */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

/* The index of the run named @p name, or SIZE_MAX. */
static size_t run_named(const struct cpn_experiment *e, const char *name)
{
    size_t n = cpn_experiment_runs(e);
    for (size_t i = 0; i < n; i++) {
        struct cpn_exp_run r;
        cpn_experiment_run(e, i, &r);
        if (strcmp(r.name, name) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* Line @p k (0-based) of file @p path into a malloc'd string (no newline), or NULL. */
static char *file_line(const char *path, long k)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = 0;
    for (long i = 0; i <= k && (n = getline(&line, &cap, f)) >= 0; i++)
        ;
    fclose(f);
    if (n < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\n")] = '\0';
    return line;
}

/* Mark in @p active[run] the runs of earlier submissions that Slurm still lists (pending or
 * running), and count them in *pending and *running.  Returns 0, or -1 when squeue cannot be
 * run (then nothing is marked). */
static int slurm_active(const struct cpn_experiment *e, const char *dir, unsigned char *active,
                        size_t *pending, size_t *running)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/slurm/submissions", dir);
    FILE *f = fopen(path, "r");
    *pending = *running = 0;
    if (!f)
        return 0;
    char line[4096];
    int reachable = 0;
    static char out[1 << 20];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        char *list = tab + 1;
        list[strcspn(list, "\n")] = '\0';
        char *argv[] = {"squeue", "-h", "-r", "-j", line, "-o", "%K %T", NULL};
        int st = run_capture(argv, out, sizeof out);
        if (st < 0)
            break; /* no squeue here */
        reachable = 1;
        if (st != 0)
            continue; /* a job Slurm has forgotten: ended long ago */
        char runs[4096];
        snprintf(runs, sizeof runs, "%s/slurm/%s", dir, list);
        for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n")) {
            long task;
            char state[64];
            if (sscanf(p, "%ld %63s", &task, state) != 2)
                continue;
            int is_pending = strcmp(state, "PENDING") == 0;
            if (!is_pending && strcmp(state, "RUNNING") != 0 && strcmp(state, "CONFIGURING") != 0 &&
                strcmp(state, "COMPLETING") != 0 && strcmp(state, "SUSPENDED") != 0)
                continue;
            char *names = file_line(runs, task);
            for (char *save = NULL, *nm = names ? strtok_r(names, " ", &save) : NULL; nm;
                 nm = strtok_r(NULL, " ", &save)) {
                size_t i = run_named(e, nm);
                if (i != SIZE_MAX && !active[i]) {
                    active[i] = 1;
                    ++*(is_pending ? pending : running);
                }
            }
            free(names);
        }
    }
    fclose(f);
    return reachable || !*pending ? 0 : -1;
}

/* mkdir DIR/slurm (DIR exists: the plan made it). */
static int slurm_dir(const char *dir, char *buf, size_t len)
{
    snprintf(buf, len, "%s/slurm", dir);
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "cpnsim: batch: cannot create %s: %s\n", buf, strerror(errno));
        return EX_CANTCREAT;
    }
    return 0;
}

/* The job script of a submission whose task list is @p list. */
static void write_script(FILE *f, const struct cpn_batch_options *o, const char *dir,
                         const char *list, size_t n_runs, size_t tasks, const char *exe,
                         const char *cwd)
{
    const char *base = strrchr(o->file, '/');
    base = base ? base + 1 : o->file;
    fprintf(f, "#!/bin/sh\n");
    fprintf(f,
            "# cpnsim batch %s on Slurm: %zu runs in %zu array tasks of at most %ld "
            "(written by cpnsim " PACKAGE_VERSION ")\n",
            o->file, n_runs, tasks, o->chunk);
    fprintf(f, "#SBATCH --job-name=cpnsim-%.*s\n", (int)strcspn(base, ". "), base);
    fprintf(f, "#SBATCH --array=0-%zu", tasks - 1);
    if (o->array_max)
        fprintf(f, "%%%ld", o->array_max);
    fprintf(f, "\n#SBATCH --output=%s/slurm/%%A_%%a.out\n", dir);
    fprintf(f, "#SBATCH --chdir=%s\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n", cwd);
    if (o->partition)
        fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->time)
        fprintf(f, "#SBATCH --time=%s\n", o->time);
    if (o->mem)
        fprintf(f, "#SBATCH --mem=%s\n", o->mem);
    fprintf(f, "exec ");
    sh_quote(f, exe);
    fprintf(f, " --quiet batch ");
    sh_quote(f, o->file);
    fprintf(f, " -o ");
    sh_quote(f, dir);
    if (o->max_seeds)
        fprintf(f, " --seeds %ld", o->max_seeds);
    for (size_t i = 0; i < o->n_sets; i++) {
        fprintf(f, " --set ");
        sh_quote(f, o->sets[i]);
    }
    for (size_t i = 0; i < o->n_plugins; i++) {
        fprintf(f, " --plugin ");
        sh_quote(f, o->plugins[i]);
    }
    for (size_t i = 0; i < o->n_execs; i++) {
        fprintf(f, " --policy-exec ");
        sh_quote(f, o->execs[i]);
    }
    for (size_t i = 0; i + 1 < o->n_exec_args; i += 2) {
        fprintf(f, " %s ", o->exec_args[i]);
        sh_quote(f, o->exec_args[i + 1]);
    }
    fprintf(f, " --task-list ");
    sh_quote(f, list);
    fprintf(f, " --task \"$SLURM_ARRAY_TASK_ID\"\n");
}

int cpn_batch_slurm(const struct cpn_cli *cli, const struct cpn_experiment *e,
                    const struct cpn_batch_options *o, const struct cpn_batch_plan *p)
{
    (void)cli;
    unsigned char *active = calloc(p->n_runs ? p->n_runs : 1, 1);
    size_t *runs = calloc(p->n_todo ? p->n_todo : 1, sizeof *runs);
    int status = 0;
    if (!active || !runs) {
        status = EX_SOFTWARE;
        goto done;
    }
    size_t pending, running, n = 0;
    slurm_active(e, p->dir, active, &pending, &running);
    for (size_t i = 0; i < p->n_todo; i++)
        if (!active[p->todo[i]])
            runs[n++] = p->todo[i];
    if (n == 0) {
        printf("batch: nothing to submit: %zu of %zu runs complete, %zu in Slurm (%zu pending)\n",
               p->skipped, p->n_runs, pending + running, pending);
        goto done;
    }
    char exe[PATH_MAX], cwd[PATH_MAX], sdir[4096];
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (el < 0 || !getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "cpnsim: batch: cannot find this program or the current directory: %s\n",
                strerror(errno));
        status = EX_OSERR;
        goto done;
    }
    exe[el] = '\0';
    size_t tasks = (n + (size_t)o->chunk - 1) / (size_t)o->chunk;
    /* Submission K: one more than the submissions so far. */
    snprintf(sdir, sizeof sdir, "%s/slurm/submissions", p->dir);
    long k = 1;
    FILE *sf = fopen(sdir, "r");
    for (int c; sf && (c = fgetc(sf)) != EOF;)
        k += c == '\n';
    if (sf)
        fclose(sf);
    char list[4096], script[4096];
    snprintf(list, sizeof list, "%s/slurm/sub-%ld.runs", p->dir, k);
    snprintf(script, sizeof script, "%s/slurm/sub-%ld.sh", p->dir, k);
    if (o->dry) {
        write_script(stdout, o, p->dir, list, n, tasks, exe, cwd);
        printf("# %s: the run names of each task (line T for task T):\n", list);
        for (size_t t = 0; t < tasks; t++) {
            printf("#");
            for (size_t i = t * (size_t)o->chunk; i < n && i < (t + 1) * (size_t)o->chunk; i++) {
                struct cpn_exp_run r;
                cpn_experiment_run(e, runs[i], &r);
                printf(" %s", r.name);
            }
            printf("\n");
        }
        goto done;
    }
    if ((status = slurm_dir(p->dir, sdir, sizeof sdir)) != 0)
        goto done;
    FILE *lf = fopen(list, "w"), *js = lf ? fopen(script, "w") : NULL;
    if (!lf || !js) {
        fprintf(stderr, "cpnsim: batch: cannot write %s: %s\n", lf ? script : list,
                strerror(errno));
        if (lf)
            fclose(lf);
        status = EX_CANTCREAT;
        goto done;
    }
    for (size_t t = 0; t < tasks; t++) {
        for (size_t i = t * (size_t)o->chunk; i < n && i < (t + 1) * (size_t)o->chunk; i++) {
            struct cpn_exp_run r;
            cpn_experiment_run(e, runs[i], &r);
            fprintf(lf, "%s%s", i > t * (size_t)o->chunk ? " " : "", r.name);
        }
        fputc('\n', lf);
    }
    write_script(js, o, p->dir, list, n, tasks, exe, cwd);
    int werr = ferror(lf) | ferror(js);
    werr |= fclose(lf) != 0;
    werr |= fclose(js) != 0;
    if (werr) {
        fprintf(stderr, "cpnsim: batch: cannot write %s or %s\n", list, script);
        status = EX_IOERR;
        goto done;
    }
    char **argv = calloc(o->n_sbatch_args + 4, sizeof *argv);
    if (!argv) {
        status = EX_SOFTWARE;
        goto done;
    }
    size_t a = 0;
    argv[a++] = "sbatch";
    argv[a++] = "--parsable";
    for (size_t i = 0; i < o->n_sbatch_args; i++)
        argv[a++] = (char *)o->sbatch_args[i];
    argv[a++] = script;
    char out[256];
    int st = run_capture(argv, out, sizeof out);
    free(argv);
    if (st < 0) {
        fprintf(stderr,
                "cpnsim: batch: --slurm: cannot run sbatch: %s (install Slurm's client commands, "
                "run on a login node, or run the batch here without --slurm)\n",
                strerror(errno));
        status = EX_UNAVAILABLE;
        goto done;
    }
    long job = strtol(out, NULL, 10); /* "JOBID" or "JOBID;CLUSTER" */
    if (st != 0 || job <= 0) {
        fprintf(stderr, "cpnsim: batch: sbatch %s failed (exit %d; its message is above)\n", script,
                st);
        status = EX_UNAVAILABLE;
        goto done;
    }
    snprintf(sdir, sizeof sdir, "%s/slurm/submissions", p->dir);
    sf = fopen(sdir, "a");
    if (!sf || fprintf(sf, "%ld\tsub-%ld.runs\n", job, k) < 0 || fclose(sf) != 0) {
        fprintf(stderr, "cpnsim: batch: submitted job %ld but cannot record it in %s\n", job, sdir);
        status = EX_IOERR;
        goto done;
    }
    printf("batch: submitted %zu run%s as Slurm job array %ld (%zu task%s of at most %ld); "
           "%zu complete, %zu already in Slurm; follow with: cpnsim batch %s --status%s%s\n",
           n, n == 1 ? "" : "s", job, tasks, tasks == 1 ? "" : "s", o->chunk, p->skipped,
           pending + running, o->file, o->dir ? " -o " : "", o->dir ? o->dir : "");
done:
    free(active);
    free(runs);
    return status;
}

int cpn_batch_status(const struct cpn_cli *cli, const struct cpn_experiment *e,
                     const struct cpn_batch_options *o, const struct cpn_batch_plan *p)
{
    (void)cli;
    size_t n = cpn_experiment_runs(e);
    unsigned char *active = calloc(n ? n : 1, 1);
    if (!active)
        return EX_SOFTWARE;
    size_t pending, running;
    int slurm = slurm_active(e, p->dir, active, &pending, &running);
    size_t done = 0, failed = 0, missing = 0, other = 0;
    const char *sha_of = NULL;
    char sha[65] = "";
    for (size_t i = 0; i < n; i++) {
        struct cpn_exp_run r;
        cpn_experiment_run(e, i, &r);
        int differs = 0, d = cpn_batch_run_done(e, &r, o, p->dir, &sha_of, sha, &differs);
        if (d < 0) {
            free(active);
            return EX_SOFTWARE;
        }
        char log[4096];
        snprintf(log, sizeof log, "%s/%s.log", p->dir, r.name);
        if (d) {
            done++;
        } else if (active[i]) {
            printf("%-40s in Slurm\n", r.name);
        } else if (differs) {
            other++;
            printf("%-40s a result of another definition (rerun with --force)\n", r.name);
        } else if (access(log, F_OK) == 0) {
            failed++;
            printf("%-40s failed or stopped: see %s\n", r.name, log);
        } else {
            missing++;
            printf("%-40s missing\n", r.name);
        }
    }
    printf("status: %zu done, %zu running, %zu pending, %zu failed, %zu missing", done, running,
           pending, failed, missing);
    if (other)
        printf(", %zu of another definition", other);
    printf(" (%zu runs, results in %s)%s\n", n, p->dir,
           slurm < 0 ? "; squeue could not be run: runs in Slurm show as failed or missing" : "");
    free(active);
    return 0;
}

int cpn_batch_task(const struct cpn_cli *cli, const struct cpn_experiment *e,
                   const struct cpn_batch_options *o, const char *dir)
{
    (void)cli;
    if (access(o->task_list, R_OK) != 0) {
        fprintf(stderr, "cpnsim: batch: --task-list %s: cannot read it: %s\n", o->task_list,
                strerror(errno));
        return EX_NOINPUT;
    }
    char *names = file_line(o->task_list, o->task);
    if (!names) {
        fprintf(stderr,
                "cpnsim: batch: --task %ld: %s has no line %ld (one line per task of its "
                "submission)\n",
                o->task, o->task_list, o->task + 1);
        return EX_NOINPUT;
    }
    int status = 0;
    for (char *save = NULL, *nm = strtok_r(names, " ", &save); nm;
         nm = strtok_r(NULL, " ", &save)) {
        size_t i = run_named(e, nm);
        if (i == SIZE_MAX) {
            fprintf(stderr,
                    "cpnsim: batch: --task %ld: run \"%s\" of %s is not in %s (was the "
                    "experiment changed after the submission?)\n",
                    o->task, nm, o->task_list, o->file);
            status = status ? status : EX_DATAERR;
            continue;
        }
        struct cpn_exp_run r;
        cpn_experiment_run(e, i, &r);
        pid_t pid = cpn_batch_spawn(e, &r, dir, o);
        int code = pid < 0 ? EX_OSERR : cpn_batch_wait(pid);
        printf("task %ld: run %s: exit %d\n", o->task, r.name, code);
        if (code != 0 && !status)
            status = code < 0 ? EX_OSERR : code;
    }
    free(names);
    return status;
}

#ifdef HAVE_MPI
/* Messages between the ranks: a worker sends its last run's exit status (or -1 for none) to
 * ask for work; rank 0 answers with a run index, or -1: no more. */
enum { TAG_ASK = 1, TAG_RUN = 2 };

int cpn_batch_mpi(const struct cpn_cli *cli, const struct cpn_experiment *e,
                  const struct cpn_batch_options *o, struct cpn_batch_plan *p)
{
    int rank = 0, size = 1;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fprintf(stderr, "cpnsim: batch: --mpi: MPI_Init failed (start it with mpirun)\n");
        return EX_UNAVAILABLE;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int status = 0;
    if (rank == 0) {
        /* Rank 0 hands out the runs in plan order, one at a time, to whichever rank asks; with
         * a single rank it runs them itself. */
        size_t next = 0, failed = 0;
        int first_failure = 0, stopped = 0;
        if (!cli->quiet)
            fprintf(stderr,
                    "batch: %zu runs (%zu already complete) over %d MPI ranks, results "
                    "in %s\n",
                    p->n_runs, p->skipped, size > 1 ? size - 1 : 1, p->dir);
        while (size == 1 && next < p->n_todo) {
            struct cpn_exp_run r;
            cpn_experiment_run(e, p->todo[next++], &r);
            pid_t pid = cpn_batch_spawn(e, &r, p->dir, o);
            int code = pid < 0 ? EX_OSERR : cpn_batch_wait(pid);
            if (code != 0 && !failed++)
                first_failure = code;
        }
        long busy[2048] = {0}; /* run index + 1 each rank is on (ranks < 2048 tracked) */
        while (stopped < size - 1) {
            int last;
            MPI_Status st;
            MPI_Recv(&last, 1, MPI_INT, MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
            int src = st.MPI_SOURCE;
            if (last > 0) {
                failed++;
                if (!first_failure)
                    first_failure = last;
                if (src < 2048 && busy[src]) {
                    struct cpn_exp_run r;
                    cpn_experiment_run(e, (size_t)(busy[src] - 1), &r);
                    fprintf(stderr,
                            "cpnsim: batch: run %s failed (exit %d) on rank %d; see "
                            "%s/%s.log\n",
                            r.name, last, src, p->dir, r.name);
                }
            }
            long run = next < p->n_todo ? (long)p->todo[next++] : -1;
            if (src < 2048)
                busy[src] = run + 1;
            stopped += run < 0;
            MPI_Send(&run, 1, MPI_LONG, src, TAG_RUN, MPI_COMM_WORLD);
        }
        if (failed)
            fprintf(stderr, "cpnsim: batch: %zu of %zu runs failed\n", failed, p->n_todo);
        status = cpn_batch_report(cli, e, p);
        if (failed && !status)
            status = first_failure ? first_failure : EX_SOFTWARE;
    } else {
        int last = -1;
        for (;;) {
            long run;
            MPI_Send(&last, 1, MPI_INT, 0, TAG_ASK, MPI_COMM_WORLD);
            MPI_Recv(&run, 1, MPI_LONG, 0, TAG_RUN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (run < 0)
                break;
            struct cpn_exp_run r;
            cpn_experiment_run(e, (size_t)run, &r);
            pid_t pid = cpn_batch_spawn(e, &r, p->dir, o);
            last = pid < 0 ? EX_OSERR : cpn_batch_wait(pid);
        }
    }
    MPI_Finalize();
    return status;
}
#else
int cpn_batch_mpi(const struct cpn_cli *cli, const struct cpn_experiment *e,
                  const struct cpn_batch_options *o, struct cpn_batch_plan *p)
{
    (void)cli, (void)e, (void)o, (void)p;
    fprintf(stderr, "cpnsim: batch: --mpi: this cpnsim was built without MPI\n");
    return EX_USAGE;
}
#endif
