/*
 * A map from byte strings to int64 values that outlives one call: the keys are copied
 * into the map's own storage. Python hands keys over as one byte string with the end
 * offset of each key (cumulative), so a batch of lookups or insertions is one call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash_bytes.h"

typedef struct {
    uint32_t *slots; /* entry + 1, 0 when empty; at most half full */
    uint64_t mask;
    uint64_t *hash; /* per entry */
    int64_t *value;
    int64_t *key_at; /* where the key starts in text */
    uint32_t *key_len;
    int64_t count, room;
    uint8_t *text;
    int64_t text_len, text_room;
} string_map;

string_map *string_map_new(void) { return calloc(1, sizeof(string_map)); }

void string_map_free(string_map *m) {
    if (!m) return;
    free(m->slots);
    free(m->hash);
    free(m->value);
    free(m->key_at);
    free(m->key_len);
    free(m->text);
    free(m);
}

int64_t string_map_len(const string_map *m) { return m->count; }

/* The slot of the key, or of the empty slot where it would go. */
static uint64_t find(const string_map *m, const uint8_t *key, size_t n, uint64_t h) {
    uint64_t i = h & m->mask;
    for (;;) {
        uint32_t slot = m->slots[i];
        if (slot == 0) return i;
        int64_t e = slot - 1;
        if (m->hash[e] == h && m->key_len[e] == n && memcmp(m->text + m->key_at[e], key, n) == 0)
            return i;
        i = (i + 1) & m->mask;
    }
}

/* values[i]: the value of key i, -1 when absent. */
void string_map_get(const string_map *m, const uint8_t *keys, const int64_t *ends, int64_t n,
                    int64_t *values) {
    int64_t start = 0;
    for (int64_t k = 0; k < n; k++) {
        size_t len = (size_t)(ends[k] - start);
        if (m->count == 0) {
            values[k] = -1;
        } else {
            uint32_t slot = m->slots[find(m, keys + start, len, hash_bytes(keys + start, len))];
            values[k] = slot ? m->value[slot - 1] : -1;
        }
        start = ends[k];
    }
}

static int grow(string_map *m, int64_t more_entries, int64_t more_text) {
    /* text is allocated on the first put even when its keys are all empty: memcpy and
     * memcmp are given no null pointer, not even for 0 bytes */
    if (!m->text || m->text_len + more_text > m->text_room) {
        int64_t room = m->text_room ? m->text_room : 1 << 16;
        while (room < m->text_len + more_text) room *= 2;
        uint8_t *text = realloc(m->text, (size_t)room);
        if (!text) return 0;
        m->text = text;
        m->text_room = room;
    }
    if (m->count + more_entries > m->room) {
        int64_t room = m->room ? m->room : 1024;
        while (room < m->count + more_entries) room *= 2;
        uint64_t *hash = realloc(m->hash, sizeof *hash * (size_t)room);
        if (hash) m->hash = hash;
        int64_t *value = realloc(m->value, sizeof *value * (size_t)room);
        if (value) m->value = value;
        int64_t *key_at = realloc(m->key_at, sizeof *key_at * (size_t)room);
        if (key_at) m->key_at = key_at;
        uint32_t *key_len = realloc(m->key_len, sizeof *key_len * (size_t)room);
        if (key_len) m->key_len = key_len;
        if (!hash || !value || !key_at || !key_len) return 0;
        m->room = room;
    }
    uint64_t size = m->slots ? m->mask + 1 : 2048;
    while ((uint64_t)(m->count + more_entries) * 2 > size) size *= 2;
    if (!m->slots || size != m->mask + 1) {
        uint32_t *slots = calloc(size, sizeof *slots);
        if (!slots) return 0;
        for (int64_t e = 0; e < m->count; e++) {
            uint64_t i = m->hash[e] & (size - 1);
            while (slots[i]) i = (i + 1) & (size - 1);
            slots[i] = (uint32_t)(e + 1);
        }
        free(m->slots);
        m->slots = slots;
        m->mask = size - 1;
    }
    return 1;
}

/* Set key i to values[i] (added, or replaced); 0 when done, -1 when memory ran out (the
 * map then holds the keys before the one that failed). */
int64_t string_map_put(string_map *m, const uint8_t *keys, const int64_t *ends, int64_t n,
                       const int64_t *values) {
    if (n > 0 && !grow(m, n, ends[n - 1])) return -1;
    int64_t start = 0;
    for (int64_t k = 0; k < n; k++) {
        size_t len = (size_t)(ends[k] - start);
        const uint8_t *key = keys + start;
        uint64_t h = hash_bytes(key, len), i = find(m, key, len, h);
        if (m->slots[i]) {
            m->value[m->slots[i] - 1] = values[k];
        } else {
            int64_t e = m->count++;
            memcpy(m->text + m->text_len, key, len);
            m->key_at[e] = m->text_len;
            m->key_len[e] = (uint32_t)len;
            m->text_len += (int64_t)len;
            m->hash[e] = h;
            m->value[e] = values[k];
            m->slots[i] = (uint32_t)(e + 1);
        }
        start = ends[k];
    }
    return 0;
}
