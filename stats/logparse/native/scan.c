/*
 * One pass over a shard of Common/Combined Log Format lines.
 *
 * It decides, for every line made only of ASCII without NUL (a CR only as the line's
 * last byte, which is dropped as the polars path drops it), exactly what the regexes
 * of formats.py decide: whether VALID_LINE matches, the REQUEST_FIELDS captures, and
 * the AGENT_FIELD capture. Lines it cannot
 * decide that way (other bytes, a backslash in the request, a time stamp that is not a
 * plain calendar time) are handed back as "deferred" to the regex path, which treats
 * them as before. So the two paths give the same counts by construction; the
 * differential tests in tests/logparse check it.
 *
 * For the lines whose method and status are counted and whose path contains the
 * rule's literals, it writes one row: line index, ids of host, path and agent
 * (distinct values interned per call), and the time as seconds since the epoch (UTC);
 * and for each distinct host its keyed digest (HMAC-SHA256, first 16 bytes).
 * No allocation is visible to the caller beyond the buffers it passes in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash_bytes.h"
#include "hmac_sha256.h"
#include "line_format.h"

#define NO_AGENT 0xFFFFFFFFu

typedef struct {
    /* rows: one per candidate download request */
    uint32_t *row_line;
    uint32_t *row_host;
    uint32_t *row_path;
    uint32_t *row_agent; /* NO_AGENT when the line has no user agent field */
    int64_t *row_epoch;
    int64_t rows;
    /* lines left to the regex path: [start, end) with their newline, and index */
    int64_t *deferred_start;
    int64_t *deferred_end;
    uint32_t *deferred_line;
    int64_t deferred;
    /* malformed lines: count, and the first sample_cap of them ([start, end), index) */
    int64_t malformed;
    int64_t sample_cap;
    int64_t samples;
    int64_t *sample_start;
    int64_t *sample_end;
    uint32_t *sample_line;
    /* first and last valid line decided here; line index -1 when none */
    int64_t first_start, first_end, first_line;
    int64_t last_start, last_end, last_line;
    int64_t lines;
    /* distinct hosts, paths and agents, each followed by '\n', in id order */
    uint8_t *host_text;
    int64_t host_text_len;
    int64_t hosts;
    uint8_t *path_text;
    int64_t path_text_len;
    int64_t paths;
    uint8_t *agent_text;
    int64_t agent_text_len;
    int64_t agents;
    /* per distinct host: the first 16 bytes of HMAC-SHA256(client key, host) */
    uint8_t *host_digests;
} scan_out;

typedef struct {
    const uint8_t *prefilter; /* a literal every download path contains, or NULL */
    int64_t prefilter_len;
    const uint8_t *any_text; /* literals of which a download path contains one, '\0'-separated */
    int64_t any_len;
    const uint8_t *methods; /* counted methods, '\0'-separated */
    int64_t methods_len;
    const uint8_t *status_ok; /* 1000 flags: status counted */
    const uint8_t *client_key; /* the registry's key for client digests */
    int64_t client_key_len;
} scan_rules;

/* ---- interning of byte strings ------------------------------------------------ */

typedef struct {
    uint32_t *slots; /* id + 1, 0 when empty; at most half full */
    uint64_t mask;
    const uint8_t **start; /* per id: where the value is in the data, its length, hash */
    uint32_t *len;
    uint64_t *hash;
    uint32_t count;
    uint32_t room; /* ids the per-id arrays have room for */
    int failed;    /* an allocation failed: the scan reports it */
    uint8_t *text;
    int64_t text_len;
} intern_table;

/* Tables start small and double: a shard's distinct values are few next to its lines. */
static void table_init(intern_table *t, uint8_t *text) {
    memset(t, 0, sizeof *t);
    t->text = text;
}

static void table_free(intern_table *t) {
    free(t->slots);
    free(t->start);
    free(t->len);
    free(t->hash);
}

static int table_grow(intern_table *t) {
    if (t->count == t->room) {
        uint32_t room = t->room ? t->room * 2 : 1024;
        const uint8_t **start = realloc(t->start, sizeof *start * room);
        if (start) t->start = start;
        uint32_t *len = realloc(t->len, sizeof *len * room);
        if (len) t->len = len;
        uint64_t *hash = realloc(t->hash, sizeof *hash * room);
        if (hash) t->hash = hash;
        if (!start || !len || !hash) return 0;
        t->room = room;
    }
    if ((uint64_t)(t->count + 1) * 2 > t->mask + 1 || !t->slots) {
        uint64_t size = t->slots ? (t->mask + 1) * 2 : 2048;
        uint32_t *slots = calloc(size, sizeof *slots);
        if (!slots) return 0;
        for (uint32_t id = 0; id < t->count; id++) {
            uint64_t i = t->hash[id] & (size - 1);
            while (slots[i]) i = (i + 1) & (size - 1);
            slots[i] = id + 1;
        }
        free(t->slots);
        t->slots = slots;
        t->mask = size - 1;
    }
    return 1;
}

static uint32_t intern(intern_table *t, const uint8_t *s, size_t n) {
    if (!table_grow(t)) {
        t->failed = 1;
        return 0;
    }
    uint64_t h = hash_bytes(s, n), i = h & t->mask;
    for (;;) {
        uint32_t slot = t->slots[i];
        if (slot == 0) break;
        uint32_t id = slot - 1;
        if (t->hash[id] == h && t->len[id] == n && memcmp(t->start[id], s, n) == 0) return id;
        i = (i + 1) & t->mask;
    }
    uint32_t id = t->count++;
    t->slots[i] = id + 1;
    t->start[id] = s;
    t->len[id] = (uint32_t)n;
    t->hash[id] = h;
    memcpy(t->text + t->text_len, s, n);
    t->text_len += (int64_t)n;
    t->text[t->text_len++] = '\n';
    return id;
}

/* ---- the pass ------------------------------------------------------------------ */

enum { LINE_MALFORMED, LINE_VALID, LINE_DEFERRED };

/* 0 when done; -2 when out->lines (the room in the row and deferred arrays) was too
 * small; -1 when memory ran out. */
int64_t scan_lines(const uint8_t *data, int64_t size, const scan_rules *rules, scan_out *out) {
    intern_table hosts, paths, agents;
    int64_t capacity = out->lines; /* room in the row and deferred arrays */
    hmac_sha256_key client_key;
    hmac_sha256_init(&client_key, rules->client_key, (size_t)rules->client_key_len);
    table_init(&hosts, out->host_text);
    table_init(&paths, out->path_text);
    table_init(&agents, out->agent_text);
    int64_t status = 0;
    out->rows = out->deferred = out->malformed = out->samples = 0;
    out->first_line = out->last_line = -1;
    int64_t line = 0;
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *e = nl ? nl : end, *next = nl ? nl + 1 : end;
        if (e > p && e[-1] == '\r') e--; /* as the polars path reads lines: one CR dropped */
        line_fields f;
        int kind, bytes = line_bytes(p, e);
        if (bytes & NEEDS_REGEX_PATH) {
            kind = LINE_DEFERRED;
        } else if (p == e || !valid_line(p, e, &f)) {
            kind = LINE_MALFORMED;
        } else if (f.request_backslash && rules->status_ok[f.status]) {
            /* REQUEST_FIELDS may backtrack over escapes; with a status the rules do not
             * count (TLS handshakes sent to the HTTP port, 400) no fields are needed. */
            kind = LINE_DEFERRED;
        } else {
            kind = LINE_VALID;
        }
        if (kind != LINE_MALFORMED && (out->deferred == capacity || out->rows == capacity)) {
            status = -2; /* more lines than the caller made room for: it counts and retries */
            break;
        }
        if (kind == LINE_DEFERRED) {
            out->deferred_start[out->deferred] = p - data;
            out->deferred_end[out->deferred] = next - data;
            out->deferred_line[out->deferred++] = (uint32_t)line;
        } else if (kind == LINE_MALFORMED) {
            if (out->samples < out->sample_cap) {
                out->sample_start[out->samples] = p - data;
                out->sample_end[out->samples] = e - data;
                out->sample_line[out->samples++] = (uint32_t)line;
            }
            out->malformed++;
        } else {
            if (out->first_line < 0) {
                out->first_line = line;
                out->first_start = p - data;
                out->first_end = e - data;
            }
            out->last_line = line;
            out->last_start = p - data;
            out->last_end = e - data;
            /* "(?P<method>[A-Z]+) (?P<path>[^ ?#"]*)..." (no backslash in a counted
             * request here) and the rule's filters */
            const uint8_t *m = f.request, *r = f.request_end;
            while (m < r && *m >= 'A' && *m <= 'Z') m++;
            if (m > f.request && m < r && *m == ' ' && rules->status_ok[f.status] &&
                listed(f.request, (size_t)(m - f.request), rules->methods, rules->methods_len)) {
                const uint8_t *path = m + 1, *path_end = find3(path, r, ' ', '?', '#');
                size_t path_len = (size_t)(path_end - path);
                if (contains(path, path_len, rules->prefilter, (size_t)rules->prefilter_len) &&
                    (rules->any_len == 0 || contains_any(path, path_len, rules->any_text, rules->any_len))) {
                    int ok;
                    int64_t epoch = epoch_seconds(f.time, &ok);
                    if (!ok) {
                        /* The regex path decides this line whole; it may name it the
                         * first or last valid line again, which is the same line. */
                        out->deferred_start[out->deferred] = p - data;
                        out->deferred_end[out->deferred] = next - data;
                        out->deferred_line[out->deferred++] = (uint32_t)line;
                    } else {
                        /* Without a backslash, AGENT_FIELD's leftmost match is the
                         * Combined agent field (none in Common format); with one, the
                         * regex's search is replayed from every quote. */
                        const uint8_t *as = f.agent, *ae = f.agent_end;
                        int has_agent = (bytes & HAS_BACKSLASH) ? agent_field(p, e, &as, &ae)
                                                                : as != NULL;
                        int64_t row = out->rows++;
                        out->row_line[row] = (uint32_t)line;
                        size_t host_len = (size_t)(f.host_end - p);
                        uint32_t known_hosts = hosts.count;
                        uint32_t host = intern(&hosts, p, host_len);
                        if (hosts.count != known_hosts) { /* a new host: its digest */
                            uint8_t digest[32];
                            hmac_sha256(&client_key, p, host_len, digest);
                            memcpy(out->host_digests + 16 * (size_t)host, digest, 16);
                        }
                        out->row_host[row] = host;
                        out->row_path[row] = intern(&paths, path, path_len);
                        out->row_agent[row] =
                            has_agent ? intern(&agents, as, (size_t)(ae - as)) : NO_AGENT;
                        out->row_epoch[row] = epoch;
                    }
                }
            }
        }
        line++;
        p = next;
    }
    out->lines = line;
    out->hosts = hosts.count;
    out->host_text_len = hosts.text_len;
    out->paths = paths.count;
    out->path_text_len = paths.text_len;
    out->agents = agents.count;
    out->agent_text_len = agents.text_len;
    if (hosts.failed || paths.failed || agents.failed) status = -1;
    table_free(&hosts);
    table_free(&paths);
    table_free(&agents);
    return status;
}
