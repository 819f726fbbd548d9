/* The demo resources (demo.h). */
#include <string.h>

#include "demo.h"
#include "obol/aif.h"
#include "obol/coap.h"
#include "obol/err.h"

#define CF_TEXT 0        /* text/plain; charset=utf-8 */
#define CF_LINK_FORMAT 40

static int put_text(struct obol_rs_response *resp, const char *s)
{
	size_t n = strlen(s);

	if (n > resp->cap)
		return OBOL_ERR_NO_SPACE;
	memcpy(resp->payload, s, n);
	resp->len = n;
	resp->content_format = CF_TEXT;
	return OBOL_OK;
}

static int temp(void *arg, const struct obol_rs_request *req,
		struct obol_rs_response *resp)
{
	const struct rs_demo *d = arg;
	char buf[16];
	int t = d->temp_decic, neg = t < 0, i = (int)sizeof buf - 1;

	(void)req;
	/* "%d.%d C" without printf: devices have none */
	if (neg)
		t = -t;
	buf[i] = 0;
	buf[--i] = 'C';
	buf[--i] = ' ';
	buf[--i] = (char)('0' + t % 10);
	buf[--i] = '.';
	t /= 10;
	do {
		buf[--i] = (char)('0' + t % 10);
		t /= 10;
	} while (t > 0 && i > 1);
	if (neg)
		buf[--i] = '-';
	return put_text(resp, buf + i);
}

static int led(void *arg, const struct obol_rs_request *req,
	       struct obol_rs_response *resp)
{
	struct rs_demo *d = arg;
	int on;

	if (req->method == OBOL_COAP_GET)
		return put_text(resp, d->led ? "on" : "off");
	/* PUT: "on"/"off" (or "1"/"0"), text/plain or no Content-Format */
	if (req->content_format > 0 ||
	    !((req->payload_len == 2 && memcmp(req->payload, "on", 2) == 0) ||
	      (req->payload_len == 3 && memcmp(req->payload, "off", 3) == 0) ||
	      (req->payload_len == 1 &&
	       (req->payload[0] == '1' || req->payload[0] == '0')))) {
		resp->code = OBOL_COAP_BAD_REQUEST;
		return put_text(resp, "payload: on or off");
	}
	on = req->payload[1] == 'n' || req->payload[0] == '1';
	d->changes += on != d->led;
	d->led = on;
	resp->code = OBOL_COAP_CHANGED;
	resp->len = 0;
	return OBOL_OK;
}

static int core(void *arg, const struct obol_rs_request *req,
		struct obol_rs_response *resp)
{
	/* RFC 6690; rt "ace.ai" marks the authz-info endpoint (RFC 9200
	 * 8.20). if= core.s sensor, core.a actuator (CoRE interfaces). */
	static const char links[] =
		"</temp>;rt=\"temperature-c\";if=\"core.s\","
		"</led>;if=\"core.a\","
		"</authz-info>;rt=\"ace.ai\"";

	(void)arg;
	(void)req;
	if (put_text(resp, links) != OBOL_OK)
		return OBOL_ERR_NO_SPACE;
	resp->content_format = CF_LINK_FORMAT;
	return OBOL_OK;
}

size_t rs_demo_resources(struct rs_demo *d,
			 struct obol_rs_resource table[RS_DEMO_NRESOURCES])
{
	table[0].path = "/temp";
	table[0].methods = OBOL_AIF_GET;
	table[0].flags = OBOL_RS_PROTECTED;
	table[0].handler = temp;
	table[0].arg = d;
	table[1].path = "/led";
	table[1].methods = OBOL_AIF_GET | OBOL_AIF_PUT;
	table[1].flags = OBOL_RS_PROTECTED;
	table[1].handler = led;
	table[1].arg = d;
	table[2].path = "/.well-known/core";
	table[2].methods = OBOL_AIF_GET;
	table[2].flags = 0;
	table[2].handler = core;
	table[2].arg = d;
	return RS_DEMO_NRESOURCES;
}
