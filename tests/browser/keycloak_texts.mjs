// The texts a realm's Keycloak pages show, looked up as Keycloak looks them up: the realm's
// localizationTexts for the locale, else the login theme's messages_LOCALE.properties, else its
// messages_en.properties (the theme jar of the distribution, read here without unpacking it),
// each formatted as java.text.MessageFormat formats it.

import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

// ---- a stored or deflated entry of a zip file (the themes jar) ----

const EOCD_SIGNATURE = 0x06054b50; // end of central directory record
const CENTRAL_SIGNATURE = 0x02014b50; // central directory file header
const LOCAL_SIGNATURE = 0x04034b50; // local file header
const EOCD_SIZE = 22;
const EOCD_COMMENT_MAX = 0xffff;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

// The bytes of the entry `name` of the zip file at `path`; throws naming what is wrong.
export function zipEntry(path, name) {
	const zip = readFileSync(path);
	let eocd = -1;
	for (let at = zip.length - EOCD_SIZE; at >= Math.max(0, zip.length - EOCD_SIZE - EOCD_COMMENT_MAX); at--) {
		if (zip.readUInt32LE(at) === EOCD_SIGNATURE) {
			eocd = at;
			break;
		}
	}
	if (eocd < 0)
		throw new Error(`${path}: not a zip file (no end of central directory)`);
	const entries = zip.readUInt16LE(eocd + 10);
	let at = zip.readUInt32LE(eocd + 16);
	for (let i = 0; i < entries; i++) {
		if (zip.readUInt32LE(at) !== CENTRAL_SIGNATURE)
			throw new Error(`${path}: broken central directory at ${at}`);
		const method = zip.readUInt16LE(at + 10);
		const compressedSize = zip.readUInt32LE(at + 20);
		const nameLength = zip.readUInt16LE(at + 28);
		const extraLength = zip.readUInt16LE(at + 30);
		const commentLength = zip.readUInt16LE(at + 32);
		const localAt = zip.readUInt32LE(at + 42);
		const entryName = zip.toString('utf8', at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength);
		if (entryName === name) {
			if (zip.readUInt32LE(localAt) !== LOCAL_SIGNATURE)
				throw new Error(`${path}: ${name}: broken local header`);
			const dataAt = localAt + LOCAL_HEADER_SIZE + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
			const data = zip.subarray(dataAt, dataAt + compressedSize);
			if (method === METHOD_STORED)
				return data;
			if (method === METHOD_DEFLATED)
				return inflateRawSync(data);
			throw new Error(`${path}: ${name}: compression method ${method}`);
		}
		at += CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
	}
	throw new Error(`${path}: no entry ${name}`);
}

// ---- java.util.Properties (UTF-8, as Keycloak's theme bundles are read) ----

const PROPERTY_ESCAPES = { t: '\t', n: '\n', r: '\r', f: '\f' };

export function parseProperties(text) {
	const map = new Map();
	// A line ending in an odd number of backslashes continues on the next one.
	const logical = text.replace(/(^|[^\\])((?:\\\\)*)\\\r?\n[ \t\f]*/g, '$1$2');
	for (const raw of logical.split(/\r?\n/)) {
		const line = raw.replace(/^[ \t\f]+/, '');
		if (line === '' || line[0] === '#' || line[0] === '!')
			continue;
		const m = /^((?:\\.|[^=:\s\\])*)\s*[=:\s]\s*(.*)$/.exec(line) ?? [line, line, ''];
		map.set(unescape(m[1]), unescape(m[2]));
	}
	return map;
}

function unescape(s) {
	return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e) =>
		e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (PROPERTY_ESCAPES[e] ?? e));
}

// ---- java.text.MessageFormat, for the simple {N} patterns Keycloak's messages use ----

// '' is an apostrophe, '…' quotes text, {N} is the N-th argument; an argument not given stays
// "{N}", as Java leaves it.
export function messageFormat(pattern, args = []) {
	let out = '', quoted = false;
	for (let i = 0; i < pattern.length; i++) {
		const ch = pattern[i];
		if (ch === "'") {
			if (pattern[i + 1] === "'") {
				out += "'";
				i++;
			} else {
				quoted = !quoted;
			}
		} else if (ch === '{' && !quoted) {
			const end = pattern.indexOf('}', i);
			const index = Number(pattern.slice(i + 1, end));
			if (end < 0 || !Number.isInteger(index))
				throw new Error(`unsupported MessageFormat element in ${JSON.stringify(pattern)}`);
			out += index < args.length ? String(args[index]) : `{${index}}`;
			i = end;
		} else {
			out += ch;
		}
	}
	return out;
}

// ---- a realm ----

const BUNDLE_PATH = (locale) => `theme/base/login/messages/messages_${locale}.properties`;
const FALLBACK_LOCALE = 'en';

// The realm file's settings the pages depend on, and text(key, args): the page's text for the
// key in the realm's default locale, with where it came from (text.source(key)).
export function realmTexts(realmFile, themesJar) {
	const realm = JSON.parse(readFileSync(realmFile, 'utf8'));
	const locale = realm.defaultLocale;
	if (typeof realm.realm !== 'string' || typeof locale !== 'string')
		throw new Error(`${realmFile}: no realm name or defaultLocale`);
	const own = realm.localizationTexts?.[locale] ?? {};
	const bundles = [locale, FALLBACK_LOCALE].map((l) => parseProperties(zipEntry(themesJar, BUNDLE_PATH(l)).toString('utf8')));
	function pattern(key) {
		if (Object.hasOwn(own, key))
			return { pattern: own[key], source: `${realmFile} localizationTexts.${locale}` };
		for (const [i, bundle] of bundles.entries()) {
			if (bundle.has(key))
				return { pattern: bundle.get(key), source: `${themesJar}!${BUNDLE_PATH(i === 0 ? locale : FALLBACK_LOCALE)}` };
		}
		throw new Error(`no text for ${key} in ${realmFile} (${locale}) nor in ${themesJar}`);
	}
	const text = (key, args) => messageFormat(pattern(key).pattern, args);
	text.source = (key) => pattern(key).source;
	return {
		name: realm.realm,
		locale,
		rpId: realm.webAuthnPolicyPasswordlessRpId,
		userVerification: realm.webAuthnPolicyPasswordlessUserVerificationRequirement,
		clientId: realm.clients?.find((c) => c.clientId === 'kagura-harness')?.clientId,
		text,
	};
}
