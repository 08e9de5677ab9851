// The mock platform as a browser needs it: `kagura-rp serve` on a free loopback port with the
// origin http://localhost:PORT (WebAuthn refuses IP-literal origins), plus its test control API and
// the FIDO conformance API.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVING = /^kagura-rp: serving (http:\/\/\S+) \(origin ([^,]+), RP ID ([^,]+),/m;

// Starts the server and resolves once it printed its address; the server's log is kept for
// failure reports.
export function startPlatform(rpPath, { startTimeoutMs = 15000 } = {}) {
	// A store of its own: cli.serve, maybe running alongside, inspects the default /tmp/kagura-rp-*.
	const dir = mkdtempSync(join(tmpdir(), 'kagura-browser-'));
	const proc = spawn(rpPath, ['serve', '--listen', '127.0.0.1:0', '--test-control', '--conformance-api',
		'--db', join(dir, 'store.db'),
		'--origin', 'http://localhost:{port}', '--rp-id', 'localhost'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '', log = '';
	const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
		.finally(() => rmSync(dir, { recursive: true, force: true }));
	proc.stderr.on('data', (d) => { log += d; });

	return new Promise((resolve, reject) => {
		let started = false;
		const timer = setTimeout(() => fail(`kagura-rp did not print its address within ${startTimeoutMs} ms`),
			startTimeoutMs);
		function fail(why) {
			if (started)
				return;
			clearTimeout(timer);
			proc.kill('SIGKILL');
			rmSync(dir, { recursive: true, force: true });
			reject(new Error(`${why}\n${log}`));
		}
		proc.on('error', (err) => fail(`cannot start ${rpPath}: ${err.message}`));
		exited.then(({ code, signal }) => fail(`kagura-rp exited early (${signal ?? code})`));
		proc.stdout.on('data', (d) => {
			out += d;
			const m = SERVING.exec(out);
			if (m === null || started)
				return;
			started = true;
			clearTimeout(timer);
			const [, controlBase, origin, rpId] = m;
			resolve({
				controlBase, // http://127.0.0.1:PORT, for the test control API
				origin, // http://localhost:PORT, what the browser visits
				rpId,
				log: () => log,
				// POSTs JSON to the test control API; resolves { status, body }.
				async control(path, body) {
					const r = await fetch(`${controlBase}/test-control/${path}`, {
						method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
					});
					return { status: r.status, body: await r.json().catch(() => null) };
				},
				// SIGTERM, as CI stops it; resolves { code, signal } (an ASan build reports leaks here).
				async stop() {
					proc.kill('SIGTERM');
					return exited;
				},
				kill() {
					proc.kill('SIGKILL');
					return exited;
				},
			});
		});
	});
}
