/*
 * What the device is provisioned with, in its own flash page (the last,
 * 0x3FC00, section .provision in nrf51822.ld): the token key it shares
 * with the AS, its audience, and optionally the AS URI for the Request
 * Creation Hints. Never in the source: `make firmware RS_KEY=hex
 * RS_AUD=name [RS_AS=uri]` generates the page's content in the build
 * directory (provision.sh), so one source tree serves every device.
 */
#ifndef FW_PROVISION_H
#define FW_PROVISION_H

#include <stdint.h>

#define FW_PROVISION_MAGIC 0x314C424Fu /* "OBL1" little-endian */
#define FW_AUD_MAX 32
#define FW_AS_URI_MAX 64

struct fw_provision {
	uint32_t magic;
	uint8_t key[16];                /* AES-CCM-16-64-128 token key */
	char audience[FW_AUD_MAX + 1];  /* NUL-terminated, not empty */
	char as_uri[FW_AS_URI_MAX + 1]; /* "" : no AS hint */
};

extern const struct fw_provision fw_provision;

#endif
