// The verdict tally, printed like the shell tests: "ok   name" or "FAIL name: why".

export function tally() {
	let failures = 0;
	return {
		check(name, ok, why = '') {
			if (ok) {
				console.log(`ok   ${name}`);
			} else {
				console.log(`FAIL ${name}${why ? `: ${why}` : ''}`);
				failures++;
			}
			return ok;
		},
		equal(name, got, want) {
			return this.check(name, got === want, `got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
		},
		get failures() {
			return failures;
		},
	};
}
