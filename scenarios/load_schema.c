/* Scenario loader: the built-in schema, validation, and libxml2's messages rewritten to ours. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"

/* ------------------------------------------------------------------------------------------ */
/* The schema                                                                                  */

static void ld_schema_internal_error(void *ctx, cpn_ld_xml_error *e)
{
    struct cpn_ld *L = ctx;
    cpn_diag_error(L->diag, "cpnsim.xsd (built in)", e ? e->line : 0, "internal error: %s",
                   e && e->message ? e->message : "?");
}

int cpn_ld_schema_load(struct cpn_ld *L, struct cpn_ld_schema *S)
{
    /* Our own trusted text: parsed without the user-file precautions but still NONET. */
    S->doc = xmlReadMemory((const char *)cpn_scen_xsd, (int)cpn_scen_xsd_len, "cpnsim.xsd", NULL,
                           XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!S->doc)
        return CPN_ERROR(CPN_EINTERNAL, "the built-in schema cannot be parsed");
    xmlSchemaParserCtxt *pctxt = xmlSchemaNewDocParserCtxt(S->doc);
    if (!pctxt)
        return CPN_ENOMEM;
    xmlSchemaSetParserStructuredErrors(pctxt, ld_schema_internal_error, L);
    S->schema = xmlSchemaParse(pctxt);
    xmlSchemaFreeParserCtxt(pctxt);
    if (!S->schema)
        return CPN_ERROR(CPN_EINTERNAL, "the built-in schema cannot be compiled");
    return CPN_OK;
}

void cpn_ld_schema_release(struct cpn_ld_schema *S)
{
    if (S->schema)
        xmlSchemaFree(S->schema);
    if (S->doc)
        xmlFreeDoc(S->doc);
}

/* Names the schema accepts for element @p elem: its attributes or its child elements. */
static void ld_schema_names(xmlDoc *xsd, const char *elem, int children, char *buf, size_t len)
{
    char expr[256];
    snprintf(expr, sizeof expr,
             children ? "//xs:element[@name='%s']/xs:complexType/xs:choice/xs:element/@name"
                      : "//xs:element[@name='%s']/xs:complexType/xs:attribute/@name",
             elem);
    buf[0] = '\0';
    xmlXPathContext *x = xmlXPathNewContext(xsd);
    if (!x)
        return;
    xmlXPathRegisterNs(x, (const xmlChar *)"xs",
                       (const xmlChar *)"http://www.w3.org/2001/XMLSchema");
    xmlXPathObject *r = xmlXPathEvalExpression((const xmlChar *)expr, x);
    size_t used = 0;
    if (r && r->nodesetval)
        for (int i = 0; i < r->nodesetval->nodeNr && used < len; i++) {
            xmlChar *v = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
            const char *name = v ? (const char *)v : "";
            /* An element declared in two places (placement) lists its names once. */
            int seen = 0;
            for (int j = 0; j < i && !seen; j++) {
                xmlChar *w = xmlNodeGetContent(r->nodesetval->nodeTab[j]);
                seen = w && strcmp((const char *)w, name) == 0;
                xmlFree(w);
            }
            if (!seen)
                used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
            xmlFree(v);
        }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(x);
}

/* The text between the first pair of single quotes after @p after in @p msg. */
static int ld_quoted(const char *msg, const char *after, char *buf, size_t len)
{
    const char *p = after ? strstr(msg, after) : msg;
    if (!p)
        return 0;
    p = strchr(p + (after ? strlen(after) : 0), '\'');
    if (!p)
        return 0;
    const char *q = strchr(p + 1, '\'');
    if (!q)
        return 0;
    snprintf(buf, len, "%.*s", (int)(q - p - 1), p + 1);
    return 1;
}

struct ld_validate {
    struct cpn_ld *L;
    struct cpn_ld_schema *S;
    const xmlNode *facet_node; /* node of the last facet error: its follow-up is redundant */
    int errors;
};

static const char *ld_type_words(const char *xs_type)
{
    if (strstr(xs_type, "unsignedLong") || strstr(xs_type, "nonNegativeInteger"))
        return "a non-negative integer such as 42";
    if (strstr(xs_type, "double"))
        return "a plain number such as 1.5";
    return xs_type;
}

/* What an element must not contain, reported at the first offender's line: the first child
 * element or non-blank text of @p elem (@p empty: the schema declares @p elem empty, so either is
 * wrong; otherwise it takes elements only, so text is).  Returns 0 when none is found (the caller
 * reports libxml2's message). */
static int ld_schema_content(struct ld_validate *V, xmlNode *elem, int empty)
{
    char names[CPN_LD_MSG / 2];
    const char *name = (const char *)elem->name;
    if (empty)
        snprintf(names, sizeof names, "<%s> contains nothing: its settings are attributes", name);
    else {
        char list[CPN_LD_MSG / 2 - 32];
        ld_schema_names(V->S->doc, name, 1, list, sizeof list);
        snprintf(names, sizeof names, "accepted there: elements %s", list);
    }
    for (xmlNode *c = elem->children; c; c = c->next) {
        if (empty && c->type == XML_ELEMENT_NODE) {
            cpn_diag_error(V->L->diag, cpn_ld_file_name(c), xmlGetLineNo(c),
                           "element <%s> is not allowed in <%s> (%s)", (const char *)c->name, name,
                           names);
            return 1;
        }
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            continue;
        const char *t = (const char *)c->content;
        if (!t)
            continue;
        /* libxml2 numbers a text node by the line it ends on. */
        long line = xmlGetLineNo(c);
        for (const char *q = t; *q; q++)
            line -= *q == '\n';
        for (; *t && strchr(" \t\r\n", *t); t++)
            line += *t == '\n';
        if (!*t)
            continue;
        int n = (int)strcspn(t, "\r\n");
        const char *rest = t + n;
        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            n--;
        rest += strspn(rest, " \t\r\n");
        cpn_diag_error(V->L->diag, cpn_ld_file_name(elem), line,
                       "text \"%.*s%s\" is not allowed in <%s> (%s)", n > 40 ? 40 : n, t,
                       n > 40 || *rest ? "..." : "", name, names);
        return 1;
    }
    return 0;
}

static void ld_schema_error(void *ctx, cpn_ld_xml_error *e)
{
    struct ld_validate *V = ctx;
    struct cpn_ld *L = V->L;
    xmlNode *node = e ? e->node : NULL, *elem = node;
    const char *attr = NULL;
    char msg[CPN_LD_MSG], a[128], an[128], b[CPN_LD_MSG / 2], names[CPN_LD_MSG / 2];
    if (!e)
        return;
    V->errors++;
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "invalid");
    cpn_ld_chomp(msg);
    if (node && node->type == XML_ATTRIBUTE_NODE) {
        attr = (const char *)node->name;
        elem = node->parent;
    } else if (strncmp(msg, "Element '", 9) == 0 && ld_quoted(msg, "', attribute ", an, sizeof an))
        attr = an; /* libxml2 names the attribute only in its message */
    if (!elem || elem->type != XML_ELEMENT_NODE) {
        cpn_diag_error(L->diag, e->file, e->line, "%s", msg);
        return;
    }
    if ((e->code == XML_SCHEMAV_CVC_ATTRIBUTE_3 ||
         e->code == XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1) &&
        V->facet_node == node && node) {
        V->errors--; /* the second message of the same mistake */
        return;
    }
    V->facet_node = NULL;
    switch (e->code) {
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1:
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
        ld_schema_names(V->S->doc, (const char *)elem->name, 0, names, sizeof names);
        if (names[0])
            cpn_ld_error(L, elem, "unknown attribute \"%s\" (accepted: %s)", attr ? attr : "?",
                         names);
        else
            cpn_ld_error(L, elem, "unknown attribute \"%s\" (<%s> takes no attributes)",
                         attr ? attr : "?", (const char *)elem->name);
        return;
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1: /* content in an element declared empty */
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3: /* text in an element of elements only */
        if (ld_schema_content(V, elem, e->code == XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1))
            return;
        break;
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_4:
        if (ld_quoted(msg, "The attribute", a, sizeof a))
            cpn_ld_error(L, elem, "required attribute \"%s\" is missing", a);
        else
            cpn_ld_error(L, elem, "%s", msg);
        return;
    case XML_SCHEMAV_ELEMENT_CONTENT: {
        const xmlNode *parent = elem->parent;
        const char *pname =
            parent && parent->type == XML_ELEMENT_NODE ? (const char *)parent->name : "?";
        ld_schema_names(V->S->doc, pname, 1, names, sizeof names);
        cpn_diag_error(L->diag, cpn_ld_file_name(elem), xmlGetLineNo(elem),
                       "element <%s> is not allowed in <%s> (accepted there: %s)",
                       (const char *)elem->name, pname, names[0] ? names : "no element");
        return;
    }
    case XML_SCHEMAV_CVC_ENUMERATION_VALID:
        V->facet_node = node;
        if (attr && ld_quoted(msg, "The value", a, sizeof a)) {
            const char *set = strchr(msg, '{');
            size_t k = 0;
            for (const char *p = set ? set + 1 : ""; *p && *p != '}' && k + 1 < sizeof b; p++)
                if (*p != '\'')
                    b[k++] = *p;
            b[k] = '\0';
            cpn_ld_error(L, elem, "%s \"%s\" is not accepted (use one of: %s)", attr, a, b);
            return;
        }
        break;
    case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1:
        V->facet_node = node;
        if (attr && ld_quoted(msg, "': ", a, sizeof a) &&
            ld_quoted(msg, "atomic type", b, sizeof b)) {
            cpn_ld_error(L, elem, "%s \"%s\" is not accepted (use %s)", attr, a, ld_type_words(b));
            return;
        }
        break;
    default:
        break;
    }
    /* Generic: drop libxml2's "Element 'x', attribute 'y': " prefix, which ours replaces. */
    const char *text = msg;
    if (strncmp(text, "Element '", 9) == 0) {
        const char *colon = strstr(text, "': ");
        if (colon)
            text = colon + 3;
    }
    if (attr)
        cpn_ld_error(L, elem, "attribute \"%s\": %s", attr, text);
    else
        cpn_ld_error(L, elem, "%s", text);
}

/* Validate every parsed file; returns CPN_OK (errors counted in diag) or CPN_EINTERNAL. */
int cpn_ld_validate(struct cpn_ld *L, struct cpn_ld_schema *S)
{
    for (size_t i = 0; i < L->xml.len; i++) {
        struct cpn_ld_file *f = L->xml.items[i];
        if (!f->doc || f->bad)
            continue;
        xmlSchemaValidCtxt *v = xmlSchemaNewValidCtxt(S->schema);
        if (!v)
            return CPN_ENOMEM;
        struct ld_validate V = {L, S, NULL, 0};
        xmlSchemaSetValidStructuredErrors(v, ld_schema_error, &V);
        /* Fill in default attribute values, so the schema is the one place defaults live. */
        xmlSchemaSetValidOptions(v, XML_SCHEMA_VAL_VC_I_CREATE);
        int rc = xmlSchemaValidateDoc(v, f->doc);
        xmlSchemaFreeValidCtxt(v);
        if (rc < 0 && V.errors == 0)
            return CPN_ERROR(CPN_EINTERNAL, "schema validation of %s failed internally", f->name);
        if (rc != 0)
            f->bad = 1;
    }
    return CPN_OK;
}
