/* Count a shard's downloads from the scanner's ids: the columnar counting of shard.py in
 * one pass over the request rows, with hash tables instead of joins and group-bys.
 *
 * Per row: the path says whether it is a download (and of a package in the manifest or
 * not, and which version); the user agent whether it is a bot or a mirror; the client
 * address whether it is a mirror. Out come the facts (package, day) with downloads and
 * mirror downloads, the distinct (fact, client) pairs and the (fact, version) counts of
 * the non-mirror downloads, each client numbered by first use.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { PATH_NONE = 0, PATH_KNOWN = 1, PATH_UNKNOWN = 2 };
enum { AGENT_BOT = 1, AGENT_MIRROR = 2 };

#define NO_TIME INT64_MIN
#define SECONDS_PER_DAY 86400

typedef struct {
    const uint32_t *row_path;
    const uint32_t *row_agent; /* an index into agent_flags: lines without one point past
                                  the agents to a slot of 0 */
    const uint32_t *row_host;
    const int64_t *row_epoch; /* NO_TIME where the time did not parse */
    int64_t rows;
    const uint8_t *path_kind; /* PATH_* */
    const int32_t *path_code; /* known: the package's code; unknown: the name's code */
    const int32_t *path_version; /* the version's code, -1 for none */
    const uint8_t *agent_flags;  /* AGENT_* */
    const uint8_t *host_mirror;  /* 1 for a mirror's address; NULL when there are none */
    int64_t hosts;
    const int64_t *zone_start; /* ascending UTC epochs where each UTC offset starts */
    const int64_t *zone_offset;
    int64_t zones;
} CountIn;

typedef struct {
    int64_t bots;
    int64_t *unknown; /* requests per unknown name code, zeroed by the caller */
    int64_t invalid_time;
    int64_t *invalid_rows; /* the first invalid_cap of their row positions */
    int64_t invalid_cap;
    /* facts, room for rows */
    int32_t *fact_code;
    int32_t *fact_day; /* days since 1970-01-01 in the zone */
    int64_t *fact_downloads;
    int64_t *fact_mirror;
    int64_t facts;
    /* distinct (fact, client) pairs of non-mirror downloads, room for rows */
    uint32_t *pair_fact;
    uint32_t *pair_client;
    int64_t pairs;
    /* client number -> host id, in order of first use, room for hosts */
    uint32_t *client_host;
    int64_t clients;
    /* (fact, version) -> non-mirror downloads, room for rows */
    uint32_t *version_fact;
    int32_t *version_code;
    int64_t *version_n;
    int64_t versions;
} CountOut;

/* Open addressing on 64-bit keys; a slot holds an index into the caller's arrays. */
typedef struct {
    uint64_t *keys;
    int32_t *values; /* -1: empty */
    uint64_t mask;
    int shift;
} Table;

static int table_init(Table *t, int64_t entries) {
    uint64_t size = 16;
    int bits = 4;
    while (size < (uint64_t)entries * 2) {
        size <<= 1;
        bits++;
    }
    t->keys = malloc(size * sizeof(uint64_t));
    t->values = malloc(size * sizeof(int32_t));
    if (!t->keys || !t->values) {
        free(t->keys);
        free(t->values);
        t->keys = NULL;
        t->values = NULL;
        return -1;
    }
    memset(t->values, 0xff, size * sizeof(int32_t));
    t->mask = size - 1;
    t->shift = 64 - bits;
    return 0;
}

static void table_free(Table *t) {
    free(t->keys);
    free(t->values);
}

/* The slot of key: its value is -1 when the key is new (the caller fills it). */
static inline uint64_t table_slot(const Table *t, uint64_t key) {
    uint64_t i = (key * 0x9E3779B97F4A7C15ULL) >> t->shift;
    for (;;) {
        int32_t v = t->values[i];
        if (v < 0 || t->keys[i] == key)
            return i;
        i = (i + 1) & t->mask;
    }
}

static inline int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* The offset in force at epoch: the last zone starting at or before it (the hint, the
 * previous row's zone, is right for nearly every row of a time-ordered log). */
static inline int64_t zone_offset(const CountIn *in, int64_t epoch, int64_t *hint) {
    int64_t k = *hint;
    if (in->zone_start[k] > epoch || (k + 1 < in->zones && in->zone_start[k + 1] <= epoch)) {
        int64_t lo = 0, hi = in->zones - 1;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo + 1) / 2;
            if (in->zone_start[mid] <= epoch)
                lo = mid;
            else
                hi = mid - 1;
        }
        *hint = k = lo;
    }
    return in->zone_offset[k];
}

int64_t count_downloads(const CountIn *in, CountOut *out) {
    Table facts, pairs, versions;
    int32_t *client_of_host = malloc((size_t)(in->hosts > 0 ? in->hosts : 1) * sizeof(int32_t));
    if (!client_of_host)
        return -1;
    if (table_init(&facts, in->rows) != 0) {
        free(client_of_host);
        return -1;
    }
    if (table_init(&pairs, in->rows) != 0) {
        table_free(&facts);
        free(client_of_host);
        return -1;
    }
    if (table_init(&versions, in->rows) != 0) {
        table_free(&facts);
        table_free(&pairs);
        free(client_of_host);
        return -1;
    }
    memset(client_of_host, 0xff, (size_t)(in->hosts > 0 ? in->hosts : 1) * sizeof(int32_t));
    out->bots = out->invalid_time = out->facts = out->pairs = out->clients = 0;
    out->versions = 0;
    int64_t hint = 0;
    for (int64_t r = 0; r < in->rows; r++) {
        uint32_t path = in->row_path[r];
        uint8_t kind = in->path_kind[path];
        if (kind == PATH_NONE)
            continue;
        uint8_t agent = in->agent_flags[in->row_agent[r]];
        if (agent & AGENT_BOT) {
            out->bots++;
            continue;
        }
        if (kind == PATH_UNKNOWN) {
            out->unknown[in->path_code[path]]++;
            continue;
        }
        int64_t epoch = in->row_epoch[r];
        if (epoch == NO_TIME) {
            if (out->invalid_time < out->invalid_cap)
                out->invalid_rows[out->invalid_time] = r;
            out->invalid_time++;
            continue;
        }
        uint32_t host = in->row_host[r];
        int mirror = (agent & AGENT_MIRROR) || (in->host_mirror && in->host_mirror[host]);
        int64_t day = floor_div(epoch + zone_offset(in, epoch, &hint), SECONDS_PER_DAY);
        int32_t code = in->path_code[path];
        uint64_t key = ((uint64_t)(uint32_t)code << 32) | (uint32_t)(int32_t)day;
        uint64_t slot = table_slot(&facts, key);
        int32_t fact = facts.values[slot];
        if (fact < 0) {
            fact = (int32_t)out->facts++;
            facts.keys[slot] = key;
            facts.values[slot] = fact;
            out->fact_code[fact] = code;
            out->fact_day[fact] = (int32_t)day;
            out->fact_downloads[fact] = 0;
            out->fact_mirror[fact] = 0;
        }
        if (mirror) {
            out->fact_mirror[fact]++;
            continue;
        }
        out->fact_downloads[fact]++;
        int32_t client = client_of_host[host];
        if (client < 0) {
            client = (int32_t)out->clients++;
            client_of_host[host] = client;
            out->client_host[client] = host;
        }
        key = ((uint64_t)(uint32_t)fact << 32) | (uint32_t)client;
        slot = table_slot(&pairs, key);
        if (pairs.values[slot] < 0) {
            pairs.keys[slot] = key;
            pairs.values[slot] = (int32_t)out->pairs;
            out->pair_fact[out->pairs] = (uint32_t)fact;
            out->pair_client[out->pairs] = (uint32_t)client;
            out->pairs++;
        }
        int32_t version = in->path_version[path];
        if (version < 0)
            continue;
        key = ((uint64_t)(uint32_t)fact << 32) | (uint32_t)version;
        slot = table_slot(&versions, key);
        int32_t v = versions.values[slot];
        if (v < 0) {
            v = (int32_t)out->versions++;
            versions.keys[slot] = key;
            versions.values[slot] = v;
            out->version_fact[v] = (uint32_t)fact;
            out->version_code[v] = version;
            out->version_n[v] = 0;
        }
        out->version_n[v]++;
    }
    table_free(&facts);
    table_free(&pairs);
    table_free(&versions);
    free(client_of_host);
    return 0;
}
