/* --policy FILE: "key = value" lines, '#' comments, and sections
 *   [channel NAME]       sslciph, sslcauth, sslpeer, client_sslpeer
 *   [server ADDR:PORT]   min_protocol, allowed_ciphers, sslciph (ADDR may be *)
 * and globally, besides the thresholds, disable = RULE, ... and
 * severity = RULE:LEVEL, ... (a site's own grading of a rule).
 * Lists are comma-separated. Every malformed line is an error naming it. */
#include "rules/internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct policy *policy_default(void)
{
    struct policy *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->min_rsa_bits = 2048;
    p->min_dh_bits = 2048;
    p->min_ec_bits = 256;
    p->min_version = VER_TLS12;
    p->expiry_warning_days = 30;
    p->slow_handshake_ms = 1000;
    p->burst_connections = 10;
    p->mq_ports[p->n_mq_ports++] = 1414;
    return p;
}

void policy_free(struct policy *p)
{
    free(p);
}

bool policy_add_mq_port(struct policy *p, uint16_t port)
{
    if (policy_mq_port(p, port))
        return true;
    if (p->n_mq_ports == ARRAY_LEN(p->mq_ports))
        return false;
    p->mq_ports[p->n_mq_ports++] = port;
    return true;
}

bool policy_mq_port(const struct policy *p, uint16_t port)
{
    for (size_t i = 0; i < p->n_mq_ports; i++)
        if (p->mq_ports[i] == port)
            return true;
    return false;
}

enum severity policy_severity(const struct policy *p, const char *rule, enum severity graded)
{
    for (size_t i = 0; i < p->n_severities; i++)
        if (strcmp(p->severities[i].rule, rule) == 0)
            return p->severities[i].severity;
    return graded;
}

bool policy_disabled(const struct policy *p, const char *rule)
{
    for (size_t i = 0; i < p->n_disabled; i++)
        if (strcmp(p->disabled[i], rule) == 0)
            return true;
    return false;
}

const struct channel_policy *policy_channel(const struct policy *p, const char *name)
{
    for (size_t i = 0; name && i < p->n_channels; i++)
        if (strcmp(p->channels[i].name, name) == 0)
            return &p->channels[i];
    return NULL;
}

/* An exact [server ADDR:PORT] wins over [server *:PORT]. */
const struct server_policy *policy_server(const struct policy *p,
                                          const struct endpoint *server)
{
    const struct server_policy *any = NULL;
    for (size_t i = 0; i < p->n_servers; i++) {
        const struct server_policy *sp = &p->servers[i];
        if (sp->port != server->port)
            continue;
        if (sp->any_host && !any)
            any = sp;
        else if (!sp->any_host && sp->family == server->family &&
                 memcmp(sp->addr, server->addr, sp->family == 4 ? 4 : 16) == 0)
            return sp;
    }
    return any;
}

static bool parse_code(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 16);
    if (strncasecmp(s, "0x", 2) != 0 || errno || *end || v > 0xffff)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool cipher_name_valid(const char *name)
{
    uint32_t code;
    return parse_code(name, &code) || registry_cipher_by_name(name) ||
           mq_cipherspec_by_name(name) || mq_sslciph_is_list(name);
}

bool cipher_list_allows(const struct cipher_list *l, uint16_t version, uint32_t code)
{
    if (!l->n)
        return true;
    for (size_t i = 0; i < l->n; i++) {
        const char *name = l->v[i];
        uint32_t c;
        bool known;
        if (parse_code(name, &c) && c == code)
            return true;
        const struct cipher_info *ci = registry_cipher_by_name(name);
        if (ci && ci->code == code)
            return true;
        if (mq_sslciph_accepts(name, version, code, &known))
            return true;
    }
    return false;
}

/* ---- parsing ----------------------------------------------------------------- */

struct parser {
    const char *path;
    int line;
    char *err;
    size_t errlen;
};

static bool fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct parser *ps, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->path, ps->line, msg);
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static bool parse_int(struct parser *ps, const char *key, const char *v, int lo, int hi,
                      int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi)
        return fail(ps, "%s wants a number from %d to %d, not '%s'", key, lo, hi, v);
    *out = (int)n;
    return true;
}

static bool parse_version(struct parser *ps, const char *v, uint16_t *out)
{
    static const struct {
        const char *name;
        uint16_t code;
    } names[] = {
        {"SSLv3", VER_SSL3},    {"TLSv1.0", VER_TLS10}, {"TLSv1", VER_TLS10},
        {"TLSv1.1", VER_TLS11}, {"TLSv1.2", VER_TLS12}, {"TLSv1.3", VER_TLS13},
    };
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (strcasecmp(names[i].name, v) == 0) {
            *out = names[i].code;
            return true;
        }
    }
    return fail(ps, "unknown protocol version '%s' (SSLv3, TLSv1.0 ... TLSv1.3)", v);
}

static bool parse_ciphers(struct parser *ps, char *v, struct cipher_list *out)
{
    out->n = 0;
    for (char *save = NULL, *tok = strtok_r(v, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok)
            continue;
        if (!cipher_name_valid(tok))
            return fail(ps, "'%s' is not a cipher suite, MQ CipherSpec, MQ list name or 0xHHHH code", tok);
        if (out->n == POLICY_LIST)
            return fail(ps, "more than %d ciphers in one list", POLICY_LIST);
        snprintf(out->v[out->n++], POLICY_NAME, "%s", tok);
    }
    return true;
}

static bool parse_sslciph(struct parser *ps, const char *v, char *out)
{
    if (!mq_sslciph_is_list(v) && !mq_cipherspec_by_name(v))
        return fail(ps, "'%s' is not an SSLCIPH value IBM MQ accepts", v);
    snprintf(out, POLICY_NAME, "%s", v);
    return true;
}

static bool global_key(struct parser *ps, struct policy *p, const char *k, char *v)
{
    if (strcmp(k, "min_rsa_bits") == 0)
        return parse_int(ps, k, v, 0, 65536, &p->min_rsa_bits);
    if (strcmp(k, "min_dh_bits") == 0)
        return parse_int(ps, k, v, 0, 65536, &p->min_dh_bits);
    if (strcmp(k, "min_ec_bits") == 0)
        return parse_int(ps, k, v, 0, 1024, &p->min_ec_bits);
    if (strcmp(k, "min_protocol") == 0)
        return parse_version(ps, v, &p->min_version);
    if (strcmp(k, "allowed_ciphers") == 0)
        return parse_ciphers(ps, v, &p->allowed);
    if (strcmp(k, "expiry_warning_days") == 0)
        return parse_int(ps, k, v, 0, 3650, &p->expiry_warning_days);
    if (strcmp(k, "slow_handshake_ms") == 0)
        return parse_int(ps, k, v, 1, 3600000, &p->slow_handshake_ms);
    if (strcmp(k, "burst_connections") == 0)
        return parse_int(ps, k, v, 2, 1000000, &p->burst_connections);
    if (strcmp(k, "mq_ports") == 0) {
        p->n_mq_ports = 0;
        for (char *save = NULL, *tok = strtok_r(v, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            int port;
            if (!parse_int(ps, "mq_ports", trim(tok), 1, 65535, &port))
                return false;
            if (!policy_add_mq_port(p, (uint16_t)port))
                return fail(ps, "too many MQ ports");
        }
        return true;
    }
    if (strcmp(k, "disable") == 0) {
        for (char *save = NULL, *tok = strtok_r(v, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            tok = trim(tok);
            if (!rules_find(tok))
                return fail(ps, "no rule is called '%s' (see 'tlsscope rules')", tok);
            if (p->n_disabled == POLICY_LIST)
                return fail(ps, "too many disabled rules");
            snprintf(p->disabled[p->n_disabled++], POLICY_NAME, "%s", tok);
        }
        return true;
    }
    if (strcmp(k, "severity") == 0) {
        static const char *const levels[] = {"info", "low", "medium", "high"};
        for (char *save = NULL, *tok = strtok_r(v, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            tok = trim(tok);
            char *colon = strchr(tok, ':');
            if (!colon)
                return fail(ps, "severity takes RULE:LEVEL pairs, not '%s'", tok);
            *colon = 0;
            char *rule = trim(tok), *level = trim(colon + 1);
            if (!rules_find(rule))
                return fail(ps, "no rule is called '%s' (see 'tlsscope rules')", rule);
            size_t l = 0;
            while (l < ARRAY_LEN(levels) && strcasecmp(levels[l], level) != 0)
                l++;
            if (l == ARRAY_LEN(levels))
                return fail(ps, "'%s' is not a severity (info, low, medium, high)", level);
            if (p->n_severities == POLICY_LIST)
                return fail(ps, "too many severities");
            snprintf(p->severities[p->n_severities].rule, POLICY_NAME, "%s", rule);
            p->severities[p->n_severities++].severity = (enum severity)l;
        }
        return true;
    }
    return fail(ps, "unknown key '%s'", k);
}

static bool channel_key(struct parser *ps, struct channel_policy *c, const char *k,
                        const char *v)
{
    if (strcmp(k, "sslciph") == 0)
        return parse_sslciph(ps, v, c->sslciph);
    if (strcmp(k, "sslcauth") == 0) {
        if (strcasecmp(v, "REQUIRED") == 0)
            c->sslcauth = SSLCAUTH_REQUIRED;
        else if (strcasecmp(v, "OPTIONAL") == 0)
            c->sslcauth = SSLCAUTH_OPTIONAL;
        else
            return fail(ps, "sslcauth is REQUIRED or OPTIONAL, not '%s'", v);
        return true;
    }
    if (strcmp(k, "sslpeer") == 0) {
        snprintf(c->sslpeer, sizeof(c->sslpeer), "%s", v);
        return true;
    }
    if (strcmp(k, "client_sslpeer") == 0) {
        snprintf(c->client_sslpeer, sizeof(c->client_sslpeer), "%s", v);
        return true;
    }
    return fail(ps, "unknown key '%s' in a [channel] section (sslciph, sslcauth, sslpeer, client_sslpeer)", k);
}

static bool server_key(struct parser *ps, struct server_policy *sp, const char *k, char *v)
{
    if (strcmp(k, "min_protocol") == 0)
        return parse_version(ps, v, &sp->min_version);
    if (strcmp(k, "allowed_ciphers") == 0)
        return parse_ciphers(ps, v, &sp->allowed);
    if (strcmp(k, "sslciph") == 0)
        return parse_sslciph(ps, v, sp->sslciph);
    return fail(ps, "unknown key '%s' in a [server] section (min_protocol, allowed_ciphers, sslciph)", k);
}

/* "[channel NAME]" or "[server ADDR:PORT]" */
static bool section(struct parser *ps, struct policy *p, char *s, void **cur, bool *is_channel)
{
    size_t n = strlen(s);
    if (s[n - 1] != ']')
        return fail(ps, "a section header ends with ']'");
    s[n - 1] = 0;
    char *body = trim(s + 1);
    if (strncmp(body, "channel ", 8) == 0) {
        char *name = trim(body + 8);
        if (!*name || strlen(name) > 20)
            return fail(ps, "a channel name has 1 to 20 characters");
        if (p->n_channels == ARRAY_LEN(p->channels))
            return fail(ps, "too many [channel] sections");
        struct channel_policy *c = &p->channels[p->n_channels++];
        snprintf(c->name, sizeof(c->name), "%s", name);
        *cur = c;
        *is_channel = true;
        return true;
    }
    if (strncmp(body, "server ", 7) == 0) {
        char *addr = trim(body + 7), *colon = strrchr(addr, ':');
        if (!colon)
            return fail(ps, "[server ADDR:PORT] needs a port (use * for any address)");
        *colon = 0;
        char *host = addr;
        if (*host == '[') { /* [2001:db8::1]:443 */
            host++;
            size_t hl = strlen(host);
            if (hl && host[hl - 1] == ']')
                host[hl - 1] = 0;
        }
        uint8_t bin[16] = {0};
        uint8_t family = strcmp(host, "*") == 0 ? 0
                       : inet_pton(AF_INET, host, bin) == 1 ? 4
                       : inet_pton(AF_INET6, host, bin) == 1 ? 6 : 255;
        if (family == 255)
            return fail(ps, "'%s' is not an IP address or *", host);
        int port;
        if (!parse_int(ps, "port", colon + 1, 1, 65535, &port))
            return false;
        if (p->n_servers == ARRAY_LEN(p->servers))
            return fail(ps, "too many [server] sections");
        struct server_policy *sp = &p->servers[p->n_servers++];
        snprintf(sp->host, sizeof(sp->host), "%s", host);
        sp->any_host = family == 0;
        sp->family = family;
        memcpy(sp->addr, bin, sizeof(bin));
        sp->port = (uint16_t)port;
        *cur = sp;
        *is_channel = false;
        return true;
    }
    return fail(ps, "unknown section '[%s]' ([channel NAME] or [server ADDR:PORT])", body);
}

/* err gets "path: reason" for a file that cannot be read */
static void unreadable_file(const char *path, int error, bool *unreadable, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", path, strerror(error));
    if (unreadable)
        *unreadable = true;
}

struct policy *policy_load(const char *path, bool *unreadable, char *err, size_t errlen)
{
    struct parser ps = {.path = path, .err = err, .errlen = errlen};
    if (unreadable)
        *unreadable = false;
    FILE *f = fopen(path, "r");
    if (!f) {
        unreadable_file(path, errno, unreadable, err, errlen);
        return NULL;
    }
    /* a directory opens fine and would read as an empty policy */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        unreadable_file(path, EISDIR, unreadable, err, errlen);
        return NULL;
    }
    struct policy *p = policy_default();
    void *cur = NULL;
    bool is_channel = false, ok = p != NULL;
    char line[1024];
    while (ok && fgets(line, sizeof(line), f)) {
        ps.line++;
        if (!strchr(line, '\n') && !feof(f)) {
            ok = fail(&ps, "line longer than %zu characters", sizeof(line) - 2);
            break;
        }
        /* '#' starts a comment at the start of a line or after a blank, so
         * values such as SSLPEER DNs may hold one */
        for (char *hash = strchr(line, '#'); hash; hash = strchr(hash + 1, '#'))
            if (hash == line || isspace((unsigned char)hash[-1])) {
                *hash = 0;
                break;
            }
        char *s = trim(line);
        if (!*s)
            continue;
        if (*s == '[') {
            ok = section(&ps, p, s, &cur, &is_channel);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            ok = fail(&ps, "expected 'key = value'");
            break;
        }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        if (!*v) {
            ok = fail(&ps, "'%s' has no value", k);
            break;
        }
        if (!cur)
            ok = global_key(&ps, p, k, v);
        else if (is_channel)
            ok = channel_key(&ps, cur, k, v);
        else
            ok = server_key(&ps, cur, k, v);
    }
    if (ok && ferror(f)) {
        unreadable_file(path, errno, unreadable, err, errlen);
        ok = false;
    }
    fclose(f);
    if (!ok) {
        if (!p)
            snprintf(err, errlen, "out of memory");
        policy_free(p);
        return NULL;
    }
    return p;
}
