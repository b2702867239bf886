/* Scenario loader: files, parsing, includes, the element walk, entry points (see load.h). */
#include "scenarios/load.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"
#include "sim/tempfile.h"

/* ------------------------------------------------------------------------------------------ */
/* String storage: chunks that never move, so strings can be handed out as const char *.      */

struct ld_chunk {
    struct ld_chunk *next;
    size_t used, cap;
    char data[];
};

struct cpn_scen_strings {
    struct ld_chunk *head;
};

enum { LD_CHUNK = 64 * 1024 };

const char *cpn_ld_strdup(struct cpn_ld *L, const char *text, size_t len)
{
    struct cpn_scen_strings *st = L->s->strings;
    struct ld_chunk *c = st->head;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > LD_CHUNK ? len + 1 : LD_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) {
            L->oom = 1;
            return NULL;
        }
        c->used = 0;
        c->cap = cap;
        c->next = st->head;
        st->head = c;
    }
    char *p = c->data + c->used;
    memcpy(p, text, len);
    p[len] = '\0';
    c->used += len + 1;
    return p;
}

static void ld_strings_free(struct cpn_scen_strings *st)
{
    if (!st)
        return;
    while (st->head) {
        struct ld_chunk *next = st->head->next;
        free(st->head);
        st->head = next;
    }
    free(st);
}

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                    */

const char *cpn_ld_file_name(const xmlNode *elem)
{
    const struct cpn_ld_file *f = elem && elem->doc ? elem->doc->_private : NULL;
    return f ? f->name : "?";
}

const char *cpn_ld_attr(const xmlNode *elem, const char *name)
{
    const xmlAttr *a = xmlHasProp((xmlNode *)elem, (const xmlChar *)name);
    if (!a || a->type != XML_ATTRIBUTE_NODE)
        return NULL;
    /* Without entities an attribute value is one text node (none for ""). */
    return a->children && a->children->content ? (const char *)a->children->content : "";
}

void cpn_ld_chomp(char *text)
{
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    for (char *p = text; (p = strchr(p, '\n')) != NULL;)
        *p = ' '; /* one message, one line */
}

const char *cpn_ld_duration_text(double seconds, char *buf, size_t len)
{
    if (seconds >= 86400)
        snprintf(buf, len, "%.3g d", seconds / 86400);
    else if (seconds >= 3600)
        snprintf(buf, len, "%.3g h", seconds / 3600);
    else
        snprintf(buf, len, "%.3g s", seconds);
    return buf;
}

/* "link \"sh-nx\": " or "simulation: " */
static void ld_prefix(const xmlNode *elem, char *buf, size_t len)
{
    const char *id = cpn_ld_attr(elem, "id");
    if (id)
        snprintf(buf, len, "%s \"%s\": ", (const char *)elem->name, id);
    else
        snprintf(buf, len, "%s: ", (const char *)elem->name);
}

/* Does @p text, before its first " (" (where a message says what would be accepted), hold
 * @p word, not as part of a longer name (letters, digits, '-', '_')? */
static int ld_has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    const char *hint = strstr(text, " (");
    for (const char *p = text; n && (p = strstr(p, word)) != NULL && (!hint || p < hint); p++) {
        char before = p > text ? p[-1] : ' ', after = p[n];
        if (!isalnum((unsigned char)before) && before != '-' && before != '_' &&
            !isalnum((unsigned char)after) && after != '-' && after != '_')
            return 1;
    }
    return 0;
}

/* Append to @p msg (room @p len) the overrides that gave a value to an attribute of @p elem
 * which the message is about (it names it before its hint; with @p any, every one: a model's
 * message may word the attribute its own way, "latitude" for lat): the file's line shows the
 * value written there, not the one loaded. */
static void ld_note_sets(const struct cpn_ld *L, const xmlNode *elem, char *msg, size_t len,
                         int any)
{
    for (size_t i = 0; i < L->sets.len; i++) {
        const struct cpn_ld_set *o = &L->sets.items[i];
        size_t used = strlen(msg);
        if (o->elem == elem && (any || ld_has_word(msg, o->attr)) && used < len)
            snprintf(msg + used, len - used, " (%s is given by %s)", o->attr, o->where);
    }
}

static void ld_report(struct cpn_ld *L, xmlNode *elem, int warning, const char *fmt, va_list ap)
{
    char prefix[256], msg[CPN_LD_MSG];
    ld_prefix(elem, prefix, sizeof prefix);
    vsnprintf(msg, sizeof msg, fmt, ap);
    ld_note_sets(L, elem, msg, sizeof msg, 0);
    long line = xmlGetLineNo(elem);
    if (warning)
        cpn_diag_warning(L->diag, cpn_ld_file_name(elem), line, "%s%s", prefix, msg);
    else
        cpn_diag_error(L->diag, cpn_ld_file_name(elem), line, "%s%s", prefix, msg);
}

void cpn_ld_error(struct cpn_ld *L, xmlNode *elem, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ld_report(L, elem, 0, fmt, ap);
    va_end(ap);
}

void cpn_ld_warning(struct cpn_ld *L, xmlNode *elem, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ld_report(L, elem, 1, fmt, ap);
    va_end(ap);
}

void cpn_ld_warn_no_copy(struct cpn_ld *L, const char *file, int err, const char *items,
                         const char *cost, const char *source, const char *record)
{
    cpn_diag_warning(L->diag, file, 0,
                     "cannot keep the checked copy of its %s in %s: %s (the copy takes %s; set "
                     "TMPDIR to a folder with room): the run reads the %s again instead, and "
                     "stops at a %s that changed since the load",
                     items, cpn_tempfile_dir(), strerror(err), cost, source, record);
}

void cpn_ld_error_model(struct cpn_ld *L, xmlNode *elem)
{
    char prefix[256], msg[CPN_LD_MSG];
    snprintf(msg, sizeof msg, "%s", cpn_error_message());
    ld_note_sets(L, elem, msg, sizeof msg, 1);
    ld_prefix(elem, prefix, sizeof prefix);
    /* "node \"x\" is defined twice" already names the element: compare without ": ". */
    if (strncmp(msg, prefix, strlen(prefix) - 2) == 0)
        cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem), "%s", msg);
    else
        cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem), "%s%s", prefix, msg);
}

int cpn_ld_quantity(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                    double *out)
{
    const char *v = cpn_ld_attr(elem, name);
    char why[256];
    if (!v)
        return 0;
    if (cpn_units_parse(v, q, out, why, sizeof why) != CPN_OK) {
        if (strchr(why, '('))
            cpn_ld_error(L, elem, "%s %s", name, why);
        else
            cpn_ld_error(L, elem, "%s %s (use %s %s in %s)", name, why,
                         strstr(why, "negative") ? "a non-negative" : "a", cpn_units_name(q),
                         cpn_units_list(q));
        return -1;
    }
    return 1;
}

int cpn_ld_number(struct cpn_ld *L, xmlNode *elem, const char *name, unsigned flags, double *out)
{
    const char *v = cpn_ld_attr(elem, name);
    char why[256];
    if (!v)
        return 0;
    if (cpn_units_parse_number(v, flags, out, why, sizeof why) != CPN_OK) {
        cpn_ld_error(L, elem, "%s %s", name, why);
        return -1;
    }
    return 1;
}

int cpn_ld_whole(struct cpn_ld *L, xmlNode *elem, const char *name, double min, double max,
                 double *out)
{
    int r = cpn_ld_number(L, elem, name, CPN_UNITS_ALLOW_NEGATIVE, out);
    if (r == 1 && !(*out >= min && *out <= max && *out == floor(*out))) {
        char range[64];
        if (max >= UINT32_MAX)
            snprintf(range, sizeof range, ">= %.0f", min);
        else
            snprintf(range, sizeof range, "from %.0f to %.0f", min, max);
        cpn_ld_error(L, elem, "%s \"%s\" is not accepted (use a whole number %s)", name,
                     cpn_ld_attr(elem, name), range);
        return -1;
    }
    return r;
}

int cpn_ld_count(struct cpn_ld *L, xmlNode *elem, const char *name, uint32_t min, uint32_t max,
                 uint32_t *out)
{
    double v;
    int r = cpn_ld_whole(L, elem, name, min, max, &v);
    if (r == 1)
        *out = (uint32_t)v;
    return r;
}

int cpn_ld_once(struct cpn_ld *L, xmlNode *elem, xmlNode **first)
{
    if (*first) {
        char where[512];
        cpn_ld_where(*first, elem, where, sizeof where);
        cpn_ld_error(L, elem, "given twice (first at %s; a scenario has one <%s>)", where,
                     (const char *)elem->name);
        return 0;
    }
    *first = elem;
    return 1;
}

uint32_t cpn_ld_node_ref(struct cpn_ld *L, xmlNode *elem, const char *attr, const char *id)
{
    uint32_t n = cpn_topo_find_node(L->s->topo, id);
    if (n == CPN_NONE)
        cpn_ld_error(L, elem,
                     "%s: node \"%s\" is not defined (define it with <node id=\"%s\"/> "
                     "or check the spelling)",
                     attr, id, id);
    return n;
}

uint32_t cpn_ld_names_find(const struct cpn_scen_names *table, const char *name)
{
    for (size_t i = 0; i < table->len; i++)
        if (strcmp(table->items[i], name) == 0)
            return (uint32_t)i;
    return CPN_NONE;
}

uint32_t cpn_ld_intern(struct cpn_ld *L, struct cpn_scen_names *table, const char *name)
{
    uint32_t i = cpn_ld_names_find(table, name);
    if (i != CPN_NONE)
        return i;
    const char *copy = cpn_ld_strdup(L, name, strlen(name));
    if (!copy || cpn_array_push(table, copy) != CPN_OK) {
        L->oom = 1;
        return CPN_NONE;
    }
    return (uint32_t)(table->len - 1);
}

int cpn_ld_check_id(struct cpn_ld *L, xmlNode *elem, const char *id)
{
    if (!id)
        return 0; /* the schema reported it */
    /* Node ids may hold inner spaces, as imported labels do ("Hong Kong"); others may not. */
    int node = xmlStrEqual(elem->name, (const xmlChar *)"node");
    size_t n = strlen(id);
    if (!n || strchr(" \t\r\n", id[0]) || strchr(" \t\r\n", id[n - 1]) ||
        strpbrk(id, node ? "\t\r\n" : " \t\r\n")) {
        cpn_ld_error(L, elem, "id \"%s\" is not accepted (use a non-empty name without %s)", id,
                     node ? "leading or trailing blanks" : "blanks");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

const char *cpn_ld_strerror(int err)
{
    if (err == CPN_LD_ENOTREG)
        return "not a regular file (a folder, a device or a FIFO: give a file)";
    if (err == EFBIG)
        return "larger than the " CPN_LD_MAX_FILE_TEXT " a scenario input may have";
    return strerror(err);
}

/* Read a whole file; returns 0, an errno value or CPN_LD_ENOTREG (cpn_ld_strerror()). */
int cpn_ld_open(const char *path, FILE **out)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno ? errno : EIO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return CPN_LD_ENOTREG;
    }
    if ((unsigned long long)st.st_size > CPN_LD_MAX_FILE) {
        close(fd);
        return EFBIG;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return errno ? errno : EIO;
    }
    *out = f;
    return 0;
}

int cpn_ld_read(const char *path, char **text, size_t *len)
{
    FILE *f = NULL;
    int open_err = cpn_ld_open(path, &f);
    if (open_err)
        return open_err;
    CPN_ARRAY(char) buf = {0};
    int err = 0;
    for (;;) {
        if (buf.len > CPN_LD_MAX_FILE) { /* it grew while being read */
            err = EFBIG;
            break;
        }
        if (cpn_array_reserve(&buf, buf.len + 65536 + 1) != CPN_OK) {
            err = ENOMEM;
            break;
        }
        size_t n = fread(buf.items + buf.len, 1, 65536, f);
        buf.len += n;
        if (n < 65536) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (err) {
        cpn_array_release(&buf);
        return err;
    }
    buf.items[buf.len] = '\0';
    *text = buf.items;
    *len = buf.len;
    return 0;
}

void cpn_ld_where(const xmlNode *first, const xmlNode *elem, char *buf, size_t len)
{
    if (first->doc == elem->doc)
        snprintf(buf, len, "line %ld", xmlGetLineNo(first));
    else
        snprintf(buf, len, "%s:%ld", cpn_ld_file_name(first), xmlGetLineNo(first));
}

/* Directory part of a path including the final '/', "" when none. */
static const char *ld_dir_of(struct cpn_ld *L, const char *path)
{
    const char *slash = strrchr(path, '/');
    return cpn_ld_strdup(L, path, slash ? (size_t)(slash - path + 1) : 0);
}

const char *cpn_ld_resolve(struct cpn_ld *L, const xmlNode *elem, const char *path)
{
    const struct cpn_ld_file *f = elem->doc->_private;
    if (path[0] == '/' || !f->dir[0])
        return cpn_ld_strdup(L, path, strlen(path));
    size_t dl = strlen(f->dir), pl = strlen(path);
    char *tmp = malloc(dl + pl + 1);
    if (!tmp) {
        L->oom = 1;
        return NULL;
    }
    memcpy(tmp, f->dir, dl);
    memcpy(tmp + dl, path, pl + 1);
    const char *r = cpn_ld_strdup(L, tmp, dl + pl);
    free(tmp);
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                     */

struct ld_parse {
    struct cpn_diag *diag;
    const char *name; /* file name for messages */
    int refused;      /* a DOCTYPE was refused: the parser is stopped, ignore later errors */
    int errors;
};

static void ld_generic_first(void *ctx, const char *fmt, ...)
{
    struct cpn_ld_generic *g = ctx;
    if (g->text[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->text, sizeof g->text, fmt, ap);
    va_end(ap);
    cpn_ld_chomp(g->text);
}

void cpn_ld_generic_catch(struct cpn_ld_generic *g)
{
    g->text[0] = '\0';
    g->saved = xmlGenericError;
    g->saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(g, ld_generic_first);
}

void cpn_ld_generic_release(struct cpn_ld_generic *g)
{
    xmlSetGenericErrorFunc(g->saved_ctx, g->saved);
}

static void ld_parse_error(void *ctx, cpn_ld_xml_error *e)
{
    xmlParserCtxt *ctxt = ctx;
    struct ld_parse *P = ctxt->_private;
    if (P->refused || !e)
        return;
    char msg[CPN_LD_MSG];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
    cpn_ld_chomp(msg);
    if (e->level == XML_ERR_WARNING) {
        cpn_diag_warning(P->diag, P->name, e->line, "XML: %s", msg);
        return;
    }
    /* libxml2 goes on after the first fatal error, but what follows is mostly its echo. */
    if (P->errors++)
        return;
    if (e->code == XML_ERR_UNDECLARED_ENTITY && e->str1)
        cpn_diag_error(P->diag, P->name, e->line,
                       "entity reference \"&%s;\" is not allowed (entities are refused; write the "
                       "text itself, or &lt; &gt; &amp; &quot; &apos; or a character reference "
                       "such as &#233;)",
                       e->str1);
    else
        cpn_diag_error(P->diag, P->name, e->line, "malformed XML: %s", msg);
}

/* SAX internalSubset: called at <!DOCTYPE ...>, before any declaration inside is read. */
static void ld_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                              const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxt *ctxt = ctx;
    struct ld_parse *P = ctxt->_private;
    if (P->refused)
        return;
    P->errors++;
    cpn_diag_error(P->diag, P->name, ctxt->input ? ctxt->input->line : 0,
                   "DOCTYPE declarations are not allowed (DTDs and entities are refused for "
                   "safety; remove the <!DOCTYPE ...> and write values directly)");
    P->refused = 1;
    xmlStopParser(ctxt);
}

xmlDoc *cpn_ld_parse_xml(struct cpn_diag *diag, const char *name, const char *buf, size_t len,
                         int *oom)
{
    if (len > INT_MAX) {
        cpn_diag_error(diag, name, 0, "file is larger than 2 GiB");
        return NULL;
    }
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        *oom = 1;
        return NULL;
    }
    struct ld_parse P = {.diag = diag, .name = name};
    ctxt->_private = &P;
    ctxt->sax->serror = ld_parse_error;
    ctxt->sax->internalSubset = ld_refuse_doctype;
    /* The few errors libxml2 raises without a context (encoding conversion) are reported
     * located like every other error instead of printed on stderr. */
    struct cpn_ld_generic g;
    cpn_ld_generic_catch(&g);
    /* No XML_PARSE_NOENT (no entity substitution), no XML_PARSE_DTDLOAD, no XML_PARSE_HUGE. */
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL,
                                    XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    cpn_ld_generic_release(&g);
    if (g.text[0] && !P.errors && !P.refused) {
        cpn_diag_error(diag, name, 0, "malformed XML: %s", g.text);
        P.errors++;
    }
    if (doc && (P.errors || P.refused || !ctxt->wellFormed)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc && !P.errors && !P.refused)
        cpn_diag_error(diag, name, 0, "malformed XML: the document could not be parsed");
    xmlFreeParserCtxt(ctxt);
    return doc;
}

static int ld_load_xml(struct cpn_ld *L, struct cpn_ld_file *f, const char *buf, size_t len);

static struct cpn_ld_file *ld_file_new(struct cpn_ld *L, const char *name, int memory)
{
    struct cpn_ld_file *f = calloc(1, sizeof *f);
    if (!f || cpn_array_push(&L->xml, f) != CPN_OK) {
        free(f);
        L->oom = 1;
        return NULL;
    }
    f->name = cpn_ld_strdup(L, name, strlen(name));
    f->dir = memory ? "" : ld_dir_of(L, name);
    if (!f->name || !f->dir || cpn_array_push(&L->s->files, f->name) != CPN_OK) {
        L->oom = 1;
        return NULL;
    }
    return f;
}

static int ld_include(struct cpn_ld *L, struct cpn_ld_file *parent, xmlNode *inc)
{
    const char *href = cpn_ld_attr(inc, "href");
    if (!href)
        return CPN_OK; /* reported by the schema */
    if (!*href || href[0] == '/' || strstr(href, "://")) {
        cpn_ld_error(L, inc,
                     "href \"%s\" is not accepted (use a relative path to a file, such "
                     "as \"common/topology.xml\")",
                     href);
        return CPN_OK;
    }
    if (parent->depth + 1 > CPN_SCEN_MAX_INCLUDE_DEPTH) {
        cpn_ld_error(L, inc,
                     "href \"%s\": includes are nested deeper than %d levels (include "
                     "the files from fewer levels)",
                     href, CPN_SCEN_MAX_INCLUDE_DEPTH);
        return CPN_OK;
    }
    const char *path = cpn_ld_resolve(L, inc, href);
    if (!path)
        return CPN_ENOMEM;
    char *text = NULL, *real = NULL;
    size_t len = 0;
    int err = cpn_ld_read(path, &text, &len);
    if (err) {
        if (err == ENOMEM)
            return CPN_ENOMEM;
        cpn_ld_error(L, inc, "cannot read \"%s\": %s", path, cpn_ld_strerror(err));
        return CPN_OK;
    }
    real = realpath(path, NULL);
    for (const struct cpn_ld_file *p = parent; p && real; p = p->parent)
        if (p->real && strcmp(p->real, real) == 0) {
            char chain[CPN_LD_MSG] = "";
            const struct cpn_ld_file *stack[CPN_SCEN_MAX_INCLUDE_DEPTH + 1];
            int n = 0;
            for (const struct cpn_ld_file *q = parent; q && n <= CPN_SCEN_MAX_INCLUDE_DEPTH;
                 q = q->parent)
                stack[n++] = q;
            size_t used = 0;
            for (int i = n - 1; i >= 0 && used < sizeof chain; i--)
                used +=
                    (size_t)snprintf(chain + used, sizeof chain - used, "%s -> ", stack[i]->name);
            if (used < sizeof chain)
                snprintf(chain + used, sizeof chain - used, "%s", path);
            cpn_ld_error(L, inc, "href \"%s\" makes an include cycle (%s)", href, chain);
            free(real);
            free(text);
            return CPN_OK;
        }
    struct cpn_ld_file *f = ld_file_new(L, path, 0);
    if (!f) {
        free(real);
        free(text);
        return CPN_ENOMEM;
    }
    f->real = real;
    f->parent = parent;
    f->depth = parent->depth + 1;
    inc->_private = f;
    int rc = ld_load_xml(L, f, text, len);
    free(text);
    return rc;
}

static int ld_load_xml(struct cpn_ld *L, struct cpn_ld_file *f, const char *buf, size_t len)
{
    f->doc = cpn_ld_parse_xml(L->diag, f->name, buf, len, &L->oom);
    if (!f->doc)
        return L->oom ? CPN_ENOMEM : CPN_OK;
    f->doc->_private = f;
    xmlNode *root = xmlDocGetRootElement(f->doc);
    if (!root) {
        cpn_diag_error(L->diag, f->name, 0,
                       "the file holds no element (a scenario starts with "
                       "<cpnsim version=\"" CPN_SCEN_VERSION "\">)");
        return CPN_OK;
    }
    if (!xmlStrEqual(root->name, (const xmlChar *)"cpnsim") || root->ns) {
        cpn_diag_error(L->diag, f->name, xmlGetLineNo(root),
                       "root element <%s> is not <cpnsim> (a scenario starts with <cpnsim "
                       "version=\"" CPN_SCEN_VERSION "\">, without namespace)",
                       (const char *)root->name);
        f->bad = 1;
        return CPN_OK;
    }
    const char *version = cpn_ld_attr(root, "version");
    if (!version) {
        cpn_diag_error(L->diag, f->name, xmlGetLineNo(root),
                       "<cpnsim> attribute \"version\" is missing (use version=\"" CPN_SCEN_VERSION
                       "\")");
        f->bad = 1;
        return CPN_OK;
    }
    if (strcmp(version, CPN_SCEN_VERSION) != 0) {
        cpn_diag_error(L->diag, f->name, xmlGetLineNo(root),
                       "<cpnsim> version \"%s\" is not supported (this cpnsim reads version "
                       "\"" CPN_SCEN_VERSION "\")",
                       version);
        f->bad = 1;
        return CPN_OK;
    }
    for (xmlNode *n = root->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)"include")) {
            int rc = ld_include(L, f, n);
            if (rc != CPN_OK)
                return rc;
        }
    return CPN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The element walk                                                                            */

/* Element handlers by phase.  A new element kind adds a row (and its schema declaration). */
static const struct ld_handler {
    const char *name;
    enum cpn_ld_phase phase;
    cpn_ld_handler_fn *fn;
} ld_handlers[] = {
    {"transport", CPN_LD_TRANSPORTS, cpn_ld_transport},
    {"simulation", CPN_LD_NODES, cpn_ld_simulation},
    {"node", CPN_LD_NODES, cpn_ld_node_collect},
    {"import", CPN_LD_IMPORT, cpn_ld_import},
    {"node", CPN_LD_NODES_ADD, cpn_ld_node_add},
    {"span", CPN_LD_SPANS, cpn_ld_span},
    {"reach", CPN_LD_SPANS, cpn_ld_reach},
    {"link", CPN_LD_LINKS, cpn_ld_link},
    {"path", CPN_LD_PATHS, cpn_ld_path},
    {"pathset", CPN_LD_PATHSETS, cpn_ld_pathset},

    {"center", CPN_LD_CENTERS, cpn_ld_center},
    {"storage", CPN_LD_STORAGE, cpn_ld_storage},

    {"flow", CPN_LD_RUN, cpn_ld_flow},
    {"flows", CPN_LD_RUN, cpn_ld_flows},
    {"generator", CPN_LD_RUN, cpn_ld_generator},
    {"trace", CPN_LD_RUN, cpn_ld_wlog},
    {"scheduler", CPN_LD_RUN, cpn_ld_scheduler},
    {"headline", CPN_LD_RUN, cpn_ld_headline},
    {"at", CPN_LD_RUN, cpn_ld_timeline_at},
    {"tariffs", CPN_LD_RUN, cpn_ld_timeline_tariffs},
    {"failures", CPN_LD_RUN, cpn_ld_timeline_failures},
};

static int ld_walk(struct cpn_ld *L, xmlNode *parent, enum cpn_ld_phase phase)
{
    for (xmlNode *n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrEqual(n->name, (const xmlChar *)"include")) {
            const struct cpn_ld_file *f = n->_private;
            if (f && f->doc) {
                int rc = ld_walk(L, xmlDocGetRootElement(f->doc), phase);
                if (rc != CPN_OK)
                    return rc;
            }
            continue;
        }
        for (size_t i = 0; i < sizeof ld_handlers / sizeof ld_handlers[0]; i++)
            if (ld_handlers[i].phase == phase &&
                xmlStrEqual(n->name, (const xmlChar *)ld_handlers[i].name)) {
                int rc = ld_handlers[i].fn(L, n);
                if (rc != CPN_OK || L->oom)
                    return rc != CPN_OK ? rc : CPN_ENOMEM;
            }
        if (n->children) {
            int rc = ld_walk(L, n, phase);
            if (rc != CPN_OK)
                return rc;
        }
    }
    return CPN_OK;
}

struct cpn_router *cpn_ld_router(struct cpn_ld *L)
{
    if (!L->s->router) {
        L->s->router = cpn_router_new(L->s->topo);
        if (!L->s->router)
            L->oom = 1;
    }
    return L->s->router;
}

/* ------------------------------------------------------------------------------------------ */
/* Entry points                                                                                */

void cpn_scen_free(struct cpn_scenario *s)
{
    if (!s)
        return;
    cpn_router_free(s->router);
    cpn_topo_free(s->topo);
    cpn_array_release(&s->paths);
    for (size_t i = 0; i < s->pathsets.len; i++) {
        free(s->pathsets.items[i].routes);
        free(s->pathsets.items[i].shares);
    }
    cpn_array_release(&s->pathsets);
    cpn_idmap_release(&s->path_ids);
    for (size_t i = 0; i < s->headlines.len; i++)
        free(s->headlines.items[i].flows);
    cpn_array_release(&s->headlines);
    cpn_array_release(&s->changes);
    for (size_t i = 0; i < s->failures.len; i++)
        if (s->failures.items[i].owner) {
            cpn_dist_release(&s->failures.items[i].dists[0]);
            cpn_dist_release(&s->failures.items[i].dists[1]);
            free(s->failures.items[i].dists);
        }
    cpn_array_release(&s->failures);
    cpn_array_release(&s->elastic);
    cpn_array_release(&s->spans);
    for (size_t i = 0; i < s->lightpaths.len; i++)
        free(s->lightpaths.items[i].spans);
    cpn_array_release(&s->lightpaths);
    cpn_array_release(&s->flows);
    cpn_array_release(&s->flowspecs);
    cpn_array_release(&s->flow_ids);
    for (size_t i = 0; i < s->flowfiles.len; i++)
        if (s->flowfiles.items[i].copy_fd >= 0)
            close(s->flowfiles.items[i].copy_fd);
    cpn_array_release(&s->flowfiles);
    cpn_idmap_release(&s->route_texts);
    for (size_t i = 0; i < s->route_keys.len; i++)
        free(s->route_keys.items[i]);
    cpn_array_release(&s->route_keys);
    cpn_array_release(&s->transports);
    cpn_array_release(&s->files);
    cpn_array_release(&s->centers);
    cpn_array_release(&s->pools);
    cpn_array_release(&s->sites);
    cpn_array_release(&s->pool_types);
    cpn_array_release(&s->scheduler.params);
    cpn_scen_workload_release(s);
    ld_strings_free(s->strings);
    free(s->file);
    free(s->text);
    free(s);
}

uint32_t cpn_scen_find_path(const struct cpn_scenario *s, const char *id)
{
    return s ? cpn_idmap_find(&s->path_ids, id) : CPN_NONE;
}

uint32_t cpn_scen_find_span(const struct cpn_scenario *s, const char *id)
{
    for (size_t i = 0; s && id && i < s->spans.len; i++)
        if (strcmp(s->spans.items[i].id, id) == 0)
            return (uint32_t)i;
    return CPN_NONE;
}

void cpn_ld_defined_badly(struct cpn_ld *L, const char *kind, const char *id)
{
    const char *kept = id ? cpn_ld_strdup(L, id, strlen(id)) : NULL;
    if (kept && cpn_array_push(&L->bad, ((struct cpn_ld_bad){kind, kept})) != CPN_OK)
        L->oom = 1;
}

int cpn_ld_defined_badly_p(const struct cpn_ld *L, const char *kind, const char *id)
{
    for (size_t i = 0; id && i < L->bad.len; i++)
        if (strcmp(L->bad.items[i].kind, kind) == 0 && strcmp(L->bad.items[i].id, id) == 0)
            return 1;
    return 0;
}

void cpn_ld_error_undefined(struct cpn_ld *L, xmlNode *elem, const char *kind, const char *id,
                            const char *fmt, ...)
{
    if (cpn_ld_defined_badly_p(L, kind, id))
        return;
    va_list ap;
    va_start(ap, fmt);
    ld_report(L, elem, 0, fmt, ap);
    va_end(ap);
}

double cpn_ld_until(const struct cpn_ld *L)
{
    return L->s->until > 0 && !L->s->until_is_span ? L->s->until : INFINITY;
}

static void ld_release(struct cpn_ld *L)
{
    cpn_optical_free(L->optical);
    cpn_array_release(&L->reach);
    free(L->spec_slots);
    for (size_t i = 0; i < L->xml.len; i++) {
        struct cpn_ld_file *f = L->xml.items[i];
        if (f->doc)
            xmlFreeDoc(f->doc);
        free(f->real);
        free(f);
    }
    cpn_array_release(&L->xml);
    cpn_topo_free(L->declared);
    cpn_array_release(&L->declared_elem);
    cpn_array_release(&L->link_elem);
    cpn_array_release(&L->center_elem);
    for (size_t i = 0; i < L->sets.len; i++) {
        free(L->sets.items[i].attr);
        free(L->sets.items[i].where);
    }
    cpn_array_release(&L->sets);
    cpn_array_release(&L->bad);
}

/* Load from a text the scenario takes ownership of. */
static int ld_run(const char *name, char *text, size_t len, int memory,
                  const struct cpn_scen_options *opt, struct cpn_diag *diag,
                  struct cpn_scenario **out)
{
    struct cpn_ld L = {0};
    struct cpn_ld_schema S = {0};
    struct cpn_ld_file *f = NULL;
    int rc = CPN_ENOMEM;
    unsigned errors0 = diag->errors;
    struct cpn_scenario *s = calloc(1, sizeof *s);
    if (!s) {
        free(text);
        return CPN_ENOMEM;
    }
    s->text = text;
    s->text_len = len;
    s->until = 0;
    s->seed = 1;
    s->sample = 0;
    s->fibre_delay = CPN_FIBRE_DELAY;
    s->scheduler.policy = CPN_SCEN_DEFAULT_POLICY;
    s->scheduler.awareness.mode = CPN_AWARENESS_ORACLE;
    L.diag = diag;
    L.s = s;
    L.policies = opt ? opt->policies : NULL;
    L.check_only = opt ? opt->check_only : 0;
    L.errors0 = errors0;
    if (!(s->file = strdup(name)) || !(s->strings = calloc(1, sizeof *s->strings)) ||
        !(s->topo = cpn_topo_new()) || !(L.declared = cpn_topo_new()) ||
        cpn_ld_transport_builtins(s) != CPN_OK)
        goto fail;
    rc = cpn_ld_schema_load(&L, &S);
    if (rc != CPN_OK)
        goto fail;
    f = ld_file_new(&L, name, memory);
    rc = CPN_ENOMEM;
    if (!f)
        goto fail;
    if (!memory)
        f->real = realpath(name, NULL);
    if ((rc = ld_load_xml(&L, f, text, len)) != CPN_OK)
        goto fail;
    if (diag->errors == errors0 && (rc = cpn_ld_overrides(&L, opt)) != CPN_OK)
        goto fail;
    if (diag->errors == errors0 && (rc = cpn_ld_validate(&L, &S)) != CPN_OK)
        goto fail;
    if (diag->errors == errors0) {
        xmlNode *root = xmlDocGetRootElement(f->doc);
        /* Every phase walks everything, so a phase after an error still reports its own. */
        for (int phase = 0; phase < CPN_LD_NPHASES; phase++) {
            if (phase == CPN_LD_RUN)
                L.errors_run = diag->errors;
            if ((rc = ld_walk(&L, root, (enum cpn_ld_phase)phase)) != CPN_OK)
                goto fail;
        }
        if ((rc = cpn_ld_finish(&L)) != CPN_OK)
            goto fail;
    }
    rc = L.oom ? CPN_ENOMEM : diag->errors != errors0 ? CPN_ESCENARIO : CPN_OK;
fail:
    if (rc == CPN_ENOMEM && diag->errors == errors0)
        cpn_diag_error(diag, name, 0, "out of memory while loading");
    ld_release(&L);
    cpn_ld_schema_release(&S);
    cpn_diag_flush(diag);
    if (rc != CPN_OK) {
        cpn_scen_free(s);
        return rc;
    }
    *out = s;
    return CPN_OK;
}

int cpn_scen_load(const char *file, const struct cpn_scen_options *opt, struct cpn_diag *diag,
                  struct cpn_scenario **out)
{
    if (!file || !diag || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_scen_load: NULL argument");
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int err = cpn_ld_read(file, &text, &len);
    if (err == ENOMEM)
        return CPN_ERROR(CPN_ENOMEM, "out of memory reading %s", file);
    if (err) {
        cpn_diag_error(diag, file, 0, "cannot read: %s", cpn_ld_strerror(err));
        return CPN_ERROR(CPN_ENOINPUT, "%s: cannot read: %s", file, cpn_ld_strerror(err));
    }
    return ld_run(file, text, len, 0, opt, diag, out);
}

int cpn_scen_load_memory(const char *name, const char *buf, size_t len,
                         const struct cpn_scen_options *opt, struct cpn_diag *diag,
                         struct cpn_scenario **out)
{
    if (!name || (!buf && len) || !diag || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_scen_load_memory: NULL argument");
    *out = NULL;
    char *text = malloc(len + 1);
    if (!text)
        return CPN_ERROR(CPN_ENOMEM, "out of memory copying %s", name);
    if (len)
        memcpy(text, buf, len);
    text[len] = '\0';
    return ld_run(name, text, len, 1, opt, diag, out);
}
