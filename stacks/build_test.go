package stacks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// assetHash is the hash CDK gives a directory asset (AssetHashType SOURCE,
// no salt): the fingerprint AssetStaging computes.
func assetHash(dir string) string {
	return *awscdk.FileSystem_Fingerprint(jsii.String(dir), &awscdk.FingerprintOptions{
		Exclude: jsii.Strings(".is_custom_resource"),
	})
}

// buildHash builds pkgDir into a fresh directory and returns its asset hash.
func buildHash(t *testing.T, pkgDir, goarch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "asset")
	if err := buildBootstrap(context.Background(), pkgDir, goarch, out); err != nil {
		t.Fatal(err)
	}
	return assetHash(out)
}

// TestAssetHashMatchesRebuild rebuilds lambda/ and checks that the asset
// hash in the synthesized template is the hash of that second build.
func TestAssetHashMatchesRebuild(t *testing.T) {
	s := synthesized(t)
	tests := []struct {
		name   string
		tpl    template
		goarch string
	}{
		{"Default", s.defJSON, "arm64"},
		{"Custom", s.customJSON, "amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fn := tt.tpl.only(t, "AWS::Lambda::Function")
			code, _ := props(fn)["Code"].(map[string]interface{})
			key, _ := code["S3Key"].(string)
			if want := buildHash(t, "../lambda", tt.goarch) + ".zip"; key != want {
				t.Errorf("Code.S3Key = %q, want %q (the hash of a rebuild)", key, want)
			}
		})
	}
}

// TestAssetHashReproducible builds a fixture module: two builds give one
// hash, an edit outside the function's packages keeps it, and an edit in a
// package the function imports changes it.
func TestAssetHashReproducible(t *testing.T) {
	mod := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(mod, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/fixture\n\ngo 1.22\n")
	write("fn/main.go", "package main\n\nimport \"example.com/fixture/used\"\n\nfunc main() { println(used.Greeting) }\n")
	write("used/used.go", "package used\n\n// Greeting is printed.\nconst Greeting = \"hello\"\n")
	write("other/other.go", "package other\n\n// Unused is not imported by fn.\nconst Unused = 1\n")
	write("README.md", "fixture\n")
	pkg := filepath.Join(mod, "fn")

	first := buildHash(t, pkg, "arm64")
	if second := buildHash(t, pkg, "arm64"); second != first {
		t.Fatalf("two builds of the same source: %s then %s", first, second)
	}
	write("other/other.go", "package other\n\n// Unused is not imported by fn.\nconst Unused = 2\n")
	write("README.md", "fixture, edited\n")
	if got := buildHash(t, pkg, "arm64"); got != first {
		t.Errorf("edit outside the function's packages changed the hash: %s, then %s", first, got)
	}
	write("used/used.go", "package used\n\n// Greeting is printed.\nconst Greeting = \"hello, world\"\n")
	if got := buildHash(t, pkg, "arm64"); got == first {
		t.Errorf("edit in a package the function imports kept the hash %s", got)
	}
}

func TestBuildErrors(t *testing.T) {
	mod := t.TempDir()
	for rel, content := range map[string]string{
		"go.mod":       "module example.com/fixture\n\ngo 1.22\n",
		"lib/lib.go":   "package lib\n\n// X is exported.\nconst X = 1\n",
		"broken/m.go":  "package main\n\nfunc main() { undefined() }\n",
		"empty/.keep":  "",
		"other/doc.md": "",
	} {
		path := filepath.Join(mod, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		entry string
		want  string
	}{
		{"lib", "is the entry package main?"},
		{"broken", "undefined: undefined"},
		{"empty", "no Go files"},
		{"missing", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			err := buildBootstrap(context.Background(), filepath.Join(mod, tt.entry), "arm64", filepath.Join(t.TempDir(), "out"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("buildBootstrap(%s) = %v, want an error containing %q", tt.entry, err, tt.want)
			}
		})
	}
}

func TestResolveEntry(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "mod", "stacks", "deep")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "mod", "go.mod"), []byte("module m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(root, "plain")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, entry, dir, want string
	}{
		{"relative to the module root", "lambda", sub, filepath.Join(root, "mod", "lambda")},
		{"at the module root", "cmd/fn", filepath.Join(root, "mod"), filepath.Join(root, "mod", "cmd", "fn")},
		{"absolute", "/srv/fn", sub, "/srv/fn"},
		{"outside any module", "lambda", outside, filepath.Join(outside, "lambda")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveEntry(tt.entry, tt.dir)
			if err != nil || got != tt.want {
				t.Errorf("resolveEntry(%q, %q) = %q, %v; want %q", tt.entry, tt.dir, got, err, tt.want)
			}
		})
	}
}
