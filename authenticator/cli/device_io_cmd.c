#include "authenticator/cli/device_io_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/device_io.h"

static const char export_usage[] =
        "usage: kagura-authn device export [--format cdp|playwright] [--rp-id ID] FILE\n";
static const char import_usage[] = "usage: kagura-authn device import [--format cdp|playwright] "
                                   "--from JSON_FILE|- [--replace] FILE\n";

static int usage(const authn_env *env, const char *text, const char *what, const char *arg)
{
	fprintf(env->err, "kagura-authn: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "", text);
	return 2;
}

/* "kagura-authn: SUBJECT: [WHERE: ]MESSAGE[: DETAIL]"; exit code 2. */
static int report(const authn_env *env, const char *subject, au_io_err err, const au_io_report *rep)
{
	fprintf(env->err, "kagura-authn: %s: %s%s%s%s%s\n", subject, rep->where,
	        rep->where[0] ? ": " : "", au_io_strerr(err), rep->detail[0] ? ": " : "",
	        rep->detail);
	return 2;
}

int authn_device_export(int argc, char **argv, const authn_env *env)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
	                                     {"rp-id", required_argument, NULL, 'r'},
	                                     {NULL, 0, NULL, 0}};
	au_io_format fmt = AU_IO_CDP;
	const char *rp_id = NULL;
	au_io_report rep;
	au_device dev;
	json_t *doc;
	au_io_err err;
	au_err e;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!au_io_format_parse(optarg, &fmt))
				return usage(env, export_usage, "device export: unknown --format",
				             optarg);
			break;
		case 'r':
			rp_id = optarg;
			break;
		default:
			return usage(env, export_usage, "device export: bad option",
			             argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage(env, export_usage, "device export needs one FILE", NULL);
	if ((e = au_device_load(&dev, argv[optind])) != AU_OK) {
		fprintf(env->err, "kagura-authn: device file %s: %s\n", argv[optind], au_strerr(e));
		return 2;
	}
	err = au_io_export(&dev, fmt, rp_id, &doc, &rep);
	au_device_free(&dev);
	if (err != AU_IO_OK)
		return report(env, argv[optind], err, &rep);
	json_dumpf(doc, env->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', env->out);
	json_decref(doc);
	return 0;
}

/* The whole input of --from (a file, or stdin for "-"); 0 or exit code 2 with the reason. */
static int read_input(const authn_env *env, const char *from, char **text, size_t *len)
{
	FILE *f = strcmp(from, "-") == 0 ? stdin : fopen(from, "rb");
	au_io_err err;

	if (f == NULL) {
		fprintf(env->err, "kagura-authn: --from %s: %s\n", from, strerror(errno));
		return 2;
	}
	err = au_io_read(f, text, len);
	if (f != stdin)
		fclose(f);
	if (err != AU_IO_OK) {
		fprintf(env->err, "kagura-authn: --from %s: %s\n", from, au_io_strerr(err));
		return 2;
	}
	return 0;
}

int authn_device_import(int argc, char **argv, const authn_env *env)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
	                                     {"from", required_argument, NULL, 'i'},
	                                     {"replace", no_argument, NULL, 'R'},
	                                     {NULL, 0, NULL, 0}};
	au_io_import_opts o = {.format = AU_IO_CDP, .now = wa_clock_now(env->clock)};
	const char *from = NULL;
	au_io_import_result res;
	au_io_report rep;
	char *text = NULL, subject[4200];
	size_t len;
	au_io_err err;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!au_io_format_parse(optarg, &o.format))
				return usage(env, import_usage, "device import: unknown --format",
				             optarg);
			break;
		case 'i':
			from = optarg;
			break;
		case 'R':
			o.replace = true;
			break;
		default:
			return usage(env, import_usage, "device import: bad option",
			             argv[optind - 1]);
		}
	}
	if (from == NULL || optind != argc - 1)
		return usage(env, import_usage, "device import needs --from and one FILE", NULL);
	if ((rc = read_input(env, from, &text, &len)) != 0)
		return rc;
	err = au_io_import_file(argv[optind], text, len, &o, &res, &rep);
	free(text);
	if (err != AU_IO_OK) {
		snprintf(subject, sizeof(subject), "%s into %s", strcmp(from, "-") ? from : "stdin",
		         argv[optind]);
		return report(env, subject, err, &rep);
	}
	fprintf(env->out, "%s: imported %zu credential%s (%zu replaced)\n", argv[optind], res.added,
	        res.added == 1 ? "" : "s", res.replaced);
	return 0;
}
