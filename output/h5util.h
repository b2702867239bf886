/**
 * @file output/h5util.h
 * @brief Small HDF5 helpers shared by output/trace.c and output/report.c (output layer only:
 *        includes hdf5.h).  Header-only; every function closes the handles it opens.
 */
#ifndef CPN_OUTPUT_H5UTIL_H
#define CPN_OUTPUT_H5UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

/**
 * Prepare HDF5 for cpnsim: turn off its automatic error printing on this thread (errors are
 * reported through CPN_ERROR with cpn_h5_error_text() instead), and, when this is the process's
 * first HDF5 call, turn off HDF5's clean-up at exit (H5dont_atexit).  Reason: HDF5 1.10.8 keeps a
 * half-destroyed file after an H5Fclose that failed (full disk) and crashes when it closes that
 * file again at exit; cpnsim closes every file itself, so the clean-up has nothing else to do.
 */
static inline void cpn_h5_quiet(void)
{
    H5dont_atexit(); /* fails harmlessly once the library is initialised */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

struct cpn_h5_walk_ {
    char *buf;
    size_t n;
    int found;
};

static inline herr_t cpn_h5_walk_cb_(unsigned n, const H5E_error2_t *e, void *data)
{
    struct cpn_h5_walk_ *w = data;
    (void)n;
    if (w->found || !e->desc || !*e->desc)
        return 0;
    /* The low-level file driver puts the system's text in "error message = '...'". */
    const char *m = strstr(e->desc, "error message = '");
    if (m) {
        m += strlen("error message = '");
        const char *q = strchr(m, '\'');
        snprintf(w->buf, w->n, "%.*s", (int)(q ? q - m : (long)strlen(m)), m);
    } else {
        snprintf(w->buf, w->n, "%s (in %s)", e->desc, e->func_name ? e->func_name : "?");
    }
    w->found = 1;
    return 0;
}

/**
 * Describe the innermost error of the calling thread's HDF5 error stack, then clear the stack.
 * @param buf receives the text (NUL-terminated, truncated to @p n bytes).
 * @param n size of @p buf [B], > 0.
 * @return @p buf.
 */
static inline char *cpn_h5_error_text(char *buf, size_t n)
{
    struct cpn_h5_walk_ w = {buf, n, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, cpn_h5_walk_cb_, &w);
    if (!w.found)
        snprintf(buf, n, "HDF5 error");
    H5Eclear2(H5E_DEFAULT);
    return buf;
}

/** Return a new variable-length UTF-8 string type (caller closes), or a negative id. */
static inline hid_t cpn_h5_vstr_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        t = H5I_INVALID_HID;
    }
    return t;
}

/** Return a new fixed-length NUL-terminated UTF-8 string type of @p width bytes (>= 1). */
static inline hid_t cpn_h5_str_type(size_t width)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, width ? width : 1) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0 ||
                   H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
        H5Tclose(t);
        t = H5I_INVALID_HID;
    }
    return t;
}

/* Create or overwrite attribute @p name of @p obj: a scalar, or (array != 0) @p n elements. */
static inline herr_t cpn_h5_attr_write_(hid_t obj, const char *name, hid_t type, int array,
                                        size_t n, const void *value)
{
    hsize_t dims = n;
    herr_t e = -1;
    hid_t space = array ? H5Screate_simple(1, &dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5I_INVALID_HID;
    if (space >= 0) {
        htri_t exists = H5Aexists(obj, name);
        if (exists > 0)
            a = H5Aopen(obj, name, H5P_DEFAULT);
        else if (exists == 0)
            a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    }
    if (a >= 0)
        e = H5Awrite(a, type, value);
    if (a >= 0 && H5Aclose(a) < 0)
        e = -1;
    if (space >= 0)
        H5Sclose(space);
    return e;
}

/** Write a scalar string attribute (NULL is written as ""). */
static inline herr_t cpn_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = cpn_h5_vstr_type();
    const char *v = value ? value : "";
    herr_t e = t < 0 ? -1 : cpn_h5_attr_write_(obj, name, t, 0, 1, &v);
    if (t >= 0)
        H5Tclose(t);
    return e;
}

/** Write a 1-D string array attribute of @p n strings (n = 0: an empty array). */
static inline herr_t cpn_h5_attr_strs(hid_t obj, const char *name, const char *const *values,
                                      size_t n)
{
    static const char *const empty[1] = {""};
    hid_t t = cpn_h5_vstr_type();
    herr_t e = t < 0 ? -1 : cpn_h5_attr_write_(obj, name, t, 1, n, n ? values : empty);
    if (t >= 0)
        H5Tclose(t);
    return e;
}

/** Write a scalar int32 attribute. */
static inline herr_t cpn_h5_attr_i32(hid_t obj, const char *name, int32_t v)
{
    return cpn_h5_attr_write_(obj, name, H5T_NATIVE_INT32, 0, 1, &v);
}

/** Write a scalar uint64 attribute. */
static inline herr_t cpn_h5_attr_u64(hid_t obj, const char *name, uint64_t v)
{
    return cpn_h5_attr_write_(obj, name, H5T_NATIVE_UINT64, 0, 1, &v);
}

/** Write a scalar double attribute. */
static inline herr_t cpn_h5_attr_f64(hid_t obj, const char *name, double v)
{
    return cpn_h5_attr_write_(obj, name, H5T_NATIVE_DOUBLE, 0, 1, &v);
}

/**
 * Read string attribute @p name of @p obj (variable or fixed length; for an array, element
 * @p index) into a new malloc'ed string.
 * @return the string (caller frees), or NULL when absent, not a string or out of memory.
 */
static inline char *cpn_h5_attr_read_str(hid_t obj, const char *name, size_t index)
{
    char *out = NULL;
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING && n > 0 && (hssize_t)index < n) {
        if (H5Tis_variable_str(ft) > 0) {
            char **v = calloc((size_t)n, sizeof *v);
            hid_t mt = cpn_h5_vstr_type();
            if (v && mt >= 0 && H5Aread(a, mt, v) >= 0) {
                out = strdup(v[index] ? v[index] : "");
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
            }
            if (mt >= 0)
                H5Tclose(mt);
            free(v);
        } else {
            size_t w = H5Tget_size(ft);
            char *v = calloc((size_t)n, w + 1);
            hid_t mt = cpn_h5_str_type(w + 1);
            if (v && mt >= 0 && H5Aread(a, mt, v) >= 0)
                out = strdup(v + index * (w + 1));
            if (mt >= 0)
                H5Tclose(mt);
            free(v);
        }
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return out;
}

/** Number of elements of attribute @p name (1 for a scalar), or -1 when absent. */
static inline long cpn_h5_attr_count(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    long n = sp >= 0 ? (long)H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (a >= 0)
        H5Aclose(a);
    return n;
}

/** Read a numeric scalar attribute converted to double; @return 0, or -1 when absent. */
static inline int cpn_h5_attr_read_f64(hid_t obj, const char *name, double *v)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    int rc = a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/** Read a numeric scalar attribute converted to uint64; @return 0, or -1 when absent. */
static inline int cpn_h5_attr_read_u64(hid_t obj, const char *name, uint64_t *v)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    int rc = a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, v) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

#endif /* CPN_OUTPUT_H5UTIL_H */
