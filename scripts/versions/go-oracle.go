// Go oracle: reads `A<TAB>B` lines and prints golang.org/x/mod/semver.Compare as -1/0/1, or E
// when either is not valid (semver.IsValid). Versions without the leading "v" (as OSV writes
// them) get one first, as the `go` scheme does. Run by go-oracle (GOPATH mode, Debian's
// golang-golang-x-mod-dev).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		a, b, _ := strings.Cut(in.Text(), "\t")
		if !strings.HasPrefix(a, "v") {
			a = "v" + a
		}
		if !strings.HasPrefix(b, "v") {
			b = "v" + b
		}
		if !semver.IsValid(a) || !semver.IsValid(b) {
			fmt.Fprintln(out, "E")
			continue
		}
		fmt.Fprintln(out, semver.Compare(a, b))
	}
}
