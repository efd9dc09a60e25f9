"""A test script's checks: each printed as ok or FAIL as it runs, skips said by name, one exit code at the end."""


class Checklist:
    def __init__(self, name):
        self.name, self.failures, self.skipped = name, [], []

    def check(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def skip(self, why):
        self.skipped.append(why)

    def finish(self):
        for why in self.skipped:
            print("SKIPPED " + why)
        print(f"{self.name}: {len(self.failures)} failed" + (f", {len(self.skipped)} skipped" if self.skipped else ""))
        return 1 if self.failures else 0
