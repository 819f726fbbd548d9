/*
 * obol compile-time configuration: every setting has a default here and can
 * be overridden with -D on the compiler command line. Nothing else in the
 * tree configures the core.
 */
#ifndef OBOL_CONFIG_H
#define OBOL_CONFIG_H

/*
 * Deepest CBOR nesting the decoder accepts (arrays, maps and tags count
 * one level each; the top-level item is level 0). It bounds the stack of
 * the validator and of obol_cbor_skip(): 2 * sizeof(size_t) bytes per
 * level. ACE messages nest at most 5 deep (a COSE_Key inside cnf inside a
 * CWT claims set inside a token response), so 16 leaves ample room.
 */
#ifndef OBOL_CBOR_MAX_DEPTH
#define OBOL_CBOR_MAX_DEPTH 16
#endif

#if OBOL_CBOR_MAX_DEPTH < 1 || OBOL_CBOR_MAX_DEPTH > 255
#error "OBOL_CBOR_MAX_DEPTH must be in 1..255"
#endif

/*
 * Most pairs a map may have in strict mode. The duplicate-key check needs
 * no memory but is quadratic in the pairs of a map; this cap bounds its
 * time on hostile input (a 64 KiB message of one huge map would otherwise
 * cost seconds). ACE maps have at most a few dozen pairs.
 */
#ifndef OBOL_CBOR_MAX_MAP_PAIRS
#define OBOL_CBOR_MAX_MAP_PAIRS 256
#endif

/*
 * Resource server engine (rs.h). Every figure is a fixed array inside
 * struct obol_rs: the engine never grows, whatever arrives.
 *
 * OBOL_RS_SLOTS: tokens with their OSCORE contexts kept at once (RFC 9200
 * 5.10.1 wants at least one). Each slot costs about
 * OBOL_OSCORE_CTX_SIZE_MAX + OBOL_RS_MAX_SCOPE + OBOL_RS_MAX_OSC_ID + 40
 * bytes of RAM.
 * OBOL_RS_MAX_SCOPE: the longest AIF scope a slot stores (encoded bytes;
 * [["/temp", 1], ["/led", 5]] is 19). A longer scope is refused (4.00).
 * OBOL_RS_MAX_OSC_ID: the longest OSCORE Input Material id (RFC 9203
 * 3.2.1 "id") a slot stores; longer ones are refused (4.00).
 * OBOL_RS_MAX_PATH: the longest request path ("/a/b", Uri-Path options
 * joined); longer requests get 4.04.
 * OBOL_RS_MAX_NONCE: the longest nonce1 accepted (RFC 9203 recommends 8
 * random bytes) and the longest input salt; they bound the Master Salt
 * built on the stack.
 * OBOL_RS_EXI_EVICTED: exi tokens whose slot was evicted before they
 * expired, remembered with their deadline (16 bytes each), so that posting
 * one again does not restart its lifetime (RFC 9200 5.10.3, rs.h).
 */
#ifndef OBOL_RS_SLOTS
#define OBOL_RS_SLOTS 4
#endif
#ifndef OBOL_RS_MAX_SCOPE
#define OBOL_RS_MAX_SCOPE 48
#endif
#ifndef OBOL_RS_MAX_OSC_ID
#define OBOL_RS_MAX_OSC_ID 8
#endif
#ifndef OBOL_RS_MAX_PATH
#define OBOL_RS_MAX_PATH 48
#endif
#ifndef OBOL_RS_MAX_NONCE
#define OBOL_RS_MAX_NONCE 32
#endif
#ifndef OBOL_RS_EXI_EVICTED
#define OBOL_RS_EXI_EVICTED 4
#endif

#if OBOL_RS_SLOTS < 1 || OBOL_RS_SLOTS > 64
#error "OBOL_RS_SLOTS must be in 1..64"
#endif
#if OBOL_RS_MAX_SCOPE < 8 || OBOL_RS_MAX_SCOPE > 255
#error "OBOL_RS_MAX_SCOPE must be in 8..255"
#endif
#if OBOL_RS_MAX_OSC_ID < 1 || OBOL_RS_MAX_OSC_ID > 255
#error "OBOL_RS_MAX_OSC_ID must be in 1..255"
#endif
#if OBOL_RS_MAX_PATH < 2 || OBOL_RS_MAX_PATH > 1024
#error "OBOL_RS_MAX_PATH must be in 2..1024"
#endif
#if OBOL_RS_MAX_NONCE < 8 || OBOL_RS_MAX_NONCE > 64
#error "OBOL_RS_MAX_NONCE must be in 8..64"
#endif
#if OBOL_RS_EXI_EVICTED < 1 || OBOL_RS_EXI_EVICTED > 255
#error "OBOL_RS_EXI_EVICTED must be in 1..255"
#endif

#endif /* OBOL_CONFIG_H */
