#include "rp/serve_cmd.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rp/app.h"
#include "rp/listen.h"
#include "rp/readfile.h"
#include "rp/setup.h"
#include "rp/write_queue.h"
#include "rp/test_control.h"

#define MAX_BODY (64 * 1024)

static const char usage_text[] =
        "usage: kagura-rp serve [--listen ADDR:PORT] [--db FILE] [--manual 2.16|1.04]\n"
        "                       [--origin ORIGIN] [--rp-id ID] [--test-control]\n"
        "                       [--conformance-api]\n"
        "                       [--forbidden-network CIDR]... [--trust-anchor PEM]...\n"
        "                       [--tls-cert PEM --tls-key PEM [--client-ca PEM]]\n"
        "                       [--card-pki DIR]\n"
        "  --listen   IPv4ADDR:PORT, default 127.0.0.1:8400 (port 0: any free port, printed\n"
        "             on start)\n"
        "  --db       SQLite store; without it a temporary file removed at exit\n"
        "  --tls-cert, --tls-key  HTTPS with this certificate (chain may follow) and key\n"
        "  --client-ca  CA certificates a client certificate is requested for (card login);\n"
        "             the handshake succeeds without one too, the page decides\n"
        "  --card-pki  IC-card login (/card-login/hpki, /card-login/jpki) trusting the cards\n"
        "             of this built test PKI (its index.json); without --tls-cert it also\n"
        "             serves HTTPS with the PKI's server certificate and client CAs\n"
        "  --origin   default https://mahpki-auth.2nds.medis.or.jp; --rp-id defaults to its host,\n"
        "             else is its host or a registrable domain suffix of it; a literal {port}\n"
        "             in it becomes the port bound (http://localhost:{port})\n"
        "  --test-control  serve the CA/clock control API under /test-control/ (off by default;\n"
        "             it creates users, issues registration QRs, moves the clock: keep it on\n"
        "             loopback)\n"
        "  --conformance-api  serve the FIDO conformance API (/attestation/*, /assertion/*;\n"
        "             off by default): no login, its own users, never the platform's\n"
        "  --forbidden-network  a source network refused everywhere, test control included\n"
        "exit status: 0 stopped by SIGINT or SIGTERM; 1 could not start (address in use or\n"
        "  not this host's, store unusable); 2 usage error or unreadable TLS/PKI files\n";

static int usage(FILE *err, const char *what, const char *arg)
{
	fprintf(err, "kagura-rp serve: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
	        usage_text);
	return 2;
}

/* Replaces "{port}" in *origin by the port bound: with --listen ADDR:0 only the kernel knows it. */
static bool origin_with_port(const char **origin, const char *bound, char *buf, size_t size)
{
	const char *at = strstr(*origin, "{port}"), *port = strrchr(bound, ':');
	int n;

	if (at == NULL)
		return true;
	if (port == NULL)
		return false;
	n = snprintf(buf, size, "%.*s%s%s", (int)(at - *origin), *origin, port + 1,
	             at + strlen("{port}"));
	if (n < 0 || (size_t)n >= size)
		return false;
	*origin = buf;
	return true;
}

/* A --db path names a file: one there must be a regular file (SQLite would write its journal
 * beside a device, /dev/null-journal), a missing one is made. */
static bool db_path_ok(const char *db, FILE *err)
{
	struct stat st;

	if (db[0] == '\0') {
		usage(err, "--db needs a file's path", NULL);
		return false;
	}
	if (stat(db, &st) == 0 && !S_ISREG(st.st_mode)) {
		usage(err, "--db is not a regular file:", db);
		return false;
	}
	return true;
}

int rp_serve_main(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
	                                     {"db", required_argument, NULL, 'd'},
	                                     {"manual", required_argument, NULL, 'm'},
	                                     {"origin", required_argument, NULL, 'o'},
	                                     {"rp-id", required_argument, NULL, 'r'},
	                                     {"test-control", no_argument, NULL, 't'},
	                                     {"conformance-api", no_argument, NULL, 'c'},
	                                     {"forbidden-network", required_argument, NULL, 'f'},
	                                     {"trust-anchor", required_argument, NULL, 'a'},
	                                     {"tls-cert", required_argument, NULL, 'C'},
	                                     {"tls-key", required_argument, NULL, 'K'},
	                                     {"client-ca", required_argument, NULL, 'A'},
	                                     {"card-pki", required_argument, NULL, 'P'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *listen = "127.0.0.1:8400", *db = NULL;
	char tmp_db[4096], rp_id[256], bound[64];
	char origin[512];
	rp_app app;
	rp_http_server *srv = NULL;
	rp_http_tls tls = {NULL, NULL, NULL};
	const char *card_pki = NULL;
	static rp_card_pki_files pki; /* large: not on the stack */
	rp_front *fronts[RP_CARD_FRONTS] = {NULL};
	rp_http_err he;
	sigset_t set;
	int c, sig, rc = 1;
	rp_store_err se;
	rp_listen_addr where = {.host = "127.0.0.1"};

	if (!rp_app_init(&app, rp_generation_find(RP_GENERATION_DEFAULT)))
		return 1;
	app.cfg.origin = "https://mahpki-auth.2nds.medis.or.jp";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			/* A typo is a usage error here, not a server that failed to start. */
			if (!rp_listen_parse(optarg, &where)) {
				fprintf(err, "kagura-rp serve: --listen takes %s, not '%s'\n%s",
				        RP_LISTEN_FORM, optarg, usage_text);
				rc = 2;
				goto out;
			}
			listen = optarg;
			break;
		case 'd':
			db = optarg;
			if (!db_path_ok(db, err)) {
				rc = 2;
				goto out;
			}
			break;
		case 'o':
			app.cfg.origin = optarg;
			break;
		case 'r':
			app.cfg.rp_id = optarg;
			break;
		case 't':
			app.cfg.test_control = true;
			break;
		case 'c':
			app.cfg.conformance_api = true;
			break;
		case 'm':
			if ((app.cfg.generation = rp_generation_find(optarg)) == NULL) {
				rc = usage(err, "--manual is 2.16 or 1.04, not", optarg);
				goto out;
			}
			break;
		case 'f':
			if (app.cfg.n_forbidden == RP_MAX_NETWORKS ||
			    !rp_network_parse(optarg, &app.cfg.forbidden[app.cfg.n_forbidden])) {
				rc = usage(err, "--forbidden-network needs IPv4 CIDR:", optarg);
				goto out;
			}
			app.cfg.n_forbidden++;
			break;
		case 'a':
			if (rp_file_unreadable(optarg) != NULL ||
			    wa_trust_add_pem_file(&app.trust, optarg) != WA_OK) {
				rc = usage(err,
				           "--trust-anchor is not a readable PEM certificate file:",
				           optarg);
				goto out;
			}
			break;
		case 'C':
			tls.cert_file = optarg;
			break;
		case 'K':
			tls.key_file = optarg;
			break;
		case 'A':
			tls.client_ca_file = optarg;
			break;
		case 'P':
			card_pki = optarg;
			break;
		case 'h':
			fputs(usage_text, out);
			rc = 0;
			goto out;
		case ':':
			rc = usage(err, "option needs a value:", argv[optind - 1]);
			goto out;
		default:
			rc = usage(err, "unknown option", argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc) {
		rc = usage(err, "unexpected argument", argv[optind]);
		goto out;
	}
	/* Test control is the harness's hand: whoever reaches it can create users, issue their
	 * registration QRs and move the clock. */
	if (app.cfg.test_control && strncmp(where.host, "127.", 4) != 0)
		fprintf(err,
		        "kagura-rp serve: warning: --test-control on %s, not a loopback address: "
		        "anyone who reaches it can create users, issue their registration QRs, "
		        "move the clock and change the forbidden networks\n",
		        where.host);
	if ((tls.cert_file == NULL) != (tls.key_file == NULL) ||
	    (tls.client_ca_file != NULL && tls.cert_file == NULL)) {
		rc = usage(err, "--tls-cert and --tls-key go together; --client-ca needs them",
		           NULL);
		goto out;
	}
	if (card_pki != NULL) {
		char why[512];
		if (!rp_card_pki_load(card_pki, &app.cards, &pki, why, sizeof(why))) {
			fprintf(err, "kagura-rp serve: --card-pki %s\n", why);
			rc = 2;
			goto out;
		}
		if (tls.cert_file == NULL) {
			tls.cert_file = pki.tls_cert;
			tls.key_file = pki.tls_key;
		}
		if (tls.client_ca_file == NULL)
			tls.client_ca_file = pki.client_ca;
	}
	{
		char why[640];
		if (!rp_origin_rp_id(app.cfg.origin, app.cfg.rp_id, rp_id, sizeof(rp_id), why,
		                     sizeof(why))) {
			rc = usage(err, "--origin and --rp-id:", why);
			goto out;
		}
		app.cfg.rp_id = rp_id;
	}
	if (db == NULL) {
		if (!rp_temp_store_path(tmp_db, sizeof(tmp_db))) {
			fprintf(err, "kagura-rp serve: cannot create a temporary store\n");
			goto out;
		}
		db = tmp_db;
	}
	{
		char why[256];
		if (!rp_app_load_fixtures(&app, NULL, why, sizeof(why))) {
			fprintf(err, "kagura-rp serve: %s\n", why);
			goto out;
		}
	}
	{
		/* A temporary store goes with the process: nothing of it needs syncing. */
		char why[256] = "";
		if ((se = rp_store_open_ex(db,
		                           RP_STORE_OWNED | (db == tmp_db ? RP_STORE_THROWAWAY : 0),
		                           why, sizeof(why), &app.store)) != RP_STORE_OK) {
			fprintf(err, "kagura-rp serve: %s: %s\n", db,
			        why[0] ? why : rp_store_strerr(se));
			goto out;
		}
	}
	/* The handlers' writes, committed together; without the thread each writes alone. */
	app.writes = rp_write_queue_start(app.store);
	/* Signals are taken synchronously below; block them before the server thread starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* Held: a client that knew the port waits until the server below is set up. */
	he = rp_http_start_limits(listen, tls.cert_file ? &tls : NULL,
	                          &(rp_http_limits){.held = true}, MAX_BODY, rp_app_handle, &app,
	                          err, &srv, bound, sizeof(bound));
	if (he == RP_HTTP_TLS_CERT || he == RP_HTTP_TLS_CLIENT_CA) {
		fprintf(err, "kagura-rp serve: %s %s: %s\n",
		        he == RP_HTTP_TLS_CERT ? "--tls-cert" : "--client-ca",
		        he == RP_HTTP_TLS_CERT ? tls.cert_file : tls.client_ca_file,
		        rp_http_strerr(he));
		rc = 2;
		goto out;
	}
	if (he == RP_HTTP_TLS_KEY || he == RP_HTTP_TLS_KEY_MISMATCH || he == RP_HTTP_TLS_KEY_TYPE) {
		fprintf(err, "kagura-rp serve: --tls-key %s: %s\n", tls.key_file,
		        rp_http_strerr(he));
		rc = 2;
		goto out;
	}
	if (he != RP_HTTP_OK) {
		fprintf(err, "kagura-rp: cannot listen on %s: %s\n", listen, rp_http_strerr(he));
		goto out;
	}
	rp_http_set_clock(srv, &app.clock); /* the front server's clock (manual 3.17) */
	/* Test control changes what every handler reads (clock, networks): it runs alone. */
	rp_http_run_alone(srv, RP_TEST_CONTROL_PREFIX);
	/* The server is held: no handler reads these until rp_http_ready below. */
	app.cfg.listen = bound; /* test control's own Host */
	if (!origin_with_port(&app.cfg.origin, bound, origin, sizeof(origin))) {
		fprintf(err, "kagura-rp serve: --origin too long: %s\n", app.cfg.origin);
		goto out;
	}
	/* With the card PKI, the card-login front servers stand before it (manual 3.1, 3.2, 3.21).
	 */
	if (card_pki != NULL) {
		char why[300];
		if (!rp_card_fronts_start(&app, srv, &pki, bound, fronts, why, sizeof(why))) {
			fprintf(err, "kagura-rp serve: %s\n", why);
			goto out;
		}
	}
	rp_http_ready(srv);
	fprintf(out, "kagura-rp: serving %s://%s (origin %s, RP ID %s, manual %s%s%s)\n",
	        tls.cert_file ? "https" : "http", bound, app.cfg.origin, app.cfg.rp_id,
	        app.cfg.generation->name, app.cfg.test_control ? ", test control on" : "",
	        app.cfg.conformance_api ? ", conformance API on" : "");
	for (int m = 0; m < RP_CARD_FRONTS; m++)
		if (app.card_front[m] != NULL)
			fprintf(out, "kagura-rp: card-login front server (TLS 1.%d) %s\n",
			        m == RP_FRONT_TLS12 ? 2 : 3, app.card_front[m]);
	fflush(out);
	sigwait(&set, &sig);
	fprintf(err, "kagura-rp serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = 0;
out:
	rp_card_fronts_stop(&app, srv, fronts);
	rp_http_stop(srv);
	rp_app_release(&app);
	if (db == tmp_db)
		rp_store_remove_files(tmp_db);
	return rc;
}
