/**
 * @file scenarios/load_impl.h
 * @brief Internals shared by the scenario loader's files: load.c (files, includes, element walk),
 *        load_schema.c (schema validation), load_override.c (--set overrides), the element
 *        handlers of load_topology.c, load_traffic.c, load_centers.c and load_workload.c, and
 *        experiment.c (which reads its files and reports through the same helpers).
 *        Not part of the loader's contract: include scenarios/load.h instead.
 */
#ifndef CPN_SCENARIOS_LOAD_IMPL_H
#define CPN_SCENARIOS_LOAD_IMPL_H

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "models/net/optical.h"
#include "scenarios/load.h"
#include "scenarios/units.h"

#if LIBXML_VERSION >= 21200
typedef const xmlError cpn_ld_xml_error; /**< what libxml2 passes to structured handlers */
#else
typedef xmlError cpn_ld_xml_error; /**< what libxml2 passes to structured handlers */
#endif

/** Longest message built by the loader [bytes]; longer ones are truncated. */
#define CPN_LD_MSG 1024

/** The built-in schema (load_schema.c). */
struct cpn_ld_schema {
    xmlDoc *doc;       /**< the schema as a document: accepted names for messages */
    xmlSchema *schema; /**< the compiled schema */
};

/** One XML file of the scenario (main or included); doc->_private points back to it. */
struct cpn_ld_file {
    const char *name;                 /**< path shown in messages (scenario strings) */
    const char *dir;                  /**< directory that relative paths in it resolve against,
                                           with a final '/', or "" (scenario strings) */
    char *real;                       /**< canonical path for cycle detection (malloc), or NULL */
    xmlDoc *doc;                      /**< the parsed document (owned), NULL when it failed */
    const struct cpn_ld_file *parent; /**< including file, NULL for the main file */
    int depth;                        /**< include level: 0 for the main file */
    int bad;                          /**< nonzero when its structure is invalid (skip it) */
};

/** Phases of the element walk: each handler runs in one phase, phases run in this order. */
enum cpn_ld_phase {
    CPN_LD_TRANSPORTS, /**< `<transport>` profiles (referred to by everything after) */
    CPN_LD_NODES,      /**< `<simulation>`; collect `<node>` elements (ids, coordinates) */
    CPN_LD_IMPORT,     /**< GraphML imports, with the collected nodes as coordinate overrides */
    CPN_LD_NODES_ADD,  /**< add the collected nodes that no import defined */
    CPN_LD_SPANS,      /**< fibre spans of the wavelength layer, reach table */
    CPN_LD_LINKS,      /**< links */
    CPN_LD_PATHS,      /**< explicit paths (the router exists from here on) */
    CPN_LD_PATHSETS,   /**< path sets (of the paths above) */
    CPN_LD_CENTERS,    /**< centers and their pools */
    CPN_LD_STORAGE,    /**< storage sites (at nodes or inside the centers above) */
    CPN_LD_RUN,        /**< traffic, workload, scheduler */
    CPN_LD_NPHASES
};

/** A reach table entry: the longest lightpath of a wavelength rate. */
struct cpn_ld_reach {
    double rate;     /**< [B/s] */
    double distance; /**< [m] */
};

/** An attribute that a `--set` override gave its value: messages about it say so (its line in
 *  the file shows another value). */
struct cpn_ld_set {
    const xmlNode *elem; /**< the element (in the loaded tree) */
    char *attr;          /**< the attribute's name (owned) */
    char *where;         /**< the override as its messages name it, "--set T=V" (owned) */
};

/** An element defined with errors and therefore not kept: its kind ("link", "span", "pathset",
 *  "storage", "flow", "transport") and id. */
struct cpn_ld_bad {
    const char *kind, *id; /**< (the kind a literal; the id in the scenario's strings) */
};

/** Loader state of one cpn_scen_load() call. */
struct cpn_ld {
    struct cpn_diag *diag;               /**< where errors go (borrowed) */
    struct cpn_scenario *s;              /**< the scenario being built */
    CPN_ARRAY(struct cpn_ld_file *) xml; /**< XML files, in load order */
    struct cpn_topo *declared; /**< scratch topology of the `<node>` elements (ids, coords) */
    CPN_ARRAY(xmlNode *) declared_elem; /**< element of each declared node, by index */
    CPN_ARRAY(xmlNode *) link_elem;     /**< element of each link by index (NULL: imported) */
    xmlNode *simulation;                /**< the `<simulation>` element seen, or NULL */
    xmlNode *scheduler;                 /**< the `<scheduler>` element seen, or NULL */
    CPN_ARRAY(xmlNode *) center_elem;   /**< element of each center, by index */
    xmlNode *currency_elem;             /**< element that gave the scenario's currency, or NULL */
    const char *currency_attr;          /**< its attribute name */
    const struct cpn_policy_registry *policies; /**< options' registry, or NULL (built-ins) */
    int check_only;      /**< options' check_only: no checked copies of streamed inputs */
    unsigned errors0;    /**< diag->errors when the load started */
    unsigned errors_run; /**< diag->errors when the CPN_LD_RUN phase started (equal to errors0:
                              the topology, paths and centers loaded without errors) */
    int oom;             /**< nonzero once an allocation failed */
    struct cpn_optical *optical;          /**< scratch wavelength layer: the spans, with the links'
                                               lightpaths lit in file order (the run lights them in the
                                               same order) */
    CPN_ARRAY(struct cpn_ld_reach) reach; /**< `<reach>` entries */
    uint32_t *spec_slots; /**< hash table of cpn_scenario.flowspecs (indices, CPN_NONE: empty;
                               spec_size slots, a power of two, at most half full) */
    size_t spec_size;
    CPN_ARRAY(struct cpn_ld_set) sets; /**< attributes set by overrides, in order */
    CPN_ARRAY(struct cpn_ld_bad) bad;  /**< elements defined with errors (cpn_ld_defined_badly()) */
};

/**
 * Keep loaded flow @p f in the scenario (cpn_scenario.flows): its id copied into flow_ids, what
 * it shares with other flows found in or added to flowspecs.
 * @return CPN_OK; CPN_ENOMEM; CPN_ESCENARIO, reported at the flow's line, when the ids of the
 *         loaded flows would pass 4 GiB (such a file is to be streamed).
 */
int cpn_ld_keep_flow(struct cpn_ld *L, const struct cpn_scen_flow *f);

/** A handler of one element kind in one phase; returns CPN_OK or CPN_ENOMEM (errors go to diag). */
typedef int cpn_ld_handler_fn(struct cpn_ld *L, xmlNode *elem);

/**
 * Report a located error about an element: `FILE:LINE: ELEMENT "ID": MESSAGE` (the id part only
 * when the element has an id attribute).
 */
void cpn_ld_error(struct cpn_ld *L, xmlNode *elem, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Report a located warning about an element, as cpn_ld_error(). */
void cpn_ld_warning(struct cpn_ld *L, xmlNode *elem, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/**
 * Report an error raised by a model API (cpn_error_message()) about an element, without
 * repeating the element prefix when the message already starts with it.
 */
void cpn_ld_error_model(struct cpn_ld *L, xmlNode *elem);

/** Return the file name of an element's document (for messages). */
const char *cpn_ld_file_name(const xmlNode *elem);

/** Return an attribute's value (borrowed from the tree), or NULL when absent. */
const char *cpn_ld_attr(const xmlNode *elem, const char *name);

/**
 * Parse an optional quantity attribute.
 * @return 1 when present and valid (*out set), 0 when absent, -1 when invalid (reported).
 */
int cpn_ld_quantity(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                    double *out);

/**
 * Parse an optional distribution attribute (models/workload/workload.h) into @p d and point
 * @p ptr at it (@p ptr may be NULL).  @p q is the quantity of its values, or CPN_Q_NQUANTITY
 * for plain numbers (counts, factors).
 * @return 1 when present and valid, 0 when absent, -1 when invalid (reported).
 */
int cpn_ld_dist(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                struct cpn_dist *d, const struct cpn_dist **ptr);

/**
 * Parse an optional amount of bandwidth given as "COUNTxRATE" (e.g. "8x1Gbps": 8 granules of
 * 1 Gbit/s) or as a plain rate ("8Gbps"), into @p out [B/s] (> 0).
 * @return 1 when present and valid, 0 when absent, -1 when invalid (reported).
 */
int cpn_ld_bandwidth(struct cpn_ld *L, xmlNode *elem, const char *name, double *out);

/**
 * Parse an optional price attribute (quantity @p q: CPN_Q_PRICE or CPN_Q_ENERGY_PRICE) and check
 * that its currency is the scenario's one currency (the first price sets it).
 * @return 1 when present and valid, 0 when absent, -1 when invalid (reported).
 */
int cpn_ld_price(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                 double *out);

/**
 * Parse an optional unit-less number attribute (non-negative unless @p flags allows it).
 * @return 1 when present and valid, 0 when absent, -1 when invalid (reported).
 */
int cpn_ld_number(struct cpn_ld *L, xmlNode *elem, const char *name, unsigned flags, double *out);

/**
 * Parse an optional whole-number attribute (unit-less) in [@p min, @p max].
 * @return 1 when present and valid (*out set), 0 when absent, -1 when invalid (reported).
 */
int cpn_ld_whole(struct cpn_ld *L, xmlNode *elem, const char *name, double min, double max,
                 double *out);

/** As cpn_ld_whole(), into a uint32_t (@p max <= UINT32_MAX). */
int cpn_ld_count(struct cpn_ld *L, xmlNode *elem, const char *name, uint32_t min, uint32_t max,
                 uint32_t *out);

/**
 * Check that an element a scenario has at most once is seen for the first time: remember it in
 * *first, or report "given twice (first at ...; a scenario has one <NAME>)" and return 0.
 */
int cpn_ld_once(struct cpn_ld *L, xmlNode *elem, xmlNode **first);

/**
 * Check an id attribute: non-empty, without blanks (node ids may have inner spaces, as imported
 * GraphML labels do).  Returns 0 when bad or NULL (reported unless NULL).
 */
int cpn_ld_check_id(struct cpn_ld *L, xmlNode *elem, const char *id);

/**
 * Resolve a path given in a file against that file's directory ("dir/name").
 * @return a string owned by the scenario, or NULL when out of memory.
 */
const char *cpn_ld_resolve(struct cpn_ld *L, const xmlNode *elem, const char *path);

/** Copy a string into the scenario's storage; NULL when out of memory (L->oom set). */
const char *cpn_ld_strdup(struct cpn_ld *L, const char *text, size_t len);

/**
 * Record that the element of kind @p kind (a literal: "link", "span", "pathset",
 * "storage", "flow" or "transport") and id @p id was defined with errors, reported at it, and is
 * therefore not kept: a reference to it then adds no second error saying that it is not defined
 * (cpn_ld_defined_badly_p()).  Sets L->oom when out of memory.
 */
void cpn_ld_defined_badly(struct cpn_ld *L, const char *kind, const char *id);

/** Whether cpn_ld_defined_badly() recorded @p kind @p id (NULL @p id: no). */
int cpn_ld_defined_badly_p(const struct cpn_ld *L, const char *kind, const char *id);

/**
 * Report, as cpn_ld_error(), that @p elem names @p id of kind @p kind, which is not defined;
 * nothing when that element was defined with errors (cpn_ld_defined_badly(): reported there).
 * Either way the caller treats the reference as bad.
 */
void cpn_ld_error_undefined(struct cpn_ld *L, xmlNode *elem, const char *kind, const char *id,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/**
 * The scenario's end time `until` [s] as far as the load knows it: INFINITY while it is unknown
 * (not read yet, or left out: a replay runs over its logs' span, set at the end of the load).
 * A change, flow or source due after it never happens: the loader warns about them with it.
 */
double cpn_ld_until(const struct cpn_ld *L);

/**
 * Warn that the checked copy of a streamed input (docs/scenario-format.md, "Streamed flow files"
 * and "Streamed workload logs") could not be kept, so the run reads the input again: "FILE:
 * warning: cannot keep the checked copy of its ITEMS in DIR: REASON (the copy takes COST; set
 * TMPDIR to a folder with room): the run reads the SOURCE again instead, and stops at a RECORD
 * that changed since the load".
 * @param err the errno that stopped the copy (sim/tempfile.h's cpn_tempfile.err).
 * @param items, cost, source, record the words of the message for the input ("rows", "about
 *        41 bytes a row and its id", "file", "row" for a flow file).
 */
void cpn_ld_warn_no_copy(struct cpn_ld *L, const char *file, int err, const char *items,
                         const char *cost, const char *source, const char *record);

/** Read a whole file into a malloc'ed NUL-terminated buffer; returns 0 or an errno value. */
int cpn_ld_read(const char *path, char **text, size_t *len);

/**
 * Open a regular file for reading (a FIFO or a device is refused without waiting on it), to read
 * it line by line.  Returns 0 with *out open (caller fcloses it), or an errno value,
 * CPN_LD_ENOTREG, or EFBIG above CPN_LD_MAX_FILE.
 */
int cpn_ld_open(const char *path, FILE **out);

/** cpn_ld_read()'s status for a path that is not a regular file (a folder, device, FIFO). */
#define CPN_LD_ENOTREG (-2)

/** Largest file the loader reads whole (a scenario, an include, a flows CSV, an experiment)
 *  [B]: 1 GiB, the size of about 2.5e7 flows of a flows file. */
#define CPN_LD_MAX_FILE      (1ull << 30)
#define CPN_LD_MAX_FILE_TEXT "1 GiB"

/** Job logs (`<trace>`) from this size on are read during the run when stream="auto" [B] (as
 *  stored: compressed for .gz), when their records are in time order.  Assumption: 4 MiB,
 *  below which keeping the records costs a few tens of MB at most and a second parse is not
 *  worth it. */
#define CPN_LD_STREAM_AUTO ((long long)4 << 20)

/** `<flows file>`s from this size on are read during the run when stream="auto" [B] (about
 *  350,000 rows of the benchmarks' files), when their rows are sorted by start time.
 *  Assumption: 32 MiB.  A loaded flow costs 40 B plus its id until it starts
 *  (docs/scenario-format.md, "Streamed flow files"; 53 B in the benchmarks' files), so a
 *  smaller file loaded costs a few tens of MB at most (about 20 MB there), while streaming
 *  writes a checked copy of the rows to a temporary file (41 B and the id a row) for no more
 *  CPU (3.18 s streamed against 3.45 s loaded on the 1e6-flow WAN, tests/bench/loaded_flows.sh;
 *  docs/scenario-format.md, "Streamed flow files"). */
#define CPN_LD_FLOWS_STREAM_AUTO ((long long)32 << 20)

/** Repetitions before until of a periodic action of the run (<simulation sample>, the state
 *  reports of <scheduler period>, the samples over a replay's span when until is left out)
 *  above which the period is warned about at its line (scenarios/load_topology.c,
 *  load_centers.c, load_workload.c).  Assumption: ten million samples of every link and center,
 *  or reports of every center, is beyond what a study needs (national.xml's week: 2,016 samples
 *  at its 5 min, 20,160 reports at 30 s; the SDSC-SP2 replay's two years at the default 1 min:
 *  1.05e6) and is what a unit slip gives ("10us" for "10s" over an hour: 3.6e8, a trace of tens
 *  of GB and hours of run; "30ms" for "30s" over a week: 2.0e7). */
#define CPN_LD_MANY_PERIODS 1e7

/** Expected jobs of one <generator> before until above which its rate is warned about at its
 *  line (scenarios/load_workload.c).  Assumption: a hundred million jobs of one source is beyond
 *  the studies cpnsim is for (national.xml scaled x10 submits about 1e6 jobs a week in all) and
 *  is what a unit slip gives ("3000/s" for "3000/h" over a week: 1.8e9). */
#define CPN_LD_MANY_JOBS 1e8

/** A duration for the warnings above, in days, hours or seconds ("1e+05 d", "12 h", "30 s")
 *  into @p buf (room @p len); returns @p buf.  (They say until's length: the slip may be
 *  there, "100000d" for "100d", as well as in the period or rate they name.) */
const char *cpn_ld_duration_text(double seconds, char *buf, size_t len);

/** The text of a cpn_ld_read() status (strerror(), or the two of its own). */
const char *cpn_ld_strerror(int err);

/**
 * Parse an XML buffer safely: no network, no DTD loading, no entity substitution; a DOCTYPE is
 * refused before anything in it is read, and so is any entity reference.  Errors go to @p diag
 * at NAME:LINE.  Used by the scenario loader and the experiment reader.
 * @return the document (caller frees with xmlFreeDoc) or NULL (errors reported; *oom set when
 *         memory ran out).
 */
xmlDoc *cpn_ld_parse_xml(struct cpn_diag *diag, const char *name, const char *buf, size_t len,
                         int *oom);

/** Write where @p first is, as seen from @p elem: "line 12" (same file) or "FILE:12". */
void cpn_ld_where(const xmlNode *first, const xmlNode *elem, char *buf, size_t len);

/** Make a libxml2 message one line: drop trailing newlines and blanks, join inner lines. */
void cpn_ld_chomp(char *text);

/**
 * While it is installed, libxml2's per-thread generic error handler (used by the few errors
 * libxml2 raises without a context: encoding conversion, some XPath errors, which would
 * otherwise print on stderr) keeps the first message, chomped, in @c text.
 */
struct cpn_ld_generic {
    char text[CPN_LD_MSG];     /**< the first message, "" when none */
    xmlGenericErrorFunc saved; /**< the handler to restore */
    void *saved_ctx;           /**< its context */
};

/** Install the capture (text cleared); pair with cpn_ld_generic_release(). */
void cpn_ld_generic_catch(struct cpn_ld_generic *g);

/** Restore the handler that was installed before: no handler is left behind. */
void cpn_ld_generic_release(struct cpn_ld_generic *g);

/** Parse and compile the built-in schema; CPN_OK, CPN_ENOMEM or CPN_EINTERNAL. */
int cpn_ld_schema_load(struct cpn_ld *L, struct cpn_ld_schema *S);

/** Free what cpn_ld_schema_load() built (also after its failure). */
void cpn_ld_schema_release(struct cpn_ld_schema *S);

/**
 * Validate every parsed file against the schema, reporting each violation located, in the
 * loader's words; marks invalid files bad.  CPN_OK, CPN_ENOMEM or CPN_EINTERNAL.
 */
int cpn_ld_validate(struct cpn_ld *L, struct cpn_ld_schema *S);

/** Apply the overrides to the parsed files (errors reported); CPN_OK or CPN_ENOMEM. */
int cpn_ld_overrides(struct cpn_ld *L, const struct cpn_scen_options *opt);

/** Return the scenario's router, creating it on first use; NULL when out of memory. */
struct cpn_router *cpn_ld_router(struct cpn_ld *L);

/* Element handlers (load_topology.c, load_traffic.c, load_centers.c, load_workload.c). */
cpn_ld_handler_fn cpn_ld_node_collect;
cpn_ld_handler_fn cpn_ld_import;
cpn_ld_handler_fn cpn_ld_node_add;
cpn_ld_handler_fn cpn_ld_link;
cpn_ld_handler_fn cpn_ld_span;
cpn_ld_handler_fn cpn_ld_reach;
cpn_ld_handler_fn cpn_ld_path;
cpn_ld_handler_fn cpn_ld_simulation;
cpn_ld_handler_fn cpn_ld_timeline_at;       /* load_timeline.c */
cpn_ld_handler_fn cpn_ld_timeline_tariffs;  /* load_timeline.c */
cpn_ld_handler_fn cpn_ld_timeline_failures; /* load_timeline.c */
cpn_ld_handler_fn cpn_ld_flow;
cpn_ld_handler_fn cpn_ld_flows;
cpn_ld_handler_fn cpn_ld_center;
cpn_ld_handler_fn cpn_ld_scheduler;
cpn_ld_handler_fn cpn_ld_generator;
cpn_ld_handler_fn cpn_ld_wlog;
cpn_ld_handler_fn cpn_ld_transport;
cpn_ld_handler_fn cpn_ld_pathset;
cpn_ld_handler_fn cpn_ld_storage;
cpn_ld_handler_fn cpn_ld_headline;

/**
 * Parse a `paths` attribute of a flow or a flows file: a whole number K of shortest paths
 * (1..CPN_NETWORK_MAX_PATHS; 1 means one path) into *k_paths, or the id of a `<pathset>` into
 * *pathset.  @return 1 when present and valid, 0 when absent, -1 when bad (reported).
 */
int cpn_ld_paths_ref(struct cpn_ld *L, xmlNode *elem, uint32_t *k_paths, uint32_t *pathset);

/** Put the built-in transport profiles (ideal, tcp, rdma-lossless, rdma-lossy) first in the
 *  scenario's profile table.  @return CPN_OK or CPN_ENOMEM. */
int cpn_ld_transport_builtins(struct cpn_scenario *s);

/**
 * Resolve attribute @p attr of @p elem, a transport profile name, to its index.
 * @return 1 when present and known (*out set), 0 when absent, -1 when unknown (reported with
 *         the names of the profiles) or defined with errors (reported at the profile only).
 */
int cpn_ld_transport_ref(struct cpn_ld *L, xmlNode *elem, const char *attr, uint32_t *out);

/**
 * Check that transport @p transport can use @p route: a lossless profile that refuses lossy hops
 * needs every hop flow-controlled.  A violation is reported at FILE:LINE, prefixed by @p what
 * and @p id (`flow "x"`), naming the profile, the route's ends, the link and both remedies.
 * @return CPN_OK (also when reported) or CPN_ENOMEM.
 */
int cpn_ld_transport_check_route(struct cpn_ld *L, const char *file, long line, const char *what,
                                 const char *id, uint32_t transport, const struct cpn_path *route);

/**
 * Find a node id named by attribute @p attr of @p elem (@p id: the attribute value or one word
 * of it); reports "ATTR: node "ID" is not defined (...)" and returns CPN_NONE when unknown.
 */
uint32_t cpn_ld_node_ref(struct cpn_ld *L, xmlNode *elem, const char *attr, const char *id);

/**
 * Intern a name in a scenario table (pool types, regions): the index of an equal string, or a
 * new entry.  Returns CPN_NONE when out of memory (L->oom set).
 */
uint32_t cpn_ld_intern(struct cpn_ld *L, struct cpn_scen_names *table, const char *name);

/** Return the index of @p name in @p table, or CPN_NONE.  O(table length). */
uint32_t cpn_ld_names_find(const struct cpn_scen_names *table, const char *name);

/**
 * Check the workload and the scheduler once the walk is over: the default scheduler when none
 * was given; that every origin reaches the centers its jobs may go to (only when no error was
 * reported before).  @return CPN_OK or CPN_ENOMEM (errors go to diag).
 */
int cpn_ld_finish_workload(struct cpn_ld *L);

/** Free what the workload of @p s owns (distributions, traces, origin tables). */
void cpn_scen_workload_release(struct cpn_scenario *s);

/**
 * Check what needs the whole scenario once the walk is over: exactly one `<simulation>`,
 * unique flow ids, reachability of every flow (only when no error was reported before).
 * @return CPN_OK or CPN_ENOMEM (errors go to diag).
 */
int cpn_ld_finish(struct cpn_ld *L);

#endif /* CPN_SCENARIOS_LOAD_IMPL_H */
