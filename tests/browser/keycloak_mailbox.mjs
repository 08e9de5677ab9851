// The CA's mailbox on loopback: an SMTP server that takes every mail Keycloak sends (one
// connection at a time, no authentication, no TLS) and hands them out by recipient, for the
// execute-actions link Keycloak mails a user.

import { createServer } from 'node:net';

const LINE_MAX = 1000; // RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets
const MAIL_WAIT_MS = 20000; // Keycloak sends before its Admin REST call answers; this is slack

export function startMailbox() {
	const mails = []; // { to, data }, oldest first
	const waiting = []; // { to, resolve }
	function delivered(mail) {
		const i = waiting.findIndex((w) => w.to === mail.to);
		if (i >= 0)
			waiting.splice(i, 1)[0].resolve(mail.data);
		else
			mails.push(mail);
	}

	const server = createServer((socket) => {
		socket.setEncoding('latin1'); // the octets as they come; decoded once the mail is whole
		let buffer = '', to = [], data = null;
		const reply = (line) => socket.write(`${line}\r\n`);
		reply('220 localhost kagura-harness mailbox');
		socket.on('data', (chunk) => {
			buffer += chunk;
			let end;
			while ((end = buffer.indexOf('\r\n')) >= 0) {
				const line = buffer.slice(0, end);
				buffer = buffer.slice(end + 2);
				if (data !== null) {
					if (line === '.') {
						for (const rcpt of to)
							delivered({ to: rcpt, data: Buffer.from(data, 'latin1').toString('utf8') });
						data = null;
						to = [];
						reply('250 accepted');
					} else {
						data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
					}
					continue;
				}
				if (line.length > LINE_MAX) {
					reply('500 line too long');
					continue;
				}
				const verb = line.slice(0, 4).toUpperCase();
				if (verb === 'EHLO' || verb === 'HELO') {
					reply('250 localhost');
				} else if (verb === 'MAIL' || verb === 'RSET' || verb === 'NOOP') {
					if (verb === 'RSET')
						to = [];
					reply('250 ok');
				} else if (verb === 'RCPT') {
					to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
					reply('250 ok');
				} else if (verb === 'DATA') {
					data = '';
					reply('354 end with <CRLF>.<CRLF>');
				} else if (verb === 'QUIT') {
					reply('221 bye');
					socket.end();
				} else {
					reply('502 not implemented');
				}
			}
		});
		socket.on('error', () => {});
	});

	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve({
			port: server.address().port,
			// The next mail to `address`, as sent; rejects after MAIL_WAIT_MS.
			take(address) {
				const i = mails.findIndex((m) => m.to === address);
				if (i >= 0)
					return Promise.resolve(mails.splice(i, 1)[0].data);
				return new Promise((res, rej) => {
					const w = { to: address, resolve: (d) => { clearTimeout(timer); res(d); } };
					const timer = setTimeout(() => {
						waiting.splice(waiting.indexOf(w), 1);
						rej(new Error(`no mail to ${address} within ${MAIL_WAIT_MS} ms`));
					}, MAIL_WAIT_MS);
					waiting.push(w);
				});
			},
			close: () => new Promise((res) => server.close(() => res())),
		}));
	});
}

// Quoted-printable (RFC 2045 §6.7) undone: soft line breaks removed, =XX octets decoded as UTF-8.
export function quotedPrintableDecode(text) {
	const joined = text.replace(/=\r?\n/g, '');
	const bytes = [];
	for (let i = 0; i < joined.length; i++) {
		if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
			bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(joined[i], 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

// The first link to `path` in a mail, with HTML's &amp; undone.
export function linkIn(mail, path) {
	const m = new RegExp(`https?://[^\\s"'<>]*${path.replace(/[.?]/g, '\\$&')}[^\\s"'<>]*`).exec(quotedPrintableDecode(mail));
	return m?.[0].replace(/&amp;/g, '&') ?? null;
}
