/*
 * Many sets of client ids serialised as roaring bitmaps in one call, byte for byte what
 * pyroaring's BitMap(ids).serialize() writes (its constructor run-optimises): the
 * portable format of the roaring specification, with CRoaring's choice of container
 * (array up to 4096 values, else bitset; a run container when it is strictly smaller).
 * tests/logparse/test_native_bitmaps.py compares the two on many sets.
 */
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the roaring format is little-endian; this writer assumes a little-endian machine"
#endif

enum { ARRAY, BITSET, RUN };

typedef struct {
    int64_t first, end; /* [first, end) in the id array */
    uint16_t key;
    int32_t card, runs;
    int kind;
} container;

static void put16(uint8_t **p, uint16_t v) {
    memcpy(*p, &v, 2);
    *p += 2;
}

static void put32(uint8_t **p, uint32_t v) {
    memcpy(*p, &v, 4);
    *p += 4;
}

static int32_t data_size(const container *c) {
    if (c->kind == ARRAY) return 2 * c->card;
    if (c->kind == BITSET) return 8192;
    return 2 + 4 * c->runs;
}

/* One set: ids[0..n) sorted and distinct. Returns the bytes written at out. */
static int64_t write_bitmap(const uint32_t *ids, int64_t n, uint8_t *out, container *cs) {
    int32_t count = 0;
    int has_runs = 0;
    for (int64_t i = 0; i < n;) {
        container *c = &cs[count++];
        c->key = (uint16_t)(ids[i] >> 16);
        c->first = i;
        c->runs = 1;
        int64_t j = i + 1;
        while (j < n && (uint16_t)(ids[j] >> 16) == c->key) {
            if (ids[j] != ids[j - 1] + 1) c->runs++;
            j++;
        }
        c->end = j;
        c->card = (int32_t)(j - i);
        int32_t as_run = 2 + 4 * c->runs;
        if (c->card <= 4096) {
            c->kind = as_run < 2 * c->card ? RUN : ARRAY;
        } else {
            c->kind = as_run < 8192 ? RUN : BITSET;
        }
        has_runs |= c->kind == RUN;
        i = j;
    }
    uint8_t *p = out;
    if (has_runs) {
        put32(&p, 12347u | ((uint32_t)(count - 1) << 16));
        int32_t flag_bytes = (count + 7) / 8;
        memset(p, 0, (size_t)flag_bytes);
        for (int32_t k = 0; k < count; k++)
            if (cs[k].kind == RUN) p[k / 8] |= (uint8_t)(1u << (k % 8));
        p += flag_bytes;
    } else {
        put32(&p, 12346u);
        put32(&p, (uint32_t)count);
    }
    for (int32_t k = 0; k < count; k++) {
        put16(&p, cs[k].key);
        put16(&p, (uint16_t)(cs[k].card - 1));
    }
    if (!has_runs || count >= 4) {
        uint32_t offset = (uint32_t)(p - out) + 4u * (uint32_t)count;
        for (int32_t k = 0; k < count; k++) {
            put32(&p, offset);
            offset += (uint32_t)data_size(&cs[k]);
        }
    }
    for (int32_t k = 0; k < count; k++) {
        const container *c = &cs[k];
        if (c->kind == ARRAY) {
            for (int64_t i = c->first; i < c->end; i++) put16(&p, (uint16_t)ids[i]);
        } else if (c->kind == BITSET) {
            uint64_t words[1024];
            memset(words, 0, sizeof words);
            for (int64_t i = c->first; i < c->end; i++) {
                uint16_t low = (uint16_t)ids[i];
                words[low >> 6] |= 1ULL << (low & 63);
            }
            memcpy(p, words, sizeof words);
            p += sizeof words;
        } else {
            put16(&p, (uint16_t)c->runs);
            int64_t i = c->first;
            while (i < c->end) {
                int64_t j = i + 1;
                while (j < c->end && ids[j] == ids[j - 1] + 1) j++;
                put16(&p, (uint16_t)ids[i]);
                put16(&p, (uint16_t)(j - i - 1));
                i = j;
            }
        }
    }
    return p - out;
}

/*
 * Set k is ids[starts[k] .. starts[k + 1]), sorted and distinct. Bitmaps are written one
 * after the other into out; ends[k] is where set k's bitmap ends. out must have room
 * for 9 * sets + 11 * starts[sets] bytes, containers for the most containers of a set
 * (at most its size, at most 65536). Returns the bytes written.
 */
int64_t encode_bitmaps(const uint32_t *ids, const int64_t *starts, int64_t sets, uint8_t *out,
                       int64_t *ends, void *containers) {
    container *cs = containers;
    int64_t written = 0;
    for (int64_t k = 0; k < sets; k++) {
        written += write_bitmap(ids + starts[k], starts[k + 1] - starts[k], out + written, cs);
        ends[k] = written;
    }
    return written;
}

/* The size of one container record, for the caller's scratch space. */
int64_t bitmap_container_bytes(void) { return (int64_t)sizeof(container); }
