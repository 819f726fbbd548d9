/*
 * AES-128, encryption direction only (FIPS 197), bitsliced so that it runs
 * in constant time: no table lookups at all, no branch and no memory
 * address that depends on the key or the data. CCM (ccm.c) needs only the
 * forward cipher, for both its CBC-MAC and its counter mode.
 *
 * Why bitslicing
 * --------------
 * A table S-box (sbox[x]) loads from an address that depends on secret
 * bytes; on a CPU with a cache, or an MCU with flash wait states or a
 * flash accelerator, its timing leaks the index. Here SubBytes is instead
 * computed as a fixed Boolean circuit (Boyar and Peralta, "A depth-16
 * circuit for the AES S-box", IACR ePrint 2011/332: the multiplicative
 * inverse in GF(2^8) through a tower field, plus the affine map, in 128
 * gates: 34 AND, 94 XOR/XNOR). Each gate is one 32-bit AND or XOR applied
 * to 32 S-box inputs at once: the 16 bytes of two blocks. The other steps are
 * shifts, rotations and XORs by constant amounts. The Cortex-M0 executes
 * AND, EOR, ORR, LSL, LSR and ROR in one cycle whatever the operand values,
 * and its multiplier is not used.
 *
 * Layout ("the two-lane bitsliced state")
 * ---------------------------------------
 * Eight 32-bit words q[0..7]; q[j] holds bit j (j = 0: least significant)
 * of all 32 state bytes. The byte in row r, column c (FIPS 197 section 3.4:
 * s[r,c] = in[r + 4c]) of lane b (block 0 or 1) sits at bit position
 *
 *     8r + 2c + b
 *
 * so each byte of a word is one row of the state, with the four columns of
 * the two lanes interleaved. With this layout:
 *   - ShiftRows rotates each byte of each word by 2r bits;
 *   - MixColumns needs "the same column, next row", which is a rotation of
 *     the whole word by 8 bits;
 *   - loading is cheap: the little-endian word at offset 4c of a block is
 *     exactly column c (rows 0..3 in bytes 0..3), so word 2c + b of the
 *     input, bit-transposed 8x8 within each byte position (ortho()), gives
 *     the layout above.
 *
 * Key schedule on the fly
 * -----------------------
 * No expanded key is kept: each call takes the 16-byte cipher key, brings
 * it into the bitsliced layout (one transposition) and derives round key
 * i + 1 from round key i as it goes (FIPS 197 section 5.2), in the
 * bitsliced domain: SubWord runs through the same S-box circuit on a
 * second set of slices. That costs a second S-box evaluation per round,
 * but saves the 176 bytes of an expanded schedule, which would otherwise
 * sit in the frame of every CCM call on a 16 KiB MCU. ccm.c pairs its
 * CBC-MAC block with its counter block in one call, so both lanes do
 * useful work and the key schedule cost is shared by two blocks.
 *
 * What a compiler could break: nothing here branches or indexes on data,
 * and the only conditionals (the round number, the slice index in
 * mix_columns) are public loop counters. Secret state on the stack (state
 * words, round key, S-box scratch) is wiped with obol_wipe at the end.
 *
 * Stack (arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os, -fstack-usage),
 * bytes: obol_tiny_aes128_encrypt2 128 (next_round_key, shift_rows and
 * mix_columns inlined), sub_bytes 120, ortho 48, add_round_key 20,
 * obol_tiny_aes128_encrypt 8; deepest chain encrypt2 -> sub_bytes = 248.
 */
#include "tiny.h"

#define LANE0 0x55555555u /* bit positions with b = 0 (even) */

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
	p[2] = (uint8_t)(x >> 16);
	p[3] = (uint8_t)(x >> 24);
}

/*
 * Exchange the bits of a selected by mask << n with the bits of b
 * selected by mask ("swap-move"). Three rounds of it over the eight words
 * (distance 1, 2, 4; mask 0x55, 0x33, 0x0f in every byte) transpose, in
 * every byte position p, the 8x8 bit matrix formed by byte p of the eight
 * words: afterwards bit m of byte p of word j is bit j of byte p of the
 * old word m. A transposition is its own inverse: ortho() also converts
 * back. (Macros here and below: a Debug build, -O0, of the differential
 * test would otherwise spend its time in calls.)
 */
#define SWAP_MOVE(a, b, mask, n)                                             \
	do {                                                                 \
		uint32_t t_ = (((a) >> (n)) ^ (b)) & (mask);                 \
		(b) ^= t_;                                                   \
		(a) ^= t_ << (n);                                            \
	} while (0)

static void ortho(uint32_t q[8])
{
	SWAP_MOVE(q[0], q[1], 0x55555555u, 1);
	SWAP_MOVE(q[2], q[3], 0x55555555u, 1);
	SWAP_MOVE(q[4], q[5], 0x55555555u, 1);
	SWAP_MOVE(q[6], q[7], 0x55555555u, 1);

	SWAP_MOVE(q[0], q[2], 0x33333333u, 2);
	SWAP_MOVE(q[1], q[3], 0x33333333u, 2);
	SWAP_MOVE(q[4], q[6], 0x33333333u, 2);
	SWAP_MOVE(q[5], q[7], 0x33333333u, 2);

	SWAP_MOVE(q[0], q[4], 0x0F0F0F0Fu, 4);
	SWAP_MOVE(q[1], q[5], 0x0F0F0F0Fu, 4);
	SWAP_MOVE(q[2], q[6], 0x0F0F0F0Fu, 4);
	SWAP_MOVE(q[3], q[7], 0x0F0F0F0Fu, 4);
}

/*
 * SubBytes (FIPS 197 section 5.1.1) on all 32 bytes at once: the
 * Boyar-Peralta depth-16 circuit, transcribed gate by gate with the
 * paper's names. The paper numbers the input bits from the most
 * significant: U0 = bit 7 = q[7], ..., U7 = bit 0 = q[0]; likewise the
 * output S0 = bit 7, ..., S7 = bit 0. Gates: top linear layer T1..T27 (XOR),
 * shared nonlinear middle M1..M63 (AND and XOR), bottom linear layer
 * L0..L29 and the outputs (XOR, XNOR = the "+ 0x63" of the affine map).
 * Every gate runs on every input: no data-dependent operation exists.
 */
static void sub_bytes(uint32_t q[8])
{
	uint32_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4];
	uint32_t u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];
	uint32_t t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14;
	uint32_t t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27;
	uint32_t m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14;
	uint32_t m15, m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26, m27;
	uint32_t m28, m29, m30, m31, m32, m33, m34, m35, m36, m37, m38, m39, m40;
	uint32_t m41, m42, m43, m44, m45, m46, m47, m48, m49, m50, m51, m52, m53;
	uint32_t m54, m55, m56, m57, m58, m59, m60, m61, m62, m63;
	uint32_t l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13, l14;
	uint32_t l15, l16, l17, l18, l19, l20, l21, l22, l23, l24, l25, l26, l27;
	uint32_t l28, l29;

	/* Top linear layer. */
	t1 = u0 ^ u3;
	t2 = u0 ^ u5;
	t3 = u0 ^ u6;
	t4 = u3 ^ u5;
	t5 = u4 ^ u6;
	t6 = t1 ^ t5;
	t7 = u1 ^ u2;
	t8 = u7 ^ t6;
	t9 = u7 ^ t7;
	t10 = t6 ^ t7;
	t11 = u1 ^ u5;
	t12 = u2 ^ u5;
	t13 = t3 ^ t4;
	t14 = t6 ^ t11;
	t15 = t5 ^ t11;
	t16 = t5 ^ t12;
	t17 = t9 ^ t16;
	t18 = u3 ^ u7;
	t19 = t7 ^ t18;
	t20 = t1 ^ t19;
	t21 = u6 ^ u7;
	t22 = t7 ^ t21;
	t23 = t2 ^ t22;
	t24 = t2 ^ t10;
	t25 = t20 ^ t17;
	t26 = t3 ^ t16;
	t27 = t1 ^ t12;

	/* Nonlinear middle: inversion in GF(2^8) via GF((2^4)^2). */
	m1 = t13 & t6;
	m2 = t23 & t8;
	m3 = t14 ^ m1;
	m4 = t19 & u7;
	m5 = m4 ^ m1;
	m6 = t3 & t16;
	m7 = t22 & t9;
	m8 = t26 ^ m6;
	m9 = t20 & t17;
	m10 = m9 ^ m6;
	m11 = t1 & t15;
	m12 = t4 & t27;
	m13 = m12 ^ m11;
	m14 = t2 & t10;
	m15 = m14 ^ m11;
	m16 = m3 ^ m2;
	m17 = m5 ^ t24;
	m18 = m8 ^ m7;
	m19 = m10 ^ m15;
	m20 = m16 ^ m13;
	m21 = m17 ^ m15;
	m22 = m18 ^ m13;
	m23 = m19 ^ t25;
	m24 = m22 ^ m23;
	m25 = m22 & m20;
	m26 = m21 ^ m25;
	m27 = m20 ^ m21;
	m28 = m23 ^ m25;
	m29 = m28 & m27;
	m30 = m26 & m24;
	m31 = m20 & m23;
	m32 = m27 & m31;
	m33 = m27 ^ m25;
	m34 = m21 & m22;
	m35 = m24 & m34;
	m36 = m24 ^ m25;
	m37 = m21 ^ m29;
	m38 = m32 ^ m33;
	m39 = m23 ^ m30;
	m40 = m35 ^ m36;
	m41 = m38 ^ m40;
	m42 = m37 ^ m39;
	m43 = m37 ^ m38;
	m44 = m39 ^ m40;
	m45 = m42 ^ m41;
	m46 = m44 & t6;
	m47 = m40 & t8;
	m48 = m39 & u7;
	m49 = m43 & t16;
	m50 = m38 & t9;
	m51 = m37 & t17;
	m52 = m42 & t15;
	m53 = m45 & t27;
	m54 = m41 & t10;
	m55 = m44 & t13;
	m56 = m40 & t23;
	m57 = m39 & t19;
	m58 = m43 & t3;
	m59 = m38 & t22;
	m60 = m37 & t20;
	m61 = m42 & t1;
	m62 = m45 & t4;
	m63 = m41 & t2;

	/* Bottom linear layer, with the affine map of FIPS 197 (5.1). */
	l0 = m61 ^ m62;
	l1 = m50 ^ m56;
	l2 = m46 ^ m48;
	l3 = m47 ^ m55;
	l4 = m54 ^ m58;
	l5 = m49 ^ m61;
	l6 = m62 ^ l5;
	l7 = m46 ^ l3;
	l8 = m51 ^ m59;
	l9 = m52 ^ m53;
	l10 = m53 ^ l4;
	l11 = m60 ^ l2;
	l12 = m48 ^ m51;
	l13 = m50 ^ l0;
	l14 = m52 ^ m61;
	l15 = m55 ^ l1;
	l16 = m56 ^ l0;
	l17 = m57 ^ l1;
	l18 = m58 ^ l8;
	l19 = m63 ^ l4;
	l20 = l0 ^ l1;
	l21 = l1 ^ l7;
	l22 = l3 ^ l12;
	l23 = l18 ^ l2;
	l24 = l15 ^ l9;
	l25 = l6 ^ l10;
	l26 = l7 ^ l9;
	l27 = l8 ^ l10;
	l28 = l11 ^ l14;
	l29 = l11 ^ l17;

	q[7] = l6 ^ l24;     /* S0 */
	q[6] = ~(l16 ^ l26); /* S1 */
	q[5] = ~(l19 ^ l28); /* S2 */
	q[4] = l6 ^ l21;     /* S3 */
	q[3] = l20 ^ l22;    /* S4 */
	q[2] = l25 ^ l29;    /* S5 */
	q[1] = ~(l13 ^ l27); /* S6 */
	q[0] = ~(l6 ^ l23);  /* S7 */
}

/*
 * ShiftRows (FIPS 197 section 5.1.2): s'[r,c] = s[r,(c + r) mod 4]. Row r
 * is byte r of every word, column c at bits 2c, 2c+1 of that byte, so row
 * r rotates right by 2r bits within its byte. Constant masks and shifts.
 */
static void shift_rows(uint32_t q[8])
{
	int i;

	for (i = 0; i < 8; i++) {
		uint32_t x = q[i];
		q[i] = (x & 0x000000FFu) |
		       ((x & 0x0000FC00u) >> 2) | ((x & 0x00000300u) << 6) |
		       ((x & 0x00F00000u) >> 4) | ((x & 0x000F0000u) << 4) |
		       ((x & 0xC0000000u) >> 6) | ((x & 0x3F000000u) << 2);
	}
}

#define ROTR8(x) (((x) >> 8) | ((x) << 24))
#define ROTR16(x) (((x) >> 16) | ((x) << 16))

/*
 * MixColumns (FIPS 197 section 5.1.3). With s1, s2, s3 the bytes one, two
 * and three rows further down the same column,
 *     s' = {02}s + {03}s1 + s2 + s3 = {02}(s + s1) + s1 + rot16(s + s1)
 * where rot16 (two rows down) of s + s1 is s2 + s3, and "one row down" is
 * rotr8 of the word. Multiplication by {02} (xtime, FIPS 197 section
 * 4.2.1) of t = s + s1 on bit slices: slice j of {02}t is slice j - 1 of t
 * (none for j = 0), XOR slice 7 of t where x^8 reduces to
 * x^4 + x^3 + x + 1, i.e. for the j whose bit is set in 0x1B. The loop
 * runs over slices (a public index) keeping t_(j-1) and t_7 only.
 */
static void mix_columns(uint32_t q[8])
{
	uint32_t t7 = q[7] ^ ROTR8(q[7]);
	uint32_t prev = 0; /* t_(j-1) */
	int j;

	for (j = 0; j < 8; j++) {
		uint32_t r = ROTR8(q[j]);
		uint32_t t = q[j] ^ r;
		uint32_t red = 0u - ((0x1Bu >> j) & 1u); /* all ones or zero */

		q[j] = prev ^ (t7 & red) ^ r ^ ROTR16(t);
		prev = t;
	}
}

/*
 * AddRoundKey (FIPS 197 section 5.1.4). A stored round key keeps lane 0
 * only: word k holds slice 2k in the even bits and slice 2k+1 shifted into
 * the odd bits. Duplicating a lane-0 bit into lane 1 is x | x << 1.
 */
static void add_round_key(uint32_t q[8], const uint32_t rk[4])
{
	int k;

	for (k = 0; k < 4; k++) {
		uint32_t x0 = rk[k] & LANE0;
		uint32_t x1 = (rk[k] >> 1) & LANE0;
		q[2 * k] ^= x0 | (x0 << 1);
		q[2 * k + 1] ^= x1 | (x1 << 1);
	}
}

/*
 * Round key i + 1 from round key i, in place, in the compressed layout
 * (KeyExpansion, FIPS 197 section 5.2, Nk = 4):
 *     t   = SubWord(RotWord(w3)) XOR Rcon
 *     w0' = w0 XOR t, w1' = w1 XOR w0', w2' = w2 XOR w1', w3' = w3 XOR w2'.
 * In the layout, column c of row r is at bit 8r + 2c (slice 2k) and
 * 8r + 2c + 1 (slice 2k + 1) of word k, so:
 *   - RotWord (row r takes row r + 1) is rotr8 of each word;
 *   - SubWord is the S-box circuit on the expanded slices (it runs on all
 *     positions; only column 3 is kept);
 *   - moving column 3 to column 0 is a shift right by 6;
 *   - "w_c XOR= w_(c-1)'" is a shift left by 2 of the masked column c - 1,
 *     done column by column because each uses the updated previous one.
 * Rcon (public) XORs bit j of rcon into row 0, column 0 of slice j.
 * s is scratch for the S-box slices; the caller wipes it once at the end.
 */
static void next_round_key(uint32_t rk[4], uint32_t rcon, uint32_t s[8])
{
	int k;

	for (k = 0; k < 4; k++) {
		uint32_t x = ROTR8(rk[k]);
		s[2 * k] = x & LANE0;
		s[2 * k + 1] = (x >> 1) & LANE0;
	}
	sub_bytes(s);
	for (k = 0; k < 4; k++) {
		uint32_t t0 = ((s[2 * k] >> 6) & 0x01010101u) ^ ((rcon >> (2 * k)) & 1u);
		uint32_t t1 = ((s[2 * k + 1] >> 6) & 0x01010101u) ^ ((rcon >> (2 * k + 1)) & 1u);
		uint32_t x = rk[k] ^ t0 ^ (t1 << 1); /* w0' */
		x ^= (x & 0x03030303u) << 2;         /* w1' = w1 ^ w0' */
		x ^= (x & 0x0C0C0C0Cu) << 2;         /* w2' = w2 ^ w1' */
		x ^= (x & 0x30303030u) << 2;         /* w3' = w3 ^ w2' */
		rk[k] = x;
	}
}

/*
 * KeyExpansion (FIPS 197 section 5.2) once, into the compressed layout of
 * add_round_key: 11 round keys of 4 words (176 bytes). A caller that runs
 * several blocks under one key (CCM: 4 to 10 calls of encrypt2 per
 * message) expands once and saves the key schedule's S-box evaluations
 * on every block: half of the S-box work of a round otherwise.
 */
void obol_tiny_aes128_expand(struct obol_tiny_aes128_key *ks,
			     const uint8_t key[16])
{
	uint32_t q[8];
	uint32_t s[8];     /* next_round_key's scratch */
	uint32_t rcon = 1; /* Rcon[1] = {01}; then xtime, FIPS 197 4.2.1 */
	int c, round;

	/* Round key 0 is the cipher key: its columns in lane 0, lane 1 at
	 * zero, transposed, slices 2k and 2k + 1 merged into word k. */
	for (c = 0; c < 4; c++) {
		q[2 * c] = load_le32(key + 4 * c);
		q[2 * c + 1] = 0;
	}
	ortho(q);
	for (c = 0; c < 4; c++)
		ks->rk[0][c] = (q[2 * c] & LANE0) | ((q[2 * c + 1] & LANE0) << 1);
	for (round = 1; round <= 10; round++) {
		for (c = 0; c < 4; c++)
			ks->rk[round][c] = ks->rk[round - 1][c];
		next_round_key(ks->rk[round], rcon, s);
		rcon = ((rcon << 1) ^ (0x1Bu & (0u - (rcon >> 7)))) & 0xFFu;
	}
	obol_wipe(q, sizeof q);
	obol_wipe(s, sizeof s);
}

/* Cipher (FIPS 197 section 5.1, Figure 5) on two lanes. Both lanes are
 * loaded before either is stored, so a may equal b. */
void obol_tiny_aes128_encrypt2_ks(const struct obol_tiny_aes128_key *ks,
				  uint8_t a[16], uint8_t b[16])
{
	uint32_t q[8];
	int c, round;

	for (c = 0; c < 4; c++) {
		q[2 * c] = load_le32(a + 4 * c);
		q[2 * c + 1] = load_le32(b + 4 * c);
	}
	ortho(q);
	add_round_key(q, ks->rk[0]);
	for (round = 1; round <= 10; round++) {
		sub_bytes(q);
		shift_rows(q);
		if (round < 10) /* the round number is public */
			mix_columns(q);
		add_round_key(q, ks->rk[round]);
	}
	ortho(q);
	for (c = 0; c < 4; c++) {
		store_le32(a + 4 * c, q[2 * c]);
		store_le32(b + 4 * c, q[2 * c + 1]);
	}
	obol_wipe(q, sizeof q);
}

/* Cipher on two lanes with the round keys derived as it goes (no
 * expanded key kept): for a single call under a key. */
void obol_tiny_aes128_encrypt2(const uint8_t key[16], uint8_t a[16],
			       uint8_t b[16])
{
	uint32_t q[8];
	uint32_t rk[4];    /* round key i, compressed (see add_round_key) */
	uint32_t s[8];     /* next_round_key's scratch */
	uint32_t rcon = 1; /* Rcon[1] = {01}; then xtime, FIPS 197 4.2.1 */
	int c, round;

	for (c = 0; c < 4; c++) {
		q[2 * c] = load_le32(key + 4 * c);
		q[2 * c + 1] = 0;
	}
	ortho(q);
	for (c = 0; c < 4; c++)
		rk[c] = (q[2 * c] & LANE0) | ((q[2 * c + 1] & LANE0) << 1);

	for (c = 0; c < 4; c++) {
		q[2 * c] = load_le32(a + 4 * c);
		q[2 * c + 1] = load_le32(b + 4 * c);
	}
	ortho(q);
	add_round_key(q, rk);
	for (round = 1; round <= 10; round++) {
		next_round_key(rk, rcon, s);
		rcon = ((rcon << 1) ^ (0x1Bu & (0u - (rcon >> 7)))) & 0xFFu;
		sub_bytes(q);
		shift_rows(q);
		if (round < 10) /* the round number is public */
			mix_columns(q);
		add_round_key(q, rk);
	}
	ortho(q);
	for (c = 0; c < 4; c++) {
		store_le32(a + 4 * c, q[2 * c]);
		store_le32(b + 4 * c, q[2 * c + 1]);
	}
	obol_wipe(q, sizeof q);
	obol_wipe(rk, sizeof rk);
	obol_wipe(s, sizeof s);
}

void obol_tiny_aes128_encrypt(const uint8_t key[16], const uint8_t in[16],
			      uint8_t out[16])
{
	int i;

	for (i = 0; i < 16; i++)
		out[i] = in[i];
	obol_tiny_aes128_encrypt2(key, out, out);
}
