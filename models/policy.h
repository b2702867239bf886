/**
 * @file models/policy.h
 * @brief The scheduling-policy contract: a table of callbacks, an ABI number, parameters.
 *
 * Two levels schedule work (DESIGN.md §4.7): the global scheduler places each job on a center
 * (this contract), and each center's local queue orders its own work (models/centers/center.h).  A
 * policy is a `const struct cpn_policy_ops` table.  Its `place` callback receives the job and a
 * read-only view of the world (models/world.h) and returns a decision: a center, "hold" (the
 * job waits in the global queue and is offered again when something changes) or a rejection
 * with a reason, and optionally the number of paths to split the stage-in over.
 *
 * A policy calls no cpnsim function: it can be unit-tested on a hand-built view and built as a
 * plug-in with only this header and models/world.h, which `make install` puts under
 * `$(includedir)/cpnsim/models/` (`cc -shared -fPIC $(pkg-config --cflags cpnsim) mine.c -o
 * mine.so`; the source says `#include <models/policy.h>`).  A plug-in defines the entry
 * function cpn_policy_entry() returning its table; `cpnsim run --plugin ./mine.so` loads it
 * (docs/policies.md has a tutorial).
 *
 * Randomness: a policy does not see GSL.  Its context holds `uniform(rng)`, a uniform draw in
 * [0, 1) from the named random stream "policy/NAME" (sim/rng.h), so the same seed gives the
 * same decisions and a policy's draws do not disturb any other stream.
 *
 * The second half of this file ("Host side") is the interface cpnsim itself uses (registry,
 * plug-in loader, instances).  Plug-ins never call those functions; they are not even
 * resolvable from a plug-in (cpnsim loads plug-ins with RTLD_LOCAL and exports no symbols).
 */
#ifndef CPN_MODELS_POLICY_H
#define CPN_MODELS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "models/world.h"

/**
 * ABI number of this contract.  A plug-in stores it in `ops.abi`; the loader refuses a table
 * with another number.  Incremented on every incompatible change of this file or world.h.
 */
#define CPN_POLICY_ABI 3u

/** Most centers a decision may split a job over. */
#define CPN_POLICY_MAX_SPLIT 16

/** Name of the function every plug-in defines (see cpn_policy_entry()). */
#define CPN_POLICY_ENTRY "cpn_policy_entry"

/** Decision center meaning "hold": keep the job in the global queue and offer it again later. */
#define CPN_POLICY_HOLD CPN_NONE

/** One tunable parameter of a policy.  Values are doubles in the given unit (SI). */
struct cpn_policy_param {
    const char *name; /**< name used by <param name=".."/> in scenarios, [a-z0-9_]+ */
    const char *unit; /**< SI unit string ("s", "B/s", "1" for a dimensionless real); or
                           "count" for a whole number (dimensionless; def, min and max whole)
                           or "flag" for 0 or 1 (def 0 or 1, min 0, max 1): a value between
                           is refused where it is given (cpn_policy_param_lookup()).  (Added
                           within ABI 2: a plug-in's "1" keeps meaning a real.) */
    double def;       /**< default value [unit] */
    double min;       /**< smallest accepted value [unit] (inclusive) */
    double max;       /**< largest accepted value [unit] (inclusive) */
    const char *doc;  /**< one-line description */
};

/** What the policy decided for one job. */
struct cpn_policy_decision {
    uint32_t center;  /**< chosen center index, or CPN_POLICY_HOLD */
    uint32_t pool;    /**< pool index in that center, or CPN_NONE to let the center choose */
    uint32_t paths;   /**< paths to split the stage-in over, in [1, world.n_paths]; 0 = 1 */
    uint32_t n_split; /**< 0 (default): run at @ref center; 2..CPN_POLICY_MAX_SPLIT: split a
                           splittable job (cpn_world_job.splittable) over split_centers, its
                           parts starting together (docs/models-jobs.md, "Training across
                           centers"); @ref center must then be split_centers[0] */
    uint32_t split_centers[CPN_POLICY_MAX_SPLIT]; /**< distinct center indices, n_split */
    uint32_t split_units[CPN_POLICY_MAX_SPLIT];   /**< units at each (each fitting a pool of
                                                       the job's type there), summing to the
                                                       job's units */
    double elastic;     /**< elastic bandwidth to ask for the job's stage-in [B/s] on the links of
                             its path (docs/models-dynamics.md, "Elastic bandwidth"), granted after
                             their set-up time when their budgets allow; 0 (default) = none.  The
                             larger of this and the job's own request is asked for.  (Appended: a
                             plug-in built before it leaves it 0.) */
    const char *reject; /**< non-NULL: reject the job (place only) with this reason, read during
                             the call: the job ends "rejected" (never placed; docs/metrics.md)
                             and the reason is recorded with it; @ref center must then be
                             CPN_POLICY_HOLD and n_split 0.  NULL (default): place or hold.
                             (Appended: a plug-in built before it leaves it NULL.) */
};

/** Kinds of event a policy may observe through on_event. */
enum cpn_policy_event_kind {
    CPN_POLICY_EVENT_JOB_FINISHED = 0,   /**< a job placed earlier finished (field job, center) */
    CPN_POLICY_EVENT_CENTER_CHANGED = 1, /**< a center went up or down (field center) */
    CPN_POLICY_EVENT_LINK_CHANGED = 2,   /**< a link changed state or capacity (field link) */
    CPN_POLICY_EVENT_BANDWIDTH_GRANTED = 3, /**< a job's elastic bandwidth request was granted
                                                 (fields job, center: where its data goes) */
    CPN_POLICY_EVENT_BANDWIDTH_REFUSED = 4  /**< it was refused: the budget or the wavelengths
                                                 are spent (fields job, center) */
};

/** An event delivered to on_event. */
struct cpn_policy_event {
    enum cpn_policy_event_kind kind; /**< what happened */
    double time;                     /**< when [s] */
    uint64_t job;                    /**< job id (JOB_FINISHED, BANDWIDTH_*), else 0 */
    uint32_t center;                 /**< center index (JOB_FINISHED, CENTER_CHANGED,
                                          BANDWIDTH_*) or CPN_NONE */
    uint32_t link;                   /**< link index (LINK_CHANGED) or CPN_NONE */
};

/**
 * Where a job the policy may move stands (the migrate callback; docs/models-dynamics.md,
 * "Migration").
 */
struct cpn_policy_migrant {
    uint32_t center;    /**< the center it is at now (its index in the view) */
    uint32_t running;   /**< 1: running there (holding units); 0: waiting in its local queue */
    double left;        /**< fraction of its work still to do [1], in (0, 1] */
    double remaining;   /**< time to its end if it stays [s]: the run time left when running,
                             the run time on its pool when waiting (not counting the wait) */
    double state_bytes; /**< what would move with it from this center [B]: its checkpoint size
                             when it has run (running, or work kept from before), else 0; its
                             input is staged again from where its data lives */
};

/** The per-instance context handed to every callback. */
struct cpn_policy_ctx {
    const double *params;         /**< params[ops.n_params]: the values, in the table's order */
    double (*uniform)(void *rng); /**< a uniform draw in [0, 1) from stream "policy/NAME" */
    void *rng;                    /**< argument for uniform (opaque) */
    uint32_t n_centers;           /**< number of centers of every view this instance sees */
    uint32_t n_origins;           /**< number of origins of every view this instance sees */
    void *state;                  /**< the policy's own state: set by create, freed by destroy */
    int no_migrate; /**< 0 at creation; create() sets 1 when this instance never moves work
                         (its parameters turned migration off): cpnsim then never calls migrate
                         (and saves the passes over the jobs).  (Appended in ABI 3.) */
};

/**
 * A scheduling policy.  Every field but the optional callbacks must be set.
 * Callbacks run inside the simulation, single-threaded, and must be deterministic given the
 * draws of ctx->uniform.
 */
struct cpn_policy_ops {
    uint32_t abi;                          /**< CPN_POLICY_ABI (checked first by the loader) */
    const char *name;                      /**< unique name, [a-z0-9_]+ ("earliest_finish") */
    const char *doc;                       /**< one-line description */
    const struct cpn_policy_param *params; /**< params[n_params] (may be NULL when 0) */
    uint32_t n_params;                     /**< number of parameters */
    /**
     * Optional: set up ctx->state (allocate with malloc).  Called once per run, after the
     * parameter values are in ctx->params.  Returns 0 on success, non-zero on failure (the run
     * then stops with CPN_EPLUGIN).
     */
    int (*create)(struct cpn_policy_ctx *ctx);
    /** Optional: free ctx->state.  Called once, also after a failed create. */
    void (*destroy)(struct cpn_policy_ctx *ctx);
    /**
     * Required: decide where @p job goes given the view @p world (both borrowed for the call).
     * Fill @p out (pre-set to {HOLD, CPN_NONE, 0}).  Never choose a center where the job can
     * never fit (cpn_world_fit_pool(..., CPN_WORLD_FIT_EVER) == CPN_NONE) or that is down.
     * Returns 0, or non-zero on an internal failure of the policy (CPN_EPLUGIN for the run).
     */
    int (*place)(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                 const struct cpn_world *world, struct cpn_policy_decision *out);
    /** Optional: observe an event (the view is taken at the event's time). */
    void (*on_event)(struct cpn_policy_ctx *ctx, const struct cpn_policy_event *event,
                     const struct cpn_world *world);
    /** Optional: called every tick_period seconds of simulated time. */
    void (*on_tick)(struct cpn_policy_ctx *ctx, const struct cpn_world *world);
    double tick_period; /**< period of on_tick, and of the migrate questions after it [s];
                             0 = never; > 0 needs on_tick or migrate */
    /**
     * Optional: decide whether @p job, at @p at, moves to another center (migration,
     * docs/models-dynamics.md).  Asked, for every job that can move (a batch, training without
     * iterations or VM job the policy placed, running or waiting at one center), after each
     * center or link change and each tick, in job order, with the job's origin's view (as for
     * place).  Fill @p out (pre-set to "hold" = stay) like place's decision: a center, and
     * optionally a pool, paths and elastic bandwidth; choosing the center it is at, or "hold",
     * leaves it.  No split (n_split must stay 0).  A running job stops (the work done so far is
     * kept), its state moves as a flow and its input is staged again; it then queues at the
     * new center.  Returns 0, or non-zero on an internal failure (CPN_EPLUGIN for the run).
     * (Appended in ABI 3.)
     */
    int (*migrate)(struct cpn_policy_ctx *ctx, const struct cpn_world_job *job,
                   const struct cpn_policy_migrant *at, const struct cpn_world *world,
                   struct cpn_policy_decision *out);
};

/**
 * Place greedily: the center with the lowest @p score among those where @p job fits now; when
 * none fits now, "hold" if @p hold is non-zero, else the lowest score among the centers where
 * it can ever fit (the job then waits in that center's queue); "hold" when none can.
 * The shared rule of the built-ins nearest, min_cost and greenest (and handy in plug-ins).
 * @param out receives center and pool (the pool that fits now, or CPN_NONE when queued or
 *        held; paths untouched).  O(centers x (pools + score)).
 */
static inline void cpn_policy_place_greedy(const struct cpn_world *w,
                                           const struct cpn_world_job *job, int hold,
                                           cpn_world_score_fn *score, void *arg,
                                           struct cpn_policy_decision *out)
{
    out->center = cpn_world_argmin(w, job, CPN_WORLD_FIT_NOW, score, arg, &out->pool);
    if (out->center == CPN_NONE && !hold) {
        out->center = cpn_world_argmin(w, job, CPN_WORLD_FIT_EVER, score, arg, NULL);
        out->pool = CPN_NONE; /* queued: the center picks the pool when units free up */
    }
}

/**
 * Return the policy table of a plug-in.  Every plug-in defines this function (and cpnsim does
 * not): the loader finds it by the name CPN_POLICY_ENTRY with dlsym().
 * @return a pointer to a table with static storage duration (valid until the plug-in is
 *         unloaded); NULL makes the loader fail.
 */
const struct cpn_policy_ops *cpn_policy_entry(void);

/* ============================================================================================
 * Host side: used by cpnsim only.  Functions return CPN_OK or a CPN_E* code (sim/error.h).
 * ========================================================================================== */

struct cpn_rng;
struct cpn_policy_registry;
struct cpn_policy;

/** The built-in policies (models/policy/NAME.c), listed in models/policy/registry.c. */
extern const struct cpn_policy_ops cpn_policy_random;
extern const struct cpn_policy_ops cpn_policy_round_robin;
extern const struct cpn_policy_ops cpn_policy_least_loaded;
extern const struct cpn_policy_ops cpn_policy_nearest;
extern const struct cpn_policy_ops cpn_policy_min_cost;
extern const struct cpn_policy_ops cpn_policy_greenest;
extern const struct cpn_policy_ops cpn_policy_earliest_finish;
extern const struct cpn_policy_ops cpn_policy_balanced;

/**
 * Create a registry holding the built-in policies (and later the loaded plug-ins).
 * @return the registry (caller frees with cpn_policy_registry_free()), or NULL when out of
 *         memory.  O(built-ins).
 */
struct cpn_policy_registry *cpn_policy_registry_new(void);

/**
 * Free a registry and unload its plug-ins (dlclose); accepts NULL.  Free every instance made
 * from a plug-in's table first: the table lives in the plug-in.
 */
void cpn_policy_registry_free(struct cpn_policy_registry *reg);

/**
 * Load a policy plug-in: dlopen(@p path, RTLD_NOW | RTLD_LOCAL), call its cpn_policy_entry(),
 * check the table and add it to @p reg.  A path without '/' is taken relative to the current
 * directory (not searched in the library path).  Only the command line loads plug-ins
 * (`--plugin`), never a scenario file.
 * @param path file name of the shared object (copied).
 * @return CPN_OK; CPN_EPLUGIN, with a message naming @p path, when the file does not exist,
 *         dlopen fails, the symbol cpn_policy_entry is missing or returns NULL, the ABI number
 *         differs from CPN_POLICY_ABI, the table is malformed (no name or place, a bad
 *         parameter), or the name is already taken by a built-in or a loaded policy;
 *         CPN_EINVAL for a NULL argument; CPN_ENOMEM.  O(policies + load time).
 */
int cpn_policy_registry_load(struct cpn_policy_registry *reg, const char *path);

/**
 * Add a table the program made itself (the bridge to an external policy process,
 * cli/policy_exec.h) to @p reg, so that scenarios, experiments and --policy may name it.
 * @param ops the table (borrowed: must outlive @p reg and every instance made from it).
 * @param origin where it comes from, for messages and cpn_policy_registry_at()'s path
 *        ("--policy-exec mine=python3 mine.py"; copied).
 * @return CPN_OK; CPN_EPLUGIN when the table fails cpn_policy_check() or its name is taken
 *         (message names @p origin); CPN_EINVAL for a NULL argument; CPN_ENOMEM.
 */
int cpn_policy_registry_add(struct cpn_policy_registry *reg, const struct cpn_policy_ops *ops,
                            const char *origin);

/** Return the number of policies in @p reg (built-ins first, then plug-ins in load order). */
size_t cpn_policy_registry_count(const struct cpn_policy_registry *reg);

/**
 * Return policy @p i of @p reg (i < count), and its plug-in path in @p path (NULL for a
 * built-in; may pass NULL).  Pointers live as long as @p reg.
 */
const struct cpn_policy_ops *cpn_policy_registry_at(const struct cpn_policy_registry *reg, size_t i,
                                                    const char **path);

/**
 * Open plug-in @p path and return its table, after cpn_policy_check() (the dlopen half of
 * cpn_policy_registry_load(), in models/policy/plugin.c).
 * @param ops receives the table (lives until cpn_policy_plugin_close(*handle)).
 * @param handle receives the dlopen handle.
 * @return CPN_OK; CPN_EPLUGIN naming @p path (missing file, dlopen error, missing or NULL
 *         entry, wrong ABI, malformed table); CPN_ENOMEM.
 */
int cpn_policy_plugin_open(const char *path, const struct cpn_policy_ops **ops, void **handle);

/** Unload a plug-in opened by cpn_policy_plugin_open(); accepts NULL. */
void cpn_policy_plugin_close(void *handle);

/**
 * Find a policy by name in @p reg, or among the built-ins when @p reg is NULL.
 * @return the table, or NULL when no policy has that name.  O(policies).
 */
const struct cpn_policy_ops *cpn_policy_find(const struct cpn_policy_registry *reg,
                                             const char *name);

/**
 * Check a table before use: ABI, name, place, parameter table (names [a-z0-9_]+ and unique,
 * unit and doc present, min <= def <= max).
 * @return CPN_OK; CPN_EPLUGIN with a message saying what is wrong.  O(params^2).
 */
int cpn_policy_check(const struct cpn_policy_ops *ops);

/**
 * Look up parameter @p name of @p ops and validate @p value for it (the scenario loader calls
 * this to report a bad <param> at its file:line).
 * @param index receives the parameter's index in ops->params (may be NULL).
 * @return CPN_OK; CPN_ENOENT when the policy has no such parameter (the message lists the
 *         accepted names); CPN_ERANGE when @p value is NaN or outside [min, max] (the message
 *         gives the range and unit).  O(params).
 */
int cpn_policy_param_lookup(const struct cpn_policy_ops *ops, const char *name, double value,
                            uint32_t *index);

/** One parameter setting {name, value} given to cpn_policy_new(). */
struct cpn_policy_setting {
    const char *name; /**< parameter name (borrowed) */
    double value;     /**< value in the parameter's unit */
};

/**
 * Create an instance of policy @p ops for a run: parameters at their defaults overridden by
 * @p settings, the random stream "policy/NAME" taken from @p streams, then ops->create called.
 * @param settings settings[n_settings] (borrowed; may be NULL when 0); a later setting of the
 *        same name wins.
 * @param streams the run's random streams (borrowed; must outlive the instance); NULL gives a
 *        policy whose uniform() is unavailable (ctx->uniform == NULL).
 * @param n_centers, n_origins sizes of every view the instance will receive.
 * @param out receives the instance (caller frees with cpn_policy_free()).
 * @return CPN_OK; CPN_ENOENT or CPN_ERANGE as cpn_policy_param_lookup(); CPN_EPLUGIN when the
 *         table fails cpn_policy_check() or create() fails; CPN_EINVAL for NULL ops/out;
 *         CPN_ENOMEM.  Side effect: creates the stream "policy/NAME".  O(params x settings).
 */
int cpn_policy_new(const struct cpn_policy_ops *ops, const struct cpn_policy_setting *settings,
                   size_t n_settings, struct cpn_rng *streams, uint32_t n_centers,
                   uint32_t n_origins, struct cpn_policy **out);

/**
 * Hand @p state to an instance of a host-made table (one without create and destroy: the bridge
 * to an external policy process) as its ctx->state, and mark it as the host's own: when its
 * place or migrate callback returns CPN_EPOLICY, cpn_policy_place() and cpn_policy_migrate()
 * return CPN_EPOLICY with the message the callback recorded, instead of CPN_EPLUGIN.
 */
void cpn_policy_bind(struct cpn_policy *p, void *state);

/**
 * Check decision @p out for @p job against @p world: paths within the view (0 becomes 1), a
 * rejection without a center or split, a center in range that is up and can ever fit the job,
 * a pool that exists and fits it, a split
 * only of a splittable job, over 2..CPN_POLICY_MAX_SPLIT distinct centers that each fit their
 * part, with center = split_centers[0] and units summing to the job's.  Used by
 * cpn_policy_place() and cpn_policy_migrate(), and by the external-process bridge to locate a
 * bad reply.
 * @param name the policy's name, for messages.
 * @return CPN_OK; CPN_EPLUGIN with a message naming the policy, the job and what is wrong.
 */
int cpn_policy_decision_check(const char *name, const struct cpn_world_job *job,
                              const struct cpn_world *world, struct cpn_policy_decision *out);

/** Destroy an instance (calls ops->destroy); accepts NULL. */
void cpn_policy_free(struct cpn_policy *p);

/** Return the table of instance @p p. */
const struct cpn_policy_ops *cpn_policy_ops_of(const struct cpn_policy *p);

/** Return the value of parameter @p index of instance @p p [its unit] (index < n_params). */
double cpn_policy_param_value(const struct cpn_policy *p, uint32_t index);

/**
 * Ask the policy where @p job goes, and check the answer against the view.
 * @param world the view (borrowed); its sizes must match those given to cpn_policy_new().
 * @param out receives the decision; paths is normalised to [1, world->n_paths].
 * @return CPN_OK; CPN_EINVAL when the job's origin or the view's sizes are out of range;
 *         CPN_EPLUGIN (message names the policy) when place() fails, or chooses a center out
 *         of range, a center that is down, a center where the job can never fit, a pool out of
 *         range or too small, or more paths than the view has.  Cost: that of place().
 */
int cpn_policy_place(struct cpn_policy *p, const struct cpn_world_job *job,
                     const struct cpn_world *world, struct cpn_policy_decision *out);

/**
 * Ask the policy whether @p job moves (its migrate callback), and check the answer as
 * cpn_policy_place() does.
 * @param out receives the decision: center CPN_POLICY_HOLD when the job stays (also when the
 *        policy has no migrate callback or chose the center the job is at).
 * @return CPN_OK; CPN_EINVAL as cpn_policy_place(), or when @p at names no center of the view;
 *         CPN_EPLUGIN (message names the policy) when migrate() fails, splits, rejects, or
 *         chooses a center or pool cpn_policy_place() would refuse.  Cost: that of migrate().
 */
int cpn_policy_migrate(struct cpn_policy *p, const struct cpn_world_job *job,
                       const struct cpn_policy_migrant *at, const struct cpn_world *world,
                       struct cpn_policy_decision *out);

/** Whether the policy has a migrate callback (cpn_policy_migrate() can move anything). */
int cpn_policy_migrates(const struct cpn_policy *p);

/** Deliver @p event to the policy's on_event (nothing when it has none). */
void cpn_policy_notify(struct cpn_policy *p, const struct cpn_policy_event *event,
                       const struct cpn_world *world);

/** Call the policy's on_tick (nothing when it has none). */
void cpn_policy_tick(struct cpn_policy *p, const struct cpn_world *world);

/** Return the period of on_tick [s], 0 when the policy wants no ticks. */
double cpn_policy_tick_period(const struct cpn_policy *p);

#endif /* CPN_MODELS_POLICY_H */
