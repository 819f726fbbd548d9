/*
 * obol: command-line entry point, git style: `obol <command> [args]`.
 *
 * A subcommand is one row of `commands` below plus its function (declared
 * in cli.h), which gets argv starting at the command name and returns the
 * exit status (enum cli_exit).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{"inspect", cli_inspect, "print CBOR in diagnostic notation or as JSON"},
	{"token", cli_token, "mint, verify and generate keys for CWT access tokens"},
	{"as", cli_as, "the Authorization Server: set up, administer, serve"},
	{"rs", cli_rs, "the resource server: serve the demo resources"},
	{"get", cli_get, "GET a resource as an ACE client (token, OSCORE)"},
	{"put", cli_put, "PUT to a resource as an ACE client"},
	{"post", cli_post, "POST to a resource as an ACE client"},
	{"delete", cli_delete, "DELETE a resource as an ACE client"},
	{"bridge", cli_bridge, "carry CoAP between UDP and a SLIP serial line (a device)"},
	{"bench", cli_bench, "benchmarks that print figures"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: obol <command> [args]\n"
	      "       obol help <command> | --help | --version\n"
	      "\n"
	      "obol implements IETF ACE (RFC 9200) for constrained devices.\n"
	      "\n"
	      "commands:\n", f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Run 'obol <command> --help' for the options of a command, e.g.\n"
	      "  echo 'a201020304' | obol inspect --hex\n", f);
}

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "obol: '%s' is not an obol command (see 'obol --help')\n",
		name);
	return CLI_EXIT_USAGE;
}

/* `obol help [command]`. */
static int help(int argc, char **argv)
{
	const struct cli_command *c;
	char opt[] = "--help";
	char *args[3];

	if (argc < 3) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 3) {
		fputs("obol: usage: obol help [<command>]\n", stderr);
		return CLI_EXIT_USAGE;
	}
	c = find_command(argv[2]);
	if (c == NULL)
		return unknown_command(argv[2]);
	args[0] = argv[2];
	args[1] = opt;
	args[2] = NULL;
	return c->run(2, args);
}

static int dispatch(int argc, char **argv)
{
	const struct cli_command *c;
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0)
		return help(argc, argv);
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		puts("obol " OBOL_CLI_VERSION);
		return CLI_EXIT_OK;
	}
	if (name[0] == '-') {
		fprintf(stderr, "obol: unknown option '%s' (see 'obol --help')\n",
			name);
		return CLI_EXIT_USAGE;
	}
	c = find_command(name);
	if (c == NULL)
		return unknown_command(name);
	return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	int rc = dispatch(argc, argv);

	/* Output that did not reach its destination is a failure. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "obol: cannot write output: %s\n",
			strerror(errno ? errno : EIO));
		return CLI_EXIT_FAIL;
	}
	return rc;
}
