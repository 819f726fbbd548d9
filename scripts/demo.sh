#!/bin/sh
# `make demo`. The full ACE flow (AS + RS + client) is not built yet; until
# it is, the demo shows what exists: `obol inspect` reading an access token.
set -eu
build=${1:-build}
obol="$build/obol"

echo "obol demo: the AS + RS + client flow is not implemented yet."
echo "What works today: decoding ACE messages with \`obol inspect\`."
echo
echo "RFC 8392 Appendix A.4: a CWT, MACed with COSE_Mac0 (HMAC 256/64), tagged 61:"
echo "\$ obol inspect --hex <token>"
# RFC 8392 A.4 (MACed CWT), transcribed from the RFC.
printf '%s' 'd83dd18443a10104a1044c53796d6d65747269633235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b7148093101ef6d789200' |
	"$obol" inspect --hex
