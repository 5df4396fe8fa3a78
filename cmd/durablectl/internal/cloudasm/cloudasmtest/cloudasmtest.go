// Package cloudasmtest builds small cloud assemblies for tests of code
// that reads them (package cloudasm, durablectl serve --cdk-out).
package cloudasmtest

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteAssembly writes a cloud assembly of one stack "S" whose template
// has the given Resources (a JSON object) into a temporary directory of
// tb and returns that directory.
func WriteAssembly(tb testing.TB, resources string) string {
	tb.Helper()
	dir := tb.TempDir()
	files := map[string]string{
		"manifest.json":   `{"artifacts":{"S":{"type":"aws:cloudformation:stack","properties":{"templateFile":"S.template.json"}}}}`,
		"S.template.json": `{"Resources":` + resources + `}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
