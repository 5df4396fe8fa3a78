package main

import (
	"path/filepath"
	"regexp"
	"strings"
)

// seedPackage is the package run and serve host by default: the seed
// workflow, registered as seedFunctionName.
const (
	seedPackage      = "./lambda"
	seedFunctionName = "seed"
)

// functionName returns the name the hosted function is registered under:
// --function-name, else the function's own name — that of the package's
// directory ("seed" for the seed workflow), or of a --binary file (its
// directory's when the file has Lambda's name, bootstrap) — made a valid
// Lambda function name.
func (f *functionFlags) functionName() string {
	if f.name != "" {
		return f.name
	}
	var base string
	switch {
	case f.binary != "":
		base = filepath.Base(f.binary)
		if strings.TrimSuffix(base, filepath.Ext(base)) == "bootstrap" {
			base = dirName(filepath.Dir(f.binary))
		}
		base = strings.TrimSuffix(base, filepath.Ext(base))
	case filepath.Clean(f.pkg) == filepath.Clean(seedPackage):
		return seedFunctionName
	case strings.HasPrefix(f.pkg, ".") || filepath.IsAbs(f.pkg):
		base = dirName(f.pkg)
	default: // an import path
		base = f.pkg[strings.LastIndex(f.pkg, "/")+1:]
	}
	return functionNameOf(base)
}

// dirName returns the name of directory dir, resolving "." and "..".
func dirName(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Base(dir)
}

// invalidNameChars are the characters a Lambda function name cannot hold.
var invalidNameChars = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// functionNameOf makes s a valid function name: 1 to 64 characters of
// [a-zA-Z0-9_-], others replaced by "-"; "function" when nothing is left.
func functionNameOf(s string) string {
	s = strings.Trim(invalidNameChars.ReplaceAllString(s, "-"), "-")
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		return "function"
	}
	return s
}
