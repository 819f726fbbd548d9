/*
 * The demo resources of obol's resource server: the same table on Linux
 * (`obol rs serve`) and on a device. Portable C99, no I/O: handlers of
 * include/obol/rs.h that read and write a struct rs_demo.
 *
 *   /temp               GET, protected   "21.5 C" (text/plain)
 *   /led                GET, PUT, protected   "on" / "off"
 *   /.well-known/core   GET, unprotected   RFC 6690 link format
 */
#ifndef OBOL_RS_DEMO_H
#define OBOL_RS_DEMO_H

#include <stddef.h>

#include "obol/rs.h"

#define RS_DEMO_NRESOURCES 3

struct rs_demo {
	int led;          /* 0 off, 1 on */
	int temp_decic;   /* the reading, in tenths of a degree Celsius */
	unsigned changes; /* PUTs that changed the LED */
};

/*
 * Fill table[RS_DEMO_NRESOURCES] with the demo resources bound to d
 * (which must outlive the engine). Returns RS_DEMO_NRESOURCES.
 */
size_t rs_demo_resources(struct rs_demo *d,
			 struct obol_rs_resource table[RS_DEMO_NRESOURCES]);

#endif
