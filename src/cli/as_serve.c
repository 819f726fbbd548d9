/*
 * `obol as serve`: the Authorization Server daemon's command line.
 * (Being written; the daemon itself is src/as/server.c.)
 */
#include <stdio.h>

#include "cli.h"

int cli_as_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("obol as serve: not implemented yet\n", stderr);
	return CLI_EXIT_FAIL;
}
