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

#endif /* OBOL_CONFIG_H */
