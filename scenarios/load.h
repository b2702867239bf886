/**
 * @file scenarios/load.h
 * @brief Read a scenario file (XML, schema scenarios/cpnsim.xsd) into model objects.
 *
 * Stages, for the main file and every included file (docs/scenario-format.md):
 *  1. read and parse with libxml2 (XML_PARSE_NONET | XML_PARSE_BIG_LINES; no entity
 *     substitution, no DTD loading; a DOCTYPE or an entity reference is refused before
 *     anything it names is read), check the root `<cpnsim version="1">`, resolve
 *     `<include href="..."/>` (relative paths only, at most CPN_SCEN_MAX_INCLUDE_DEPTH levels,
 *     cycles refused);
 *  2. apply the `--set` overrides (struct cpn_override) to the parsed documents;
 *  3. validate every document against the schema, which is compiled into the program
 *     (cpn_scen_xsd), so no installed file is needed;
 *  4. when the structure is valid: check the semantics and build the topology, the routes,
 *     the traffic, the centers, the workload and the scheduler settings (units through
 *     scenarios/units.h, topology through models/net/topology.h, GraphML through
 *     scenarios/graphml.h, routes through models/net/route.h, center specs of
 * models/centers/center.h, distributions and arrivals of models/workload/workload.h, workload logs
 * read with models/workload/wlog.h, source specs of models/jobs/jobs.h, policies looked up with
 * models/policy.h, awareness modes of models/policy/awareness.h).  Nothing is simulated: the specs
 * are ready to be given to cpn_jobs_add_center(), cpn_jobs_add_generator(), cpn_jobs_add_wlog() and
 *     cpn_policy_new().
 * Every mistake is printed into the diagnostic sink as `cpnsim: FILE:LINE: ELEMENT "ID": what
 * is wrong (what would be accepted)` (a malformed workload log line at the workload log file's
 * line), and loading goes on to find all of them (the sink prints at most its max_errors).
 * Reachability (a flow's src to dst, a path's hops, every center from every origin of the workload)
 * is checked only when no other error was found, so that one bad link does not cascade into many
 * messages.
 *
 * The loader is reentrant: no global state is touched (libxml2 error handlers are installed on
 * the parser, schema and XPath contexts only).
 */
#ifndef CPN_SCENARIOS_LOAD_H
#define CPN_SCENARIOS_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "models/policy/awareness.h"
#include "models/centers/center.h"
#include "models/dynamics/timeline.h"
#include "models/jobs/jobs.h"
#include "models/policy.h"
#include "models/net/route.h"
#include "models/net/topology.h"
#include "models/net/transport.h"
#include "scenarios/units.h"
#include "sim/array.h"
#include "sim/diag.h"
#include "sim/idmap.h"

/** The scenario format version this program reads (root attribute `version`). */
#define CPN_SCEN_VERSION "1"

/**
 * Deepest include nesting accepted: the main file is level 0, a file it includes level 1, ...
 * Assumption: 8 levels are more than any sensible scenario needs and stop runaway recursion.
 */
#define CPN_SCEN_MAX_INCLUDE_DEPTH 8

/** One `--set TARGET=VALUE` override (all strings borrowed for the duration of the load). */
struct cpn_override {
    const char *target; /**< `ELEMENT@ATTR`, `ELEMENT/ID@ATTR`, or an XPath starting with '/'
                             that selects attribute nodes */
    const char *value;  /**< the new attribute value, as it would be written in the file */
    const char *origin; /**< location printed in messages about this override, e.g.
                             "batch.xml:12"; NULL (the usual choice for the command line)
                             prints "--set TARGET=VALUE" */
};

/**
 * Find where the target of a `--set TARGET=VALUE` argument ends: at the first '=' outside
 * brackets, parentheses and quotes, so that XPath predicates (`//link[@id="x"]/@capacity=1Gbps`)
 * stay in the target and the value may hold '='; when brackets or quotes are unbalanced, at the
 * last '=' (the loader then reports the invalid XPath).
 * @param arg the argument after --set (borrowed).
 * @param target_len receives the length of TARGET [chars]; VALUE starts at arg + *target_len + 1.
 * @return CPN_OK; CPN_EINVAL when @p arg has no such '=' or an empty target, or an argument is
 *   NULL (the message, cpn_error_message(), quotes the argument).  O(length of arg).
 */
int cpn_override_split(const char *arg, size_t *target_len);

/** Options of cpn_scen_load(); a zeroed struct (or NULL) means "no overrides, built-in
 *  policies only". */
struct cpn_scen_options {
    const struct cpn_override *overrides; /**< n_overrides of them, applied in order (borrowed) */
    size_t n_overrides;                   /**< number of overrides */
    const struct cpn_policy_registry *policies; /**< where `<scheduler policy>` is looked up
                                                     (built-ins and the plug-ins loaded with
                                                     --plugin; borrowed, must outlive the
                                                     scenario, whose scheduler.ops points into
                                                     it); NULL = the built-ins */
    int check_only; /**< nonzero for a check alone (`cpnsim validate`): streamed flow files and
                         workload logs are read and checked as for a run, but no checked copy
                         of their rows is made (docs/scenario-format.md, "Streamed flow
                         files"): the scenario is not for running */
};

/** An explicit path of the scenario (`<path id via/>`). */
struct cpn_scen_path {
    const char *id;               /**< path id (owned by the scenario) */
    const struct cpn_path *route; /**< the route (owned by the scenario's router) */
    const char *file;             /**< file that defines it (owned by the scenario) */
    long line;                    /**< line in @c file */
};

/** A path set (`<pathset id paths="P:W ..."/>`): explicit paths and the share of each, an
 *  SRv6-style policy that splits a flow's bytes over its paths. */
struct cpn_scen_pathset {
    const char *id;                 /**< id (owned by the scenario) */
    const struct cpn_path **routes; /**< the member paths' routes, length n (malloc, owned;
                                         routes owned by the scenario's router) */
    double *shares;                 /**< share of each path [unit-less, >= 0, sum > 0],
                                         length n (malloc, owned) */
    uint32_t n;                     /**< number of paths, 1..CPN_NETWORK_MAX_PATHS */
    const char *file;               /**< file of the element (owned by the scenario) */
    long line;                      /**< line in @c file */
};

/**
 * A storage site (`<storage>`, or the storage of a center given by its storage-read or
 * storage-write attributes): a dataset's home, whose read and write bandwidths are resources
 * shared by the flows that read from or write to it (models/net/network.h).
 */
struct cpn_scen_storage {
    const char *id;   /**< site id (a center's own site has the center's id) */
    uint32_t node;    /**< node it is attached to */
    uint32_t center;  /**< the center it belongs to, or CPN_NONE for a site of its own */
    double capacity;  /**< [B], >= 0; 0 = not given.  Assumption: informational (not enforced
                           over time: sites are provisioned for the datasets they hold) */
    double read;      /**< read bandwidth [B/s], >= 0; 0 = not a limit */
    double write;     /**< write bandwidth [B/s], >= 0; 0 = not a limit */
    const char *file; /**< file of the element (owned by the scenario) */
    long line;        /**< line in @c file */
};

/**
 * A transport profile of the scenario: one of the built-ins (ideal, tcp, rdma-lossless,
 * rdma-lossy, at the indices of their cpn_transport_kind) or a `<transport>` element.
 */
struct cpn_scen_transport {
    const char *id; /**< name by which flows, sources and `<simulation>` refer to it */
    struct cpn_transport profile; /**< the profile (models/net/transport.h) */
    const char *cc;               /**< congestion control: "reno" (tcp), "hpcc", "dcqcn" or
                                       "none" (rdma), "" (ideal) (a static string) */
    const char *file;             /**< file of the element (owned by the scenario); NULL for a
                                       built-in */
    long line;                    /**< line in @c file, 0 for a built-in */
};

/** The elastic bandwidth budget of a link (`<link elastic elastic-setup>`). */
struct cpn_scen_elastic {
    uint32_t link; /**< link index */
    double budget; /**< bandwidth that may be added on request [B/s] */
    double setup;  /**< set-up time of a grant [s] (default 100 ms, OTN ODUflex) */
};

/** A fibre span of the wavelength layer (`<span>`; models/net/optical.h). */
struct cpn_scen_span {
    const char *id;       /**< span name (owned by the scenario) */
    uint32_t a, b;        /**< end nodes */
    double length;        /**< fibre length [m] */
    uint32_t wavelengths; /**< wavelength slots */
    const char *file;     /**< file of the element (owned by the scenario) */
    long line;            /**< its line */
};

/** The lightpaths of an IP link (`<link over lambda lambda-setup>`;
 *  cpn_network_set_lightpaths()). */
struct cpn_scen_lightpaths {
    uint32_t link;   /**< link index */
    uint32_t *spans; /**< span indices from a to b (malloc; owned) */
    uint32_t k;      /**< number of spans */
    double lambda;   /**< rate of one wavelength [B/s] */
    double setup;    /**< set-up time of one more lightpath [s] (default 60 s, ROADM) */
};

/** The random failures of one link (`<failures>`): its MTBF and MTTR distributions [s]. */
struct cpn_scen_failure {
    uint32_t link;          /**< link index (when @c center, @c span and @c node are
                                 CPN_NONE) */
    uint32_t center;        /**< center index, or CPN_NONE */
    uint32_t span;          /**< fibre span index, or CPN_NONE */
    uint32_t node;          /**< node index, or CPN_NONE */
    struct cpn_dist *dists; /**< [0] time to failure, [1] time to repair (malloc; owned by the
                                 entry whose @c owner is 1, the first of its `<failures>`) */
    int owner;              /**< 1 for the entry that frees @c dists */
    double restore;         /**< restoration delay [s] (models/dynamics/links.h), NaN: none */
    const char *file;       /**< file that defines it (owned by the scenario) */
    long line;              /**< line in @c file */
};

/** A figure the scenario states as its result (`<headline>`): cpn_summary_add_headline(). */
struct cpn_scen_headline {
    const char *id;     /**< headline name (owned by the scenario) */
    const char *metric; /**< a summary metric (owned by the scenario), or NULL: a flow's rate */
    double scale;       /**< factor on the metric [1] (default 1) */
    uint64_t *flows;    /**< the flows (indices into cpn_scenario.flows) whose mean rates are
                             summed, length n_flows (malloc, owned) */
    size_t n_flows;     /**< number of flows; 0 for a metric */
    double per;         /**< the rate the flows' summed mean rate is divided by [B/s] */
    const char *file;   /**< file of the element (owned by the scenario) */
    long line;          /**< line in @c file */
};

/** Number of built-in transport profiles (indices 0 .. 3 of cpn_scenario.transports). */
#define CPN_SCEN_BUILTIN_TRANSPORTS 4

/** One flow of `<traffic>` (inline `<flow>` or a row of a `<flows>` CSV file). */
struct cpn_scen_flow {
    const char *id;     /**< flow id, unique among flows (owned by the scenario) */
    uint32_t src;       /**< source node index in the scenario's topology */
    uint32_t dst;       /**< destination node index */
    double size;        /**< bytes to move [B], >= 0 */
    double start;       /**< start time [s], >= 0 */
    uint32_t path;      /**< index into cpn_scenario.paths, or CPN_NONE for the shortest path */
    uint32_t transport; /**< transport profile: index into cpn_scenario.transports (default
                             0, ideal) */
    uint32_t k_paths;   /**< paths="K": split over the K shortest paths (> 1), else 0 */
    uint32_t pathset;   /**< paths="SET": index into cpn_scenario.pathsets, or CPN_NONE */
    double weight;      /**< weight in weighted max-min sharing (unit-less, > 0; default 1) */
    const struct cpn_path *route; /**< its own route (a node list in its flow file's path
                                       column, or its ECMP choice; owned by the scenario's
                                       router), or NULL; checked against src and dst */
    unsigned char ecmp; /**< routing="ecmp": route chosen by the hash of its id (at load) */
    unsigned char csv;  /**< defined by a row of a `<flows file>` CSV file */
    const char *file;   /**< file that defines it: the scenario or the CSV file (owned by the
                             scenario) */
    long line;          /**< line in @c file */
};

/**
 * What loaded flows share (an inline `<flow>`'s settings, or a `<flows>` file's with the row's
 * named path): kept once in cpn_scenario.flowspecs for every flow that has it.  The fields are
 * those of struct cpn_scen_flow.
 */
struct cpn_scen_flowspec {
    const char *file;   /**< file that defines the flows (owned by the scenario) */
    double weight;      /**< weight in weighted max-min sharing (> 0) */
    uint32_t path;      /**< index into cpn_scenario.paths, or CPN_NONE */
    uint32_t transport; /**< index into cpn_scenario.transports */
    uint32_t k_paths;   /**< paths="K" (> 1), else 0 */
    uint32_t pathset;   /**< index into cpn_scenario.pathsets, or CPN_NONE */
    unsigned char ecmp; /**< routing="ecmp" */
    unsigned char csv;  /**< rows of a `<flows file>` CSV file */
};

/**
 * A loaded flow as the scenario keeps it until it starts (cpn_scenario.flows): 40 bytes, plus
 * its id's bytes in cpn_scenario.flow_ids; cpn_scen_flow_get() gives the whole struct
 * cpn_scen_flow.  (Issue 20 asks for at most 64 bytes per flow before it starts.)
 */
struct cpn_scen_flowrow {
    double size;    /**< bytes to move [B], >= 0 */
    double start;   /**< start time [s], >= 0 */
    uint32_t src;   /**< source node index */
    uint32_t dst;   /**< destination node index */
    uint32_t id;    /**< offset of its NUL-terminated id in cpn_scenario.flow_ids */
    uint32_t route; /**< id of its own route in the scenario's router (cpn_route_path()), or
                         CPN_NONE */
    uint32_t spec;  /**< index into cpn_scenario.flowspecs */
    uint32_t line;  /**< line in its spec's file */
};

struct cpn_scenario;

/**
 * Loaded flow @p i (0 .. s->flows.len - 1) of @p s, whole, into @p f (its id and file point
 * into the scenario, valid while it lives).  O(1).
 */
void cpn_scen_flow_get(const struct cpn_scenario *s, size_t i, struct cpn_scen_flow *f);

/** The id of loaded flow @p i of @p s (owned by the scenario).  O(1). */
const char *cpn_scen_flow_id(const struct cpn_scenario *s, size_t i);

/**
 * A `<flows file>` read during the run instead of loaded (docs/scenario-format.md, "Streamed
 * flow files"): its rows are sorted by start time and were all checked at load, which kept
 * what the run needs of them in a binary copy (copy_fd) that the run reads instead of the file.
 */
struct cpn_scen_flowfile {
    const char *file;   /**< the CSV file, resolved (owned by the scenario) */
    uint32_t transport; /**< transport profile of its flows */
    unsigned char ecmp; /**< routing="ecmp" */
    int columns;        /**< 5, or 6 with the path column */
    size_t rows;        /**< flows it holds */
    size_t first;       /**< id of its first flow: the loaded flows, then the streamed files'
                             rows in file order */
    size_t ties;        /**< its flows routed by shortest path over ties (the warning) */
    long tie_line;      /**< the first of them: its line, src and dst */
    uint32_t tie_src, tie_dst;
    int copy_fd;         /**< the checked copy of its rows made at load (docs/scenario-format.md,
                              "Streamed flow files"): an unlinked temporary file, read with pread(2) by
                              every reader; -1 when there is none (the readers parse the file again) */
    uint64_t copy_bytes; /**< the copy's size [bytes] */
};

/**
 * Parse one data row of a flows CSV file (@p text, split in place) into @p f, whose transport,
 * k_paths, pathset, ecmp, file and line the caller has set: id (pointing into @p text), src,
 * dst, size, start, and the path column (a path id into f->path, or a node list routed into
 * f->route by @p r, remembered in s->route_texts).  @p path_token: cpn_idmap_prefetch()'s
 * token for s->route_texts and the text after the row's last comma (its path column when it has
 * 6 columns), which spares the look-up a second hash of that text; 0 when there is none.
 * Errors are reported to @p diag at @p file:@p line.
 * @return 1 when the row is good, 0 when not (*oom set when out of memory).
 */
int cpn_scen_csv_flow(struct cpn_scenario *s, struct cpn_router *r, struct cpn_diag *diag,
                      const char *file, long line, char *text, int columns, uint64_t path_token,
                      struct cpn_scen_flow *f, int *oom);

/** Flows the scenario gives: the loaded ones (s->flows) and the streamed files' rows. */
size_t cpn_scen_flow_count(const struct cpn_scenario *s);

/** Reads the flows of a streamed file in order during the run (scenarios/load_traffic.c). */
struct cpn_scen_flow_reader;

/**
 * Open streamed file @p k of @p s (s->flowfiles) for reading from its first row.
 * @param diag where a row that went bad since the load is reported (borrowed; outlives it).
 * @param route nonzero: give each row its route (f->route: its path column's, or ECMP's as the
 *        load routed it); 0: rows for output only, f->route NULL — and then, reading a file's
 *        checked copy, the reader reads nothing of @p s but the file's own record and its
 *        copy, so that another thread may use it while the run routes flows
 *        (cli/flows_out.h).
 * @return CPN_OK; CPN_ESCENARIO when the file cannot be read any more (message names it);
 *         CPN_ENOMEM.
 */
int cpn_scen_flow_reader_open(struct cpn_scenario *s, size_t k, struct cpn_diag *diag, int route,
                              struct cpn_scen_flow_reader **out);

/**
 * Read the next flow: *more = 1 and @p f filled (f->id valid until the next call), routed as
 * the load routed it (f->route for its path column or ECMP), or *more = 0 at the end.  From the
 * checked copy when the file has one (cpn_scen_flowfile.copy_fd), else parsed from the file
 * again.
 * @return CPN_OK; CPN_ESCENARIO, reported with the file and line, when (without a copy) a row no
 *         longer parses or is out of order, or the file has more or fewer rows than at load (it
 *         changed after the load), or when an ECMP flow has no route left (a <timeline>);
 *         CPN_EIO when the copy cannot be read back, ends early, inside a row or is damaged
 *         (with the system's reason: an I/O error of a temporary file, not of the scenario, as
 *         for a workload log's copy); CPN_ENOMEM.  O(row + route).
 */
int cpn_scen_flow_reader_next(struct cpn_scen_flow_reader *rd, struct cpn_scen_flow *f, int *more);

/** Close a reader; accepts NULL. */
void cpn_scen_flow_reader_free(struct cpn_scen_flow_reader *rd);

/** A table of names (a CPN_ARRAY of strings owned by the scenario); the index is the id. */
struct cpn_scen_names {
    const char **items; /**< the names */
    size_t len;         /**< number of names */
    size_t cap;         /**< capacity (sim/array.h) */
};

/** One `<pool>` of a center. */
struct cpn_scen_pool {
    struct cpn_pool_spec spec; /**< the pool as models/centers/center.h takes it (strings owned by
                                  the scenario); spec.name is the `name` attribute or NULL */
    uint32_t type;             /**< unit type: index of spec.accelerator ("" when none) in
                                    cpn_scenario.pool_types; the numbering of
                                    cpn_jobs_pool_type() when the centers are added to the jobs
                                    layer in scenario order */
};

/** One `<center>` of `<centers>`. */
struct cpn_scen_center {
    struct cpn_center_spec spec; /**< the center as models/centers/center.h takes it (id owned by
                                    the scenario; node is its attachment node index; lat/lon are
                                      that node's coordinates, NaN when it has none) */
    uint32_t pool0;              /**< index of its first pool in cpn_scenario.pools */
    uint32_t npools;             /**< number of its pools (>= 1), contiguous from pool0 */
    const char *file;            /**< file that defines it (owned by the scenario) */
    long line;                   /**< line in @c file */
};

/**
 * The distributions a `<generator>` or `<trace>` owns; the source's spec points into it (each
 * pointer NULL when the attribute is absent).  Heap-allocated so that the pointers stay valid.
 */
struct cpn_scen_dists {
    struct cpn_dist units;           /**< `units` [count] */
    struct cpn_dist work;            /**< `work` [FLOP] */
    struct cpn_dist duration;        /**< `duration` [s] */
    struct cpn_dist walltime;        /**< `walltime` [s] */
    struct cpn_dist walltime_factor; /**< `walltime-factor` [1] */
    struct cpn_dist bytes_in;        /**< `bytes-in` [B] */
    struct cpn_dist bytes_out;       /**< `bytes-out` [B] */
    struct cpn_dist deadline;        /**< `deadline` [s] after submit */
    struct cpn_dist request_rate;    /**< `request-rate` [1/s] */
    struct cpn_dist request_flop;    /**< `request-flop` [FLOP] */
};

/** One `<generator>` of `<workload>`: pass &spec to cpn_jobs_add_generator(). */
struct cpn_scen_generator {
    struct cpn_generator_spec spec; /**< the source; id owned by the scenario, distributions
                                         point into @c dists, origins and origin_weights into
                                         the arrays below (all owned by the scenario) */
    struct cpn_scen_dists *dists;   /**< the distributions (owned) */
    uint32_t *origins;              /**< origin node indices, spec.n_origins (owned, or NULL) */
    double *origin_weights;         /**< their weights [1] (owned), or NULL = equal */
    const char *file;               /**< file that defines it (owned by the scenario) */
    long line;                      /**< line in @c file */
};

/** One `<trace>` of `<workload>`: pass &spec to cpn_jobs_add_wlog(). */
struct cpn_scen_wlog {
    struct cpn_wlog_source_spec spec; /**< the source; spec.log is the read workload log (owned:
                                            cpn_wlog_free()), spec.origins the origin node of
                                            every job record (owned) or NULL = base.origin,
                                            bytes distributions point into @c dists */
    struct cpn_scen_dists *dists;     /**< the distributions (owned) */
    const char *path;                 /**< workload log file as opened (resolved against the
                                           scenario's directory; owned by the scenario) */
    const char *file;                 /**< file that defines it (owned by the scenario) */
    long line;                        /**< line in @c file */
    /* A streamed log (`stream`, docs/scenario-format.md "Streamed workload logs"): spec.log
     * holds no record (cpn_wlog_scan()); cpn_scen_wlog_stream_open() reads them in the run. */
    int streamed;                    /**< nonzero when streamed */
    struct cpn_wlog_options opt;     /**< the read's options (columns: @c columns) */
    struct cpn_wlog_columns columns; /**< the CSV columns (names owned by the scenario) */
    struct cpn_wlog_origin_map map;  /**< streamed with origins=: each record's origin, as an
                                          index into @c origin_nodes (tables owned) */
    uint32_t *origin_nodes;          /**< map's origins as nodes (owned), map.norigins */
};

/** A streamed workload log being read during the run (cpn_scen_wlog_stream_open()). */
struct cpn_scen_wlog_stream;

/**
 * Open workload log @p k of @p s (a streamed one) for the run: its records in time order, each
 * with its origin node as the load would have assigned it (by group, round robin, or weighted
 * draws from the stream "traces/ID/origins" of the scenario's seed, in record order).
 * @param diag where rows that changed since the load are reported (borrowed).
 * @return CPN_OK; CPN_EINVAL when @p k is out of range or not streamed; CPN_ENOINPUT when the
 *         file cannot be read any more; CPN_ENOMEM.
 */
int cpn_scen_wlog_stream_open(const struct cpn_scenario *s, size_t k, struct cpn_diag *diag,
                              struct cpn_scen_wlog_stream **out);

/**
 * The next record and its origin node (cpn_wlog_source_spec.next's shape: @p ctx is the
 * stream).
 * @return as cpn_wlog_stream_next().
 */
int cpn_scen_wlog_stream_next(void *ctx, struct cpn_wlog_job *rec, uint32_t *origin, int *more);

/** Close a stream; accepts NULL. */
void cpn_scen_wlog_stream_free(struct cpn_scen_wlog_stream *st);

/** The `<scheduler>` settings (or the defaults when the element is absent). */
struct cpn_scen_scheduler {
    const char *policy;               /**< policy name; default "earliest_finish" */
    const struct cpn_policy_ops *ops; /**< its table: a built-in (static) or a plug-in's table
                                           from cpn_scen_options.policies (borrowed) */
    CPN_ARRAY(struct cpn_policy_setting)
    params;                                /**< `<param>` settings in file order, values
                                      in the parameter's unit, each checked with
                                      cpn_policy_param_lookup() (names owned by the
                                      scenario); pass to cpn_policy_new() */
    struct cpn_awareness_config awareness; /**< mode (default oracle), period [s] (> 0 unless
                                            oracle; 0 when not given), delay [s] (default 0);
                                            center_delay NULL */
    const char *file;                      /**< file of the element, NULL when absent (defaults) */
    long line;                             /**< line in @c file, 0 when absent */
};

/** Policy of a scenario without `<scheduler>` (with oracle awareness). */
#define CPN_SCEN_DEFAULT_POLICY "earliest_finish"

struct cpn_scen_strings; /* string storage of a scenario (private) */

/**
 * Drain of a replay that gives no `until` nor `drain` [s]: 365 days.  Assumption: a year after
 * the last submission is longer than any backlog of the archive logs (their longest jobs run for
 * days); a run that reaches it reports its jobs still unfinished instead of hanging.
 */
#define CPN_SCEN_REPLAY_DRAIN (365.0 * 86400.0)

/** A loaded scenario.  Fields are read-only for users; free with cpn_scen_free(). */
struct cpn_scenario {
    char *file;         /**< main file path as given (or the name given to the memory load) */
    char *text;         /**< full text of the main file, NUL-terminated (provenance) */
    size_t text_len;    /**< length of @c text [bytes] */
    double until;       /**< simulated end time [s], > 0; with a drain, the last arrival time.
                             Left out in a scenario whose every source is a workload log: the
                             latest submit time of its logs (the replay's own span), and the
                             drain then defaults to CPN_SCEN_REPLAY_DRAIN */
    double drain;       /**< longest run after @c until to let the jobs that arrived end [s]
                             (`<simulation drain>`); 0 = none, the run stops at @c until */
    int until_is_span;  /**< 1 when @c until was left out and is the replay's span: the
                             statistics window then closes when the workload has ended, the
                             drain included (docs/metrics.md, "Window") */
    double warmup;      /**< start of the statistics window [s], 0 <= warmup < until
                             (`<simulation warmup>`, docs/metrics.md "Window"); 0 = none */
    uint64_t seed;      /**< seed of all random streams */
    double sample;      /**< interval between time-series samples [s]; 0 = no sampling */
    double fibre_delay; /**< one-way fibre delay [s/m] (`<simulation fibre-delay>`, default
                             CPN_FIBRE_DELAY) */
    uint32_t transport; /**< default transport profile of the jobs' transfers: index into
                             @c transports (`<simulation transport>`, default 0, ideal) */
    CPN_ARRAY(struct cpn_scen_transport)
    transports;                /**< the profile table: the built-ins, then the
                                    `<transport>`s in file order; the index is the
                                    network's profile index (cpn_network_new()) */
    struct cpn_topo *topo;     /**< the network (owned) */
    struct cpn_router *router; /**< router over @c topo holding the explicit paths (owned) */
    CPN_ARRAY(struct cpn_scen_path) paths;            /**< explicit paths, in file order */
    struct cpn_idmap path_ids;                        /**< path id -> index in @c paths */
    CPN_ARRAY(struct cpn_scen_pathset) pathsets;      /**< path sets, in file order */
    CPN_ARRAY(struct cpn_scen_headline) headlines;    /**< `<headline>`s, in file order */
    CPN_ARRAY(struct cpn_scen_elastic) elastic;       /**< links with an elastic budget */
    CPN_ARRAY(struct cpn_scen_span) spans;            /**< fibre spans, in file order */
    CPN_ARRAY(struct cpn_scen_lightpaths) lightpaths; /**< links on lightpaths */
    CPN_ARRAY(struct cpn_scen_failure)
    failures; /**< `<failures>`: one per link, in file order
                   (models/dynamics/failures.h) */
    CPN_ARRAY(struct cpn_change)
    changes; /**< `<timeline>` changes in file order (a tariff
                  table's rows in row order; NaN in a tariff: keep
                  the value before) */
    CPN_ARRAY(struct cpn_scen_flowrow)
    flows;                                         /**< loaded flows, in file order (not sorted by
                                                        start); cpn_scen_flow_get() gives one whole */
    CPN_ARRAY(struct cpn_scen_flowspec) flowspecs; /**< what loaded flows share, each once */
    CPN_ARRAY(char)
    flow_ids; /**< the loaded flows' ids, NUL-terminated, one after another
                   (cpn_scen_flowrow.id: at most 4 GiB in all) */
    CPN_ARRAY(struct cpn_scen_flowfile) flowfiles; /**< flow files read during the run */
    struct cpn_idmap route_texts; /**< a flow file's path column (a node list) -> the router's
                                       path id, so that each distinct route is built once */
    CPN_ARRAY(char *) route_keys; /**< the keys of route_texts (malloc, owned) */
    CPN_ARRAY(const char *)
    files; /**< every file read: main, includes, GraphML, CSV, workload logs,
                in the order read (strings owned by the scenario) */
    CPN_ARRAY(struct cpn_scen_center)
    centers;                               /**< centers in file order; the index is the
                                                center index of the run */
    CPN_ARRAY(struct cpn_scen_pool) pools; /**< pools of all centers, grouped by center */
    CPN_ARRAY(struct cpn_scen_storage)
    sites;                                           /**< storage sites: the centers' own (in
                                                          center order, where given) and the
                                                          `<storage>` elements, in file order;
                                                          the index is the network's site */
    struct cpn_scen_names pool_types;                /**< accelerator names of the pools ("" for
                                                          none) by type index, in order of first use */
    CPN_ARRAY(struct cpn_scen_generator) generators; /**< `<generator>`s in file order */
    CPN_ARRAY(struct cpn_scen_wlog) wlogs;           /**< `<trace>`s in file order */
    char currency[CPN_CURRENCY_LEN];                 /**< ISO 4217 code of every price of the
                                                          scenario ("CNY"), "" when none is given */
    struct cpn_scen_scheduler scheduler;             /**< the global scheduler */
    struct cpn_scen_strings *strings;                /**< storage of every string above (private) */
};

/**
 * Load, validate and build a scenario file.
 * @param file path of the scenario (borrowed); relative includes and data files resolve
 *   against its directory, and messages show paths built from it.
 * @param opt overrides (borrowed), or NULL for none.
 * @param diag sink receiving every located error and warning (borrowed).
 * @param out receives the scenario (caller frees with cpn_scen_free()); NULL on error.
 * @return CPN_OK; CPN_ENOINPUT when @p file cannot be read (reported to @p diag as
 *   `cpnsim: FILE: cannot read: REASON`); CPN_ESCENARIO when any error was reported to
 *   @p diag (malformed XML, a DOCTYPE or entity, schema violation, bad override, include
 *   problem, bad unit or value, unknown id, unreachable pair, bad CSV or GraphML file, bad
 *   distribution, unknown policy, parameter or awareness mode, job that no pool can ever fit,
 *   missing or malformed workload log file);
 *   CPN_ENOMEM; CPN_EINVAL when @p file, @p diag or @p out is NULL.
 *   Complexity: linear in the input size plus one shortest-path search per distinct
 *   (src, dst) pair of the traffic and per (origin, center) pair of the workload, plus
 *   O(n log n) per workload log of n records.  Side effect: weighted workload log origins are drawn
 * on the stream "workload logs/ID/origins" of the scenario seed (a private sim/rng.h set, freed at
 * once).
 */
int cpn_scen_load(const char *file, const struct cpn_scen_options *opt, struct cpn_diag *diag,
                  struct cpn_scenario **out);

/**
 * Load a scenario from a memory buffer (for fuzzing and tests).  Same as cpn_scen_load() but
 * the main text is @p buf; includes and data files resolve against the current directory.
 * @param name file name used in messages and as cpn_scenario.file (borrowed).
 * @param buf the XML text (borrowed), @p len bytes, need not be NUL-terminated.
 * @param len length of @p buf [bytes].
 * @param opt, diag, out as in cpn_scen_load().
 * @return as cpn_scen_load(), except that CPN_ENOINPUT never occurs (a missing included or
 *   data file is a located CPN_ESCENARIO error).
 */
int cpn_scen_load_memory(const char *name, const char *buf, size_t len,
                         const struct cpn_scen_options *opt, struct cpn_diag *diag,
                         struct cpn_scenario **out);

/** Free a scenario: its topology, router, strings, centers, the workload's distributions,
 *  origin tables and workload logs (cpn_wlog_free()), and the scheduler settings.  Accepts NULL. */
void cpn_scen_free(struct cpn_scenario *s);

/**
 * Find an explicit path of a scenario by id.
 * @return its index in s->paths, or CPN_NONE.  O(1) expected (a hashed id table).
 */
uint32_t cpn_scen_find_path(const struct cpn_scenario *s, const char *id);

/** Index of span @p id, or CPN_NONE. */
uint32_t cpn_scen_find_span(const struct cpn_scenario *s, const char *id);

/** Return the index of the storage site named @p id in s->sites, or CPN_NONE.  O(sites). */
uint32_t cpn_scen_find_site(const struct cpn_scenario *s, const char *id);

/** Return the index of the transport profile named @p id in s->transports, or CPN_NONE.
 *  O(profiles). */
uint32_t cpn_scen_find_transport(const struct cpn_scenario *s, const char *id);

/** The schema scenarios/cpnsim.xsd, compiled in (generated scenarios/cpnsim_xsd.c). */
extern const unsigned char cpn_scen_xsd[];

/** Length of cpn_scen_xsd [bytes] (no terminating NUL is counted). */
extern const size_t cpn_scen_xsd_len;

#endif /* CPN_SCENARIOS_LOAD_H */
