/* Scenario loader: `--set` overrides, short form and XPath (see load.h, docs/scenario-format.md).
 */
#include <libxml/globals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"

/* ------------------------------------------------------------------------------------------ */
/* Overrides                                                                                   */

struct ld_xpath_msg {
    char text[CPN_LD_MSG];
};

/* libxml2 2.9 leaves the message out when a context handler is set: name the common codes. */
static const char *ld_xpath_words(int code)
{
    switch (code) {
    case XML_XPATH_NUMBER_ERROR:
        return "bad number";
    case XML_XPATH_UNFINISHED_LITERAL_ERROR:
        return "unfinished string";
    case XML_XPATH_START_LITERAL_ERROR:
        return "string expected";
    case XML_XPATH_VARIABLE_REF_ERROR:
    case XML_XPATH_UNDEF_VARIABLE_ERROR:
        return "variables are not available";
    case XML_XPATH_INVALID_PREDICATE_ERROR:
        return "invalid predicate";
    case XML_XPATH_UNCLOSED_ERROR:
        return "missing ']' or ')'";
    case XML_XPATH_UNKNOWN_FUNC_ERROR:
        return "unknown function";
    case XML_XPATH_INVALID_ARITY:
        return "wrong number of function arguments";
    case XML_XPATH_UNDEF_PREFIX_ERROR:
        return "undefined namespace prefix";
    case XML_XPATH_INVALID_CHAR_ERROR:
        return "invalid character";
    default:
        return "invalid expression";
    }
}

static void ld_xpath_error(void *ctx, cpn_ld_xml_error *e)
{
    struct ld_xpath_msg *m = ctx;
    if (m->text[0] || !e)
        return;
    if (e->message) {
        snprintf(m->text, sizeof m->text, "%s", e->message);
        cpn_ld_chomp(m->text);
    } else
        snprintf(m->text, sizeof m->text, "%s at character %d", ld_xpath_words(e->code),
                 e->int1 + 1);
}

/* Set attribute @p attr of @p elem to @p value, remembering that override @p where gave it
 * (messages about it say so; of two overrides of one attribute, the later one, with a warning
 * when it changes the earlier one's value).
 * @return CPN_OK or CPN_ENOMEM. */
static int ld_set(struct cpn_ld *L, xmlNode *elem, const char *attr, const char *value,
                  const char *where)
{
    struct cpn_ld_set *o = NULL;
    for (size_t i = 0; i < L->sets.len && !o; i++)
        if (L->sets.items[i].elem == elem && strcmp(L->sets.items[i].attr, attr) == 0)
            o = &L->sets.items[i];
    if (o) {
        /* Two overrides of one attribute: the later wins, and says so when the values differ
         * (--until 10s after --set simulation@until=20s). */
        const char *before = cpn_ld_attr(elem, attr);
        if (before && strcmp(before, value) != 0)
            cpn_diag_warning(L->diag, where, 0, "replaces %s=\"%s\" given by %s", attr, before,
                             o->where);
    }
    char *w = strdup(where);
    if (!w || !xmlSetProp(elem, (const xmlChar *)attr, (const xmlChar *)value)) {
        free(w);
        return CPN_ENOMEM;
    }
    if (o) {
        free(o->where);
        o->where = w;
        return CPN_OK;
    }
    struct cpn_ld_set n = {elem, strdup(attr), w};
    if (!n.attr || cpn_array_push(&L->sets, n) != CPN_OK) {
        free(n.attr);
        free(w);
        return CPN_ENOMEM;
    }
    return CPN_OK;
}

/* Count the elements named @p name (with id @p id when not NULL) under @p n, and with @p L set
 * their @p attr (override @p where); *rc receives CPN_ENOMEM when that fails. */
static size_t ld_set_short(struct cpn_ld *L, xmlNode *n, const char *name, const char *id,
                           const char *attr, const char *value, const char *where, int *rc)
{
    size_t count = 0;
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrEqual(n->name, (const xmlChar *)name)) {
            const char *nid = cpn_ld_attr(n, "id");
            if (!id || (nid && strcmp(nid, id) == 0)) {
                count++;
                if (L && *rc == CPN_OK)
                    *rc = ld_set(L, n, attr, value, where);
            }
        }
        count += ld_set_short(L, n->children, name, id, attr, value, where, rc);
    }
    return count;
}

static int ld_override_short(struct cpn_ld *L, const char *where, const char *target,
                             const char *value)
{
    const char *main_name = L->xml.items[0]->name;
    const char *at = strrchr(target, '@');
    char name[256], id[256];
    if (!at || at == target || !at[1] || (size_t)(at - target) >= sizeof name) {
        cpn_diag_error(L->diag, where, 0,
                       "target \"%s\" is not accepted (use ELEMENT@ATTRIBUTE, "
                       "ELEMENT/ID@ATTRIBUTE or an XPath starting with \"/\")",
                       target);
        return CPN_OK;
    }
    snprintf(name, sizeof name, "%.*s", (int)(at - target), target);
    char *slash = strchr(name, '/');
    const char *idp = NULL;
    if (slash) {
        *slash = '\0';
        snprintf(id, sizeof id, "%s", slash + 1);
        idp = id;
    }
    const char *attr = at + 1;
    if (strcmp(name, "include") == 0 && strcmp(attr, "href") == 0) {
        cpn_diag_error(L->diag, where, 0,
                       "<include> href cannot be changed (includes are read "
                       "before overrides apply)");
        return CPN_OK;
    }
    size_t count = 0;
    int rc = CPN_OK;
    for (size_t i = 0; i < L->xml.len; i++)
        if (L->xml.items[i]->doc)
            count += ld_set_short(NULL, L->xml.items[i]->doc->children, name, idp, attr, value,
                                  where, &rc);
    if (count == 0) {
        if (idp)
            cpn_diag_error(L->diag, where, 0, "no <%s> with id \"%s\" in %s", name, idp, main_name);
        else
            cpn_diag_error(L->diag, where, 0, "no <%s> element in %s", name, main_name);
        return CPN_OK;
    }
    if (!idp && count > 1) {
        cpn_diag_error(L->diag, where, 0,
                       "%zu <%s> elements in %s (name one with %s/ID@%s, or use an XPath)", count,
                       name, main_name, name, attr);
        return CPN_OK;
    }
    for (size_t i = 0; i < L->xml.len; i++)
        if (L->xml.items[i]->doc)
            ld_set_short(L, L->xml.items[i]->doc->children, name, idp, attr, value, where, &rc);
    return rc;
}

static int ld_override_xpath(struct cpn_ld *L, const char *where, const char *target,
                             const char *value)
{
    struct ld_xpath_msg m = {{0}};
    size_t count = 0;
    int bad = 0;
    for (size_t i = 0; i < L->xml.len && !bad; i++) {
        xmlDoc *doc = L->xml.items[i]->doc;
        if (!doc)
            continue;
        xmlXPathContext *x = xmlXPathNewContext(doc);
        if (!x)
            return CPN_ENOMEM;
        x->error = ld_xpath_error;
        x->userData = &m;
        /* libxml2's XPath evaluator prints some errors through the generic handler. */
        struct cpn_ld_generic g;
        cpn_ld_generic_catch(&g);
        xmlXPathObject *r = xmlXPathEvalExpression((const xmlChar *)target, x);
        cpn_ld_generic_release(&g);
        const char *colon = strstr(g.text, ": ");
        if (!m.text[0] && strncmp(g.text, "xmlXPath", 8) == 0 && colon)
            snprintf(m.text, sizeof m.text, "%s", colon + 2); /* "xmlXPathEval: ..." */
        else if (!m.text[0] && g.text[0])
            snprintf(m.text, sizeof m.text, "%s", g.text);
        if (!r) {
            cpn_diag_error(L->diag, where, 0, "invalid XPath \"%s\": %s", target,
                           m.text[0] ? m.text : "cannot be evaluated");
            bad = 1;
        } else if (r->type != XPATH_NODESET) {
            cpn_diag_error(L->diag, where, 0,
                           "XPath \"%s\" gives a value, not attributes (end it with /@ATTRIBUTE)",
                           target);
            bad = 1;
        } else if (r->nodesetval) {
            for (int k = 0; k < r->nodesetval->nodeNr && !bad; k++) {
                xmlNode *a = r->nodesetval->nodeTab[k];
                if (a->type != XML_ATTRIBUTE_NODE) {
                    cpn_diag_error(L->diag, where, 0,
                                   "XPath \"%s\" selects <%s>, not attributes (end it with "
                                   "/@ATTRIBUTE)",
                                   target, a->name ? (const char *)a->name : "text");
                    bad = 1;
                } else if (xmlStrEqual(a->name, (const xmlChar *)"href") && a->parent &&
                           xmlStrEqual(a->parent->name, (const xmlChar *)"include")) {
                    cpn_diag_error(L->diag, where, 0,
                                   "<include> href cannot be changed "
                                   "(includes are read before overrides apply)");
                    bad = 1;
                } else if (ld_set(L, a->parent, (const char *)a->name, value, where) != CPN_OK) {
                    xmlXPathFreeObject(r);
                    xmlXPathFreeContext(x);
                    return CPN_ENOMEM;
                } else {
                    count++;
                }
            }
        }
        xmlXPathFreeObject(r);
        xmlXPathFreeContext(x);
    }
    if (!bad && count == 0)
        cpn_diag_error(L->diag, where, 0, "XPath \"%s\" selects no attribute in %s", target,
                       L->xml.items[0]->name);
    return CPN_OK;
}

int cpn_ld_overrides(struct cpn_ld *L, const struct cpn_scen_options *opt)
{
    for (size_t i = 0; opt && i < opt->n_overrides; i++) {
        const struct cpn_override *o = &opt->overrides[i];
        const char *target = o->target ? o->target : "";
        const char *value = o->value ? o->value : "";
        char where[CPN_LD_MSG];
        if (o->origin)
            snprintf(where, sizeof where, "%s", o->origin);
        else
            snprintf(where, sizeof where, "--set %s=%s", target, value);
        int rc = target[0] == '/' ? ld_override_xpath(L, where, target, value)
                                  : ld_override_short(L, where, target, value);
        if (rc != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

int cpn_override_split(const char *arg, size_t *target_len)
{
    int depth = 0;
    char quote = 0;
    if (!arg || !target_len)
        return CPN_ERROR(CPN_EINVAL, "cpn_override_split: NULL argument");
    for (const char *p = arg; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '[' || *p == '(') {
            depth++;
        } else if ((*p == ']' || *p == ')') && depth > 0) {
            depth--;
        } else if (*p == '=' && depth == 0) {
            if (p == arg)
                break;
            *target_len = (size_t)(p - arg);
            return CPN_OK;
        }
    }
    /* Unbalanced brackets or quotes: split at the last '=', so the loader names the bad XPath. */
    const char *last = strrchr(arg, '=');
    if ((depth > 0 || quote) && last && last != arg) {
        *target_len = (size_t)(last - arg);
        return CPN_OK;
    }
    return CPN_ERROR(CPN_EINVAL, "\"%s\" is not TARGET=VALUE (e.g. link/sh-nx@capacity=400Gbps)",
                     arg);
}
