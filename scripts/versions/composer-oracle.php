<?php
// Composer oracle (composer/semver, Debian's php-composer-semver): reads `A<TAB>B` lines.
// Compare mode: both sides go through VersionParser::normalize (E when either throws), then
// Comparator::lessThan / equalTo / greaterThan on the normalized strings give -1 / 0 / 1;
// two different dev branches are neither (Composer does not order branches): U.
// With --satisfies, lines are `VERSION<TAB>CONSTRAINT` and the answer is
// Semver::satisfies(VERSION, CONSTRAINT) as true/false, or E when either does not parse.
// Every answer for a batch is written at the end; warnings go to stderr.
ini_set('display_errors', 'stderr');
error_reporting(E_ALL & ~E_WARNING & ~E_NOTICE & ~E_DEPRECATED);

$autoload = getenv('CUSTOMS_COMPOSER_SEMVER') ?: '/usr/share/php/Composer/Semver/autoload.php';
if (!is_file($autoload)) {
    fwrite(STDERR, "composer/semver not found at $autoload (apt-get install php-cli php-composer-semver)\n");
    exit(2);
}
require $autoload;

use Composer\Semver\Comparator;
use Composer\Semver\Semver;
use Composer\Semver\VersionParser;

$satisfies = in_array('--satisfies', $argv, true);
$parser = new VersionParser();
$out = array();
while (($line = fgets(STDIN)) !== false) {
    if (substr($line, -1) === "\n") {
        $line = substr($line, 0, -1);
    }
    $parts = explode("\t", $line, 2);
    $a = $parts[0];
    $b = isset($parts[1]) ? $parts[1] : '';
    try {
        if ($satisfies) {
            $out[] = Semver::satisfies($a, $b) ? 'true' : 'false';
        } else {
            $na = $parser->normalize($a);
            $nb = $parser->normalize($b);
            if (Comparator::lessThan($na, $nb)) {
                $out[] = '-1';
            } elseif (Comparator::equalTo($na, $nb)) {
                $out[] = '0';
            } elseif (Comparator::greaterThan($na, $nb)) {
                $out[] = '1';
            } else {
                $out[] = 'U';
            }
        }
    } catch (\Exception $e) {
        $out[] = 'E';
    }
}
echo implode('', array_map(function ($l) { return $l . "\n"; }, $out));
