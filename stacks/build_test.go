package stacks

import (
	"context"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

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

// buildHash builds pkgDir into a fresh directory and returns its asset
// hash.
func buildHash(t *testing.T, pkgDir, goarch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "asset")
	if err := buildBootstrap(context.Background(), pkgDir, goarch, out); err != nil {
		t.Fatal(err)
	}
	return assetHash(out)
}

// TestLambdaBuild checks the binary each stack's function was built into
// at synth time (TestAssetHashReproducible rebuilds, with a fixture): the
// asset in the template is its directory, and the binary is the stack's
// entry package for the function's architecture, with exactly the
// reproducible build settings.
func TestLambdaBuild(t *testing.T) {
	s := synthesized(t)
	tests := []struct {
		name    string
		stack   *DurableStack
		tpl     template
		pkg     string
		goarch  string
		machine elf.Machine
	}{
		{"Default", s.def, s.defJSON, "github.com/acme/durable-lambda-go/lambda", "arm64", elf.EM_AARCH64},
		{"Custom", s.custom, s.customJSON, "github.com/acme/durable-lambda-go/" + fixtureEntry, "amd64", elf.EM_X86_64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := buildDirOf(tt.stack.Function.Construct)
			hash, binary := assetHash(dir), filepath.Join(dir, BootstrapName)
			_, fn := tt.tpl.only(t, "AWS::Lambda::Function")
			code, _ := props(fn)["Code"].(map[string]interface{})
			if key := code["S3Key"]; key != hash+".zip" {
				t.Errorf("Code.S3Key = %v, want %q (the hash of the build directory %s)", key, hash+".zip", dir)
			}

			f, err := elf.Open(binary)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != tt.machine {
				t.Errorf("ELF machine = %v, want %v", f.Machine, tt.machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("binary has an ELF interpreter; want a static binary")
				}
			}
			// -ldflags "-s -w -buildid=": no symbol table, no DWARF, no build id.
			// (buildinfo omits -ldflags under -trimpath, so check the sections.)
			for _, sec := range f.Sections {
				if sec.Name == ".symtab" || sec.Name == ".note.go.buildid" ||
					strings.HasPrefix(sec.Name, ".debug_") || strings.HasPrefix(sec.Name, ".zdebug_") {
					t.Errorf("binary has section %s; want it stripped by -ldflags \"-s -w -buildid=\"", sec.Name)
				}
			}
			info, err := buildinfo.ReadFile(binary)
			if err != nil {
				t.Fatal(err)
			}
			if info.Path != tt.pkg {
				t.Errorf("binary of package %s, want %s", info.Path, tt.pkg)
			}
			got := map[string]string{}
			for _, setting := range info.Settings {
				got[setting.Key] = setting.Value
			}
			want := map[string]string{
				"GOOS": "linux", "GOARCH": tt.goarch, "CGO_ENABLED": "0",
				"-tags": "lambda.norpc", "-trimpath": "true",
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("build setting %s = %q, want %q", k, got[k], v)
				}
			}
			for k := range got {
				if strings.HasPrefix(k, "vcs") {
					t.Errorf("binary is stamped with %s=%s; want no VCS stamp", k, got[k])
				}
			}
		})
	}
}

// TestAssetHashReproducible builds a fixture module: two builds give one
// hash, as does a copy of the module in another directory; an edit outside
// the function's packages keeps the hash, and an edit in a package the
// function imports changes it.
func TestAssetHashReproducible(t *testing.T) {
	fixture := fstest.MapFS{
		"go.mod":         {Data: []byte("module example.com/fixture\n\ngo 1.22\n")},
		"fn/main.go":     {Data: []byte("package main\n\nimport \"example.com/fixture/used\"\n\nfunc main() { println(used.Greeting) }\n")},
		"used/used.go":   {Data: []byte("package used\n\n// Greeting is printed.\nconst Greeting = \"hello\"\n")},
		"other/other.go": {Data: []byte("package other\n\n// Unused is not imported by fn.\nconst Unused = 1\n")},
		"README.md":      {Data: []byte("fixture\n")},
	}
	mod, copied := t.TempDir(), t.TempDir()
	for _, dir := range []string{mod, copied} {
		if err := os.CopyFS(dir, fixture); err != nil {
			t.Fatal(err)
		}
	}
	edit := func(rel, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(mod, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkg := filepath.Join(mod, "fn")

	first := buildHash(t, pkg, "arm64")
	if second := buildHash(t, pkg, "arm64"); second != first {
		t.Fatalf("two builds of the same source: %s then %s", first, second)
	}
	if elsewhere := buildHash(t, filepath.Join(copied, "fn"), "arm64"); elsewhere != first {
		t.Errorf("the same source in another directory: %s, here %s", elsewhere, first)
	}
	edit("other/other.go", "package other\n\n// Unused is not imported by fn.\nconst Unused = 2\n")
	edit("README.md", "fixture, edited\n")
	if got := buildHash(t, pkg, "arm64"); got != first {
		t.Errorf("edit outside the function's packages changed the hash: %s, then %s", first, got)
	}
	edit("used/used.go", "package used\n\n// Greeting is printed.\nconst Greeting = \"hello, world\"\n")
	if got := buildHash(t, pkg, "arm64"); got == first {
		t.Errorf("edit in a package the function imports kept the hash %s", got)
	}
}

func TestBuildErrors(t *testing.T) {
	mod := t.TempDir()
	if err := os.CopyFS(mod, fstest.MapFS{
		"go.mod":       {Data: []byte("module example.com/fixture\n\ngo 1.22\n")},
		"lib/lib.go":   {Data: []byte("package lib\n\n// X is exported.\nconst X = 1\n")},
		"broken/m.go":  {Data: []byte("package main\n\nfunc main() { undefined() }\n")},
		"empty/.keep":  {},
		"other/doc.md": {},
	}); err != nil {
		t.Fatal(err)
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
