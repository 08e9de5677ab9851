// The visual report built for a phone entry (2.1), a PC entry (3.7) and an IC-card entry (3.4):
// kagura-scenarios run --format html --output DIR, its screenshots taken by headless Chromium
// (tools/screenshot-pages.mjs). Checked: the run passes; index.html names each entry with the
// manual's message; every page it saved has its PNG, shown in index.html; each PNG decodes
// (node's zlib, no image library), has the browser's viewport size and is not blank (many
// colours, a share of pixels that are not the background); the machine has a Japanese font
// for Chromium (else the pictures show boxes where the text is).
//
// usage: node visual_report.mjs KAGURA_SCENARIOS CHROMIUM
// Exit status: 0 all passed; 1 a check failed; 2 the setup is broken.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

import { tally } from './check.mjs';
import { setup } from './setup.mjs';

const ENTRIES = ['2.1', '3.7', '3.4']; // phone, PC, IC card
const RUN_TIMEOUT_MS = 240000;
const VIEWPORTS = { phone: [412, 915], pc: [1280, 800] }; // tools/screenshot-pages.mjs's
const MIN_COLOURS = 16; // anti-aliased text alone gives dozens
const MIN_FOREGROUND = 0.02; // share of pixels unlike the most common colour
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BYTES_PER_PIXEL = { 0: 1, 2: 3, 4: 2, 6: 4 }; // colour types at bit depth 8

const { args: [scenariosPath, chromiumPath] } = setup('visual_report', ['KAGURA_SCENARIOS', 'CHROMIUM']);
const manual = JSON.parse(readFileSync(new URL('../../fixtures/manual/v2.16.json', import.meta.url), 'utf8'));
const t = tally();
const t0 = performance.now();

// The rows of an 8-bit, non-interlaced PNG, unfiltered (RFC 2083 §6): { width, height, bpp, pixels }.
function decodePng(bytes) {
	if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE))
		throw new Error('no PNG signature');
	let at = 8, header, idat = [];
	for (;;) {
		const len = bytes.readUInt32BE(at), type = bytes.toString('latin1', at + 4, at + 8);
		const data = bytes.subarray(at + 8, at + 8 + len);
		if (type === 'IHDR')
			header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], colour: data[9], interlace: data[12] };
		else if (type === 'IDAT')
			idat.push(data);
		else if (type === 'IEND')
			break;
		at += 12 + len;
		if (at >= bytes.length)
			throw new Error('no IEND chunk');
	}
	const bpp = BYTES_PER_PIXEL[header?.colour];
	if (!header || header.depth !== 8 || header.interlace !== 0 || !bpp)
		throw new Error(`not an 8-bit non-interlaced PNG: ${JSON.stringify(header)}`);
	const raw = inflateSync(Buffer.concat(idat));
	const stride = header.width * bpp;
	if (raw.length !== header.height * (stride + 1))
		throw new Error(`image data of ${raw.length} bytes for ${header.width}x${header.height}`);
	const pixels = Buffer.alloc(header.height * stride);
	for (let y = 0; y < header.height; y++) {
		const filter = raw[y * (stride + 1)];
		const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
		const out = pixels.subarray(y * stride, (y + 1) * stride);
		const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
		for (let i = 0; i < stride; i++) {
			const a = i >= bpp ? out[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
			let p;
			switch (filter) {
			case 0: p = 0; break;
			case 1: p = a; break;
			case 2: p = b; break;
			case 3: p = (a + b) >> 1; break;
			case 4: {
				const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
				p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
				break;
			}
			default: throw new Error(`row ${y}: filter ${filter}`);
			}
			out[i] = (line[i] + p) & 0xff;
		}
	}
	return { width: header.width, height: header.height, bpp, pixels };
}

// Distinct colours, and the share of pixels other than the most common one (the background).
function colourStats({ width, height, bpp, pixels }) {
	const counts = new Map();
	for (let i = 0; i < width * height * bpp; i += bpp) {
		const key = pixels.readUIntBE(i, Math.min(bpp, 3));
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	const background = Math.max(...counts.values());
	return { colours: counts.size, foreground: 1 - background / (width * height) };
}

const htmlText = (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
	.replaceAll('"', '&quot;').replaceAll("'", '&#39;');

const dir = mkdtempSync(join(tmpdir(), 'kagura-visual-'));
let keep = false;
try {
	const fonts = spawnSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' });
	t.check('fontconfig has a Japanese font for Chromium (fonts-noto-cjk)', fonts.status === 0 && fonts.stdout.trim() !== '',
		'fc-list :lang=ja names none; run sh tools/install-deps.sh');

	const out = join(dir, 'report');
	const run = spawnSync(scenariosPath, ['run', '--manual', '2.16', '--format', 'html', '--output', out, ...ENTRIES], {
		encoding: 'utf8', timeout: RUN_TIMEOUT_MS, env: { ...process.env, KAGURA_CHROMIUM: chromiumPath } });
	t.check(`kagura-scenarios run --format html ${ENTRIES.join(' ')} exits 0`, run.status === 0,
		`exit ${run.status ?? run.signal}; stderr:\n${run.stderr}`);
	t.note(run.stderr.trim().split('\n').filter((l) => /screenshot-pages|wall/.test(l)).join('; '));

	const index = existsSync(join(out, 'index.html')) ? readFileSync(join(out, 'index.html'), 'utf8') : '';
	t.check('index.html written', index.startsWith('<!DOCTYPE html>'));
	t.check('index.html is self-contained: no script, no stylesheet or image from elsewhere',
		!/<script|<link|src="(?!shots\/)|url\(/i.test(index));
	for (const id of ENTRIES) {
		const entry = manual.entries.find((e) => e.id === id);
		const messages = (entry?.messages ?? []).map(htmlText);
		t.check(`entry ${id}: its heading and the manual's message`,
			index.includes(`<h2>${id} `) && messages.length > 0 && messages.every((m) => index.includes(m)),
			`messages ${JSON.stringify(messages)}`);
	}

	const listed = readFileSync(join(out, 'shots.list'), 'utf8').split('\n').filter((l) => l !== '')
		.map((l) => l.split('\t'));
	const devices = new Set(listed.map(([, , device]) => device));
	t.check('pages saved from both the phone and the PC', devices.has('phone') && devices.has('pc'), [...devices].join(', '));
	for (const [page, png, device] of listed) {
		const html = readFileSync(join(out, page), 'utf8');
		t.check(`${page}: the page as served, its stylesheet inline`, /<style>[^]*\.login-pf-page-header/.test(html) &&
			!/<link[^>]+stylesheet/i.test(html));
		t.check(`${png}: shown in index.html`, index.includes(`<img src="${png}"`));
		let image;
		try {
			image = decodePng(readFileSync(join(out, png)));
		} catch (err) {
			t.check(`${png}: decodes`, false, err.message);
			continue;
		}
		const [w, h] = VIEWPORTS[device];
		t.check(`${png}: ${device} viewport ${w}x${h}`, image.width === w && image.height === h, `${image.width}x${image.height}`);
		const { colours, foreground } = colourStats(image);
		t.check(`${png}: not blank (${colours} colours, ${(foreground * 100).toFixed(1)}% foreground)`,
			colours > MIN_COLOURS && foreground > MIN_FOREGROUND,
			`at least ${MIN_COLOURS} colours and ${MIN_FOREGROUND * 100}% expected`);
	}
	keep = t.failures > 0;
} catch (err) {
	t.check('the visual report test ran to the end', false, err.stack ?? String(err));
	keep = true;
} finally {
	if (keep)
		t.note(`the report is kept in ${dir}`);
	else
		rmSync(dir, { recursive: true, force: true });
}
console.log(`${t.failures} failure(s), ${Math.round(performance.now() - t0)} ms`);
process.exitCode = t.failures === 0 ? 0 : 1;
