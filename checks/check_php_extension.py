#!/usr/bin/env python3
"""check_php_extension: a PHP extension is loaded (and recent enough).

The reference site's "PHP opcode-cache extension enabled" (eAccelerator
then, OPcache now). Asks the PHP binary itself (--php, default php), with
its own configuration: the extension is loaded when PHP lists it among its
extensions or Zend extensions, compared without case and without a "Zend "
prefix (-e opcache finds "Zend OPcache"). Not loaded is CRITICAL; older
than --min-version (compared by PHP's own version_compare) is WARNING.

The CLI reads the CLI's php.ini (on Debian /etc/php/*/cli/): an extension
enabled only for Apache or FPM is not seen here. PHP missing or failing to
start is UNKNOWN.
"""

from immune.check import Check
from immune.domain import CheckError, Resource, Summary, Warn
from immune.facts import FactContext, fact
from immune.output import sanitize
from immune.plugin import Plugin

# Argument 1: the extension wanted; argument 2: the minimum version or "".
# Prints one line "immune-php<TAB>name<TAB>version<TAB>old|new" (name empty:
# not loaded); PHP's own startup warnings may surround it.
PHP_CODE = r"""
$want = strtolower($argv[1]);
$found = $version = $age = "";
foreach (array_merge(get_loaded_extensions(), get_loaded_extensions(true)) as $name) {
    $key = strtolower($name);
    if ($key === $want || $key === "zend " . $want) {
        $found = $name;
        $version = (string) phpversion($name);
        $old = $argv[2] !== "" && ($version === "" || version_compare($version, $argv[2], "<"));
        $age = $old ? "old" : "new";
        break;
    }
}
echo "\nimmune-php\t$found\t$version\t$age\n";
"""
MARKER = "immune-php\t"


class Extension(Resource):
    """Whether the extension is loaded, under which name, in which version."""

    def __init__(self, php, name, min_version, deadline):
        self.php = php
        self.extension = name
        self.min_version = min_version or ""
        self.deadline = deadline
        self.version = ""

    def probe(self):
        argv = [self.php, "-r", PHP_CODE, "--", self.extension, self.min_version]
        with self.deadline.stage(f"running {self.php}"):
            done = self.deadline.run(argv)
        answer = [line for line in done.stdout.decode(errors="replace").splitlines()
                  if line.startswith(MARKER)]
        if done.returncode != 0 or not answer:
            error = (done.stderr or done.stdout).decode(errors="replace").strip()
            first = error.splitlines()[0] if error else f"exit status {done.returncode}"
            raise CheckError(f"{self.php} failed: {sanitize(first, 120)}")
        loaded, self.version, age = answer[-1].split("\t")[1:4]
        if not loaded:
            yield fact("loaded", False, f"{self.extension} is not loaded")
            return
        label = f"{loaded} {self.version}".strip()
        yield fact("loaded", True, f"{label} is loaded")
        if self.min_version:
            recent = age == "new"
            yield fact("version", recent, f"{label} is loaded" if recent else
                       f"{loaded} {self.version or '(no version)'} is older than "
                       f"{self.min_version}", context="version")


class ExtensionSummary(Summary):
    """``Zend OPcache 8.2.36 is loaded``."""

    def ok(self, results):
        return str(results["loaded"])

    def problem(self, results):
        return str(results.first_significant)


def options(parser):
    parser.add_argument("-e", "--extension", required=True, metavar="NAME",
                        help="the extension that must be loaded (e.g. opcache, redis)")
    parser.add_argument("--min-version", metavar="VERSION",
                        help="WARNING when the extension's version is older")
    parser.add_argument("--php", default="php", metavar="PATH",
                        help="the PHP CLI binary (default: php, found in PATH)")


def build(args, deadline):
    return Check(
        Extension(args.php, args.extension, args.min_version, deadline),
        FactContext(),
        FactContext("version", Warn),
        ExtensionSummary(),
    )


PLUGIN = Plugin("PHP_EXTENSION", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
