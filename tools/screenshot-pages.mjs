// Screenshots of the pages a visual report saved (kagura-scenarios run --format html --output DIR):
// DIR/shots.list names each page, its PNG and its browser (phone|pc), a line each, tab-separated.
// One headless Debian Chromium (driven by the playwright-core pinned in tests/node) renders them
// with scripts off (the page as it stood when the harness read it: the report's saved pages
// would otherwise start polling or a WebAuthn call) and no network (a saved page is
// self-contained: the platform inlines its stylesheet); Japanese text in Noto Sans CJK
// (fonts-noto-cjk, tools/install-deps.sh).
//
// usage: node tools/screenshot-pages.mjs DIR   (Chromium: $KAGURA_CHROMIUM, else chromium on PATH)
// Exit status: 0 every page taken; 1 a page could not be; 2 the setup is broken.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const program = 'screenshot-pages';
// What a phone and a PC show (CSS pixels): a 6.1-inch Android phone, a laptop's window.
const VIEWPORTS = { phone: { width: 412, height: 915 }, pc: { width: 1280, height: 800 } };
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PARALLEL = 2; // the machine's cores
const PAGE_TIMEOUT_MS = 20000;

function fail(msg) {
	console.error(`${program}: ${msg}`);
	process.exit(2);
}

function findChromium() {
	if (process.env.KAGURA_CHROMIUM)
		return process.env.KAGURA_CHROMIUM;
	for (const dir of (process.env.PATH ?? '').split(delimiter))
		if (dir && existsSync(join(dir, 'chromium')))
			return join(dir, 'chromium');
	return fail('chromium not found on PATH (sh tools/install-deps.sh installs it; KAGURA_CHROMIUM names another)');
}

function loadPlaywright() {
	const nodeDir = new URL('../tests/node/', import.meta.url);
	const require = createRequire(new URL('package.json', nodeDir));
	try {
		return require('playwright-core');
	} catch (err) {
		return fail(`cannot load playwright-core from tests/node/node_modules (${err.code ?? err.message}); ` +
			'run `sh tools/install-deps.sh`');
	}
}

if (process.argv.length !== 3)
	fail('usage: node tools/screenshot-pages.mjs DIR');
const dir = resolve(process.argv[2]);
let list;
try {
	list = readFileSync(join(dir, 'shots.list'), 'utf8');
} catch (err) {
	fail(`${join(dir, 'shots.list')}: ${err.code ?? err.message}`);
}
const shots = list.split('\n').filter((l) => l !== '').map((line) => {
	const [page, png, device] = line.split('\t');
	if (!page || !png || !(device in VIEWPORTS) || page.includes('..') || png.includes('..'))
		fail(`shots.list: not "page<TAB>png<TAB>phone|pc": ${JSON.stringify(line)}`);
	return { page: join(dir, page), png: join(dir, png), device };
});

const { chromium } = loadPlaywright();
const t0 = performance.now();
const executablePath = findChromium();
let browser;
try {
	browser = await chromium.launch({ executablePath, headless: true, args: FLAGS, timeout: 60000 });
} catch (err) {
	fail(`${executablePath} does not start: ${err.message.split('\n')[0]}`);
}
let failures = 0;
try {
	const contexts = {};
	for (const [device, viewport] of Object.entries(VIEWPORTS)) {
		contexts[device] = await browser.newContext({ viewport, javaScriptEnabled: false });
		// Only the saved file itself loads: nothing of the outside world reaches the picture.
		await contexts[device].route((url) => url.protocol !== 'file:', (route) => route.abort());
	}
	let next = 0;
	async function worker() {
		while (next < shots.length) {
			const shot = shots[next++];
			const page = await contexts[shot.device].newPage();
			try {
				await page.goto(pathToFileURL(shot.page).href, { timeout: PAGE_TIMEOUT_MS });
				await page.screenshot({ path: shot.png, timeout: PAGE_TIMEOUT_MS }); // the screen, as the manual pictures it
			} catch (err) {
				failures++;
				console.error(`${program}: ${shot.page}: ${err.message.split('\n')[0]}`);
			} finally {
				await page.close();
			}
		}
	}
	await Promise.all(Array.from({ length: PARALLEL }, worker));
} finally {
	await browser.close();
}
console.error(`${program}: ${shots.length - failures} of ${shots.length} pages in ${Math.round(performance.now() - t0)} ms`);
process.exit(failures === 0 ? 0 : 1);
