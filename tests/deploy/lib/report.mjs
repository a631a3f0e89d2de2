// Collects findings as "file:line:col: message" lines (the project's diagnostic form) and counts
// the checks that ran, so the driver can print one summary line and pick an exit code.

export class Report {
  constructor() {
    this.errors = [];
    this.checks = 0;
  }

  // Records that one check ran (whether or not it found something).
  check() {
    this.checks += 1;
  }

  // `where` is "file", "file:line:col" or anything a person can find the problem with. A finding
  // already made (a base reached through two overlays) is not repeated.
  error(where, message) {
    const line = `${where}: ${message}`;
    if (!this.errors.includes(line)) this.errors.push(line);
  }

  // Runs `fn` as one check; a thrown exception becomes a finding instead of a crash.
  async guard(where, fn) {
    this.check();
    try {
      await fn();
    } catch (e) {
      this.error(where, `check crashed: ${e && e.stack ? e.stack : e}`);
    }
  }
}
