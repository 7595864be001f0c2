/* --baseline FILE: the findings of an earlier run (JSON lines written by
 * tlsscope read -f json or tlsscope check -f json), so that check fails
 * only on findings that are new. A finding is known by its rule, the
 * server (address:port) and the SNI of its session, or by its rule and
 * subject for capture-wide ones. */
#include "cli/baseline.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "include/grow.h"

/* ---- a small JSON reader: just what the baseline needs ---------------------- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jt t;
    char *s;           /* J_STR */
    double n;          /* J_NUM */
    struct jv *kids;   /* J_ARR / J_OBJ */
    char **keys;       /* J_OBJ */
    size_t n_kids;
};

struct jp {
    const char *p;
    int depth;
};

static void jv_free(struct jv *v)
{
    for (size_t i = 0; i < v->n_kids; i++) {
        jv_free(&v->kids[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->s);
}

static void ws(struct jp *j)
{
    while (isspace((unsigned char)*j->p))
        j->p++;
}

static bool jstring(struct jp *j, char **out)
{
    if (*j->p != '"')
        return false;
    j->p++;
    size_t cap = 32, n = 0;
    char *s = malloc(cap);
    if (!s)
        return false;
    while (*j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            char e = *j->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *j->p++;
                    v = v * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
                }
                c = v < 0x80 ? (char)v : '?'; /* names in baselines are ASCII */
                break;
            }
            case 0:
                free(s);
                return false;
            default: c = e; break;
            }
        }
        if (n + 1 == cap) {
            char *g = realloc(s, cap *= 2);
            if (!g) {
                free(s);
                return false;
            }
            s = g;
        }
        s[n++] = c;
    }
    if (*j->p != '"') {
        free(s);
        return false;
    }
    j->p++;
    s[n] = 0;
    *out = s;
    return true;
}

static bool jvalue(struct jp *j, struct jv *v);

static bool push(struct jv *v, struct jv *kid, char *key)
{
    struct jv *k = realloc(v->kids, (v->n_kids + 1) * sizeof(*k));
    if (!k)
        return false;
    v->kids = k;
    if (v->t == J_OBJ) {
        char **keys = realloc(v->keys, (v->n_kids + 1) * sizeof(*keys));
        if (!keys)
            return false;
        v->keys = keys;
        v->keys[v->n_kids] = key;
    }
    v->kids[v->n_kids++] = *kid;
    return true;
}

static bool jvalue(struct jp *j, struct jv *v)
{
    memset(v, 0, sizeof(*v));
    ws(j);
    if (++j->depth > 64)
        return false;
    bool ok = true;
    char c = *j->p;
    if (c == '{' || c == '[') {
        v->t = c == '{' ? J_OBJ : J_ARR;
        char close = c == '{' ? '}' : ']';
        j->p++;
        ws(j);
        if (*j->p == close) {
            j->p++;
        } else {
            for (;;) {
                char *key = NULL;
                ws(j);
                if (v->t == J_OBJ) {
                    if (!jstring(j, &key))
                        return j->depth--, false;
                    ws(j);
                    if (*j->p++ != ':') {
                        free(key);
                        return j->depth--, false;
                    }
                }
                struct jv kid;
                if (!jvalue(j, &kid) || !push(v, &kid, key)) {
                    jv_free(&kid);
                    free(key);
                    return j->depth--, false;
                }
                ws(j);
                if (*j->p == ',') {
                    j->p++;
                    continue;
                }
                if (*j->p++ != close)
                    return j->depth--, false;
                break;
            }
        }
    } else if (c == '"') {
        v->t = J_STR;
        ok = jstring(j, &v->s);
    } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
        v->t = J_BOOL;
        v->n = *j->p == 't';
        j->p += *j->p == 't' ? 4 : 5;
    } else if (!strncmp(j->p, "null", 4)) {
        v->t = J_NULL;
        j->p += 4;
    } else {
        char *end;
        v->t = J_NUM;
        v->n = strtod(j->p, &end);
        ok = end != j->p;
        j->p = end;
    }
    j->depth--;
    return ok;
}

static const struct jv *get(const struct jv *o, const char *key)
{
    for (size_t i = 0; o && o->t == J_OBJ && i < o->n_kids; i++)
        if (strcmp(o->keys[i], key) == 0)
            return &o->kids[i];
    return NULL;
}

static const char *str(const struct jv *v)
{
    return v && v->t == J_STR ? v->s : "";
}

/* ---- the baseline ------------------------------------------------------------- */

static bool add(struct baseline *b, const char *key)
{
    if (baseline_has(b, key))
        return true;
    char **k = grow_array(b->keys, b->n, &b->cap, sizeof(*k), 64);
    if (!k)
        return false;
    b->keys = k;
    return (b->keys[b->n++] = strdup(key)) != NULL;
}

void baseline_session_key(char *out, size_t len, const char *rule, const char *server, const char *sni)
{
    snprintf(out, len, "%s|%s|%s", rule, server, sni ? sni : "");
}

void baseline_capture_key(char *out, size_t len, const char *rule, const char *subject)
{
    snprintf(out, len, "%s|capture|%s", rule, subject);
}

/* A check result line carries the capture-wide findings; session findings
 * come from read's session lines or check's verdict lines. */
static void capture_findings_from(struct baseline *b, const struct jv *cf)
{
    char key[600];
    for (size_t i = 0; cf && cf->t == J_ARR && i < cf->n_kids; i++) {
        baseline_capture_key(key, sizeof(key), str(get(&cf->kids[i], "rule")),
                             str(get(&cf->kids[i], "subject")));
        add(b, key);
    }
}

static void from_line(struct baseline *b, const struct jv *o)
{
    const char *type = str(get(o, "type"));
    char key[600], server[96];
    if (!strcmp(type, "finding")) {
        baseline_capture_key(key, sizeof(key), str(get(o, "rule")), str(get(o, "subject")));
        add(b, key);
        return;
    }
    if (!strcmp(type, "result")) {
        capture_findings_from(b, get(o, "capture_findings"));
        return;
    }
    const struct jv *srv = get(o, "server");
    if (!strcmp(type, "session") && srv && srv->t == J_OBJ) {
        const char *ip = str(get(srv, "ip"));
        const struct jv *port = get(srv, "port");
        snprintf(server, sizeof(server), strchr(ip, ':') ? "[%s]:%.0f" : "%s:%.0f", ip,
                 port && port->t == J_NUM ? port->n : 0);
    } else if (!strcmp(type, "verdict")) {
        snprintf(server, sizeof(server), "%s", str(srv));
    } else {
        return;
    }
    const struct jv *findings = get(o, "findings");
    for (size_t i = 0; findings && findings->t == J_ARR && i < findings->n_kids; i++) {
        baseline_session_key(key, sizeof(key), str(get(&findings->kids[i], "rule")), server,
                             str(get(o, "sni")));
        add(b, key);
    }
}

int baseline_load(struct baseline *b, const char *path)
{
    memset(b, 0, sizeof(*b));
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return EXIT_INPUT;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long no = 0;
    int rc = EXIT_OK;
    while ((got = getline(&line, &cap, f)) > 0) {
        no++;
        struct jp j = {.p = line};
        ws(&j);
        if (!*j.p)
            continue;
        struct jv v;
        bool ok = jvalue(&j, &v) && v.t == J_OBJ;
        ws(&j);
        if (!ok || *j.p) {
            jv_free(&v);
            cli_error("%s:%lu: not a JSON line of tlsscope's output", path, no);
            rc = EXIT_INPUT;
            break;
        }
        from_line(b, &v);
        jv_free(&v);
    }
    /* a directory opens fine and fails only here, as would a bad disk */
    if (rc == EXIT_OK && ferror(f)) {
        cli_error("%s: %s", path, strerror(errno));
        rc = EXIT_INPUT;
    }
    free(line);
    fclose(f);
    b->loaded = rc == EXIT_OK;
    return rc;
}

bool baseline_has(const struct baseline *b, const char *key)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->keys[i], key) == 0)
            return true;
    return false;
}

void baseline_free(struct baseline *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->keys[i]);
    free(b->keys);
    memset(b, 0, sizeof(*b));
}
