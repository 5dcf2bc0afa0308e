/* apk oracle driver: reads `A<TAB>B` lines, prints -1/0/1 per line, E when apk-tools rejects.
 *
 * apk-tools is not packaged in Debian, so this file is compiled against an apk-tools source
 * tree (GPL-2.0; not part of this repository) by `scripts/versions/build-apk-oracle SRC OUT`:
 *   apk-tools 3.x:  gcc -O2 -DV3 -I$SRC/src apk-oracle.c $SRC/src/{version,blob,ctype}.c stub.c
 *   apk-tools 2.x:  gcc -O2      -I$SRC/src apk-oracle.c $SRC/src/{version,blob}.c
 * and used by `CUSTOMS_APK_ORACLE=OUT cargo test -p customs-apk -- --ignored`.
 */
#include <stdio.h>
#include <string.h>
#include "apk_defines.h"
#include "apk_version.h"
int main(void) {
  char line[8192];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *tab = strchr(line, '\t'); if (!tab) tab = strchr(line, ' ');
    if (!tab) { puts("E"); continue; }
    *tab = 0; char *a = line, *b = tab + 1;
#ifdef V3
    apk_blob_t A = APK_BLOB_STR(a), B = APK_BLOB_STR(b);
    if (!apk_version_validate(A) || !apk_version_validate(B)) { puts("E"); continue; }
    int r = apk_version_compare(A, B);
#else
    if (!apk_version_validate(APK_BLOB_STR(a)) || !apk_version_validate(APK_BLOB_STR(b))) { puts("E"); continue; }
    int r = apk_version_compare(a, b);
#endif
    puts(r == APK_VERSION_LESS ? "-1" : r == APK_VERSION_GREATER ? "1" : r == APK_VERSION_EQUAL ? "0" : "?");
  }
  return 0;
}
