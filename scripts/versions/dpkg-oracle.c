/* dpkg oracle: reads `A<TAB>B` lines and prints dpkg's own comparison (libdpkg's
 * parseversion + dpkg_version_compare) as -1/0/1; E when dpkg rejects a version with an
 * error, W when only with a warning (dpkg --compare-versions goes on after a warning; Debian
 * policy forbids such versions). Built and run by scripts/versions/dpkg-oracle
 * (needs libdpkg-dev). */
#define LIBDPKG_VOLATILE_API 1
#include <stdio.h>
#include <string.h>
#include <dpkg/dpkg.h>
#include <dpkg/error.h>
#include <dpkg/version.h>
#include <dpkg/dpkg-db.h>

static int parse(struct dpkg_version *v, const char *s) {
    struct dpkg_error err = DPKG_ERROR_INIT;
    if (parseversion(v, s, &err) < 0) {
        int warn = err.type == DPKG_MSG_WARN;
        dpkg_error_destroy(&err);
        return warn ? 1 : 2;
    }
    return 0;
}

int main(void) {
    static char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) { puts("E"); continue; }
        *tab = 0;
        struct dpkg_version a, b;
        int ra = parse(&a, line), rb = parse(&b, tab + 1);
        if (ra == 2 || rb == 2) { puts("E"); continue; }
        if (ra == 1 || rb == 1) { puts("W"); continue; }
        int r = dpkg_version_compare(&a, &b);
        printf("%d\n", (r > 0) - (r < 0));
    }
    return 0;
}
