// The verdict tally, printed like the shell tests: "ok   name" or "FAIL name: why", "#    note".
// Cases that run side by side each get a group: its lines, prefixed with the case's tag, are kept
// and printed together by flush(), so the report reads case by case.

export function tally() {
	let failures = 0;
	const groups = [];
	function reporter(prefix, write) {
		return {
			check(name, ok, why = '') {
				write(ok ? `ok   ${prefix}${name}` : `FAIL ${prefix}${name}${why ? `: ${why}` : ''}`);
				if (!ok)
					failures++;
				return ok;
			},
			equal(name, got, want) {
				return this.check(name, got === want, `got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
			},
			note(line) {
				write(`#    ${prefix}${line}`);
			},
		};
	}
	const t = reporter('', (line) => console.log(line));
	t.group = (tag) => {
		const lines = [];
		const g = reporter(`${tag} `, (line) => lines.push(line));
		g.tag = tag;
		g.lines = lines;
		groups.push(g);
		return g;
	};
	// Prints every group's lines so far, in the order the groups were made.
	t.flush = () => {
		for (const g of groups)
			for (const line of g.lines.splice(0))
				console.log(line);
	};
	Object.defineProperty(t, 'failures', { get: () => failures });
	return t;
}
