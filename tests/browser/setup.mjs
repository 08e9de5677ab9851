// Loads the pinned playwright-core from tests/node/node_modules (where tools/install-deps.sh
// runs npm ci) and checks the command line. A broken setup exits 2, never passes.

import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const nodeDir = new URL('../node/', import.meta.url);

export function setupError(program, msg) {
	console.error(`${program}: ${msg}`);
	process.exit(2);
}

// Returns { chromium (playwright's BrowserType), version, args } or exits 2.
export function setup(program, argNames) {
	if (Number(process.versions.node.split('.')[0]) < 20)
		setupError(program, `node ${process.version} is older than 20`);
	if (process.argv.length !== 2 + argNames.length)
		setupError(program, `usage: node ${program}.mjs ${argNames.join(' ')}`);
	const args = process.argv.slice(2);
	for (const path of args) {
		try {
			accessSync(path, constants.X_OK);
		} catch {
			setupError(program, `${path} is not an executable; run \`sh tools/install-deps.sh\` and rebuild`);
		}
	}

	// The script lives outside tests/node, so resolution starts from that folder explicitly.
	const require = createRequire(new URL('package.json', nodeDir));
	const pinned = JSON.parse(readFileSync(new URL('package.json', nodeDir), 'utf8')).dependencies['playwright-core'];
	let playwright, version;
	try {
		playwright = require('playwright-core');
		version = require('playwright-core/package.json').version;
	} catch (err) {
		setupError(program, `cannot load playwright-core from tests/node/node_modules (${err.code ?? err.message}); ` +
			'run `sh tools/install-deps.sh` (npm ci in tests/node)');
	}
	// A stale node_modules would drive Chromium with another protocol client than the pinned one.
	if (version !== pinned)
		setupError(program, `playwright-core ${version} installed, ${pinned} pinned; run \`sh tools/install-deps.sh\``);
	return { chromium: playwright.chromium, version, args };
}
