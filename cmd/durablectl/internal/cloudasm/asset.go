package cloudasm

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Resource metadata the CDK writes: the construct path of the resource,
// and the directory of its asset, relative to the assembly.
const (
	metaPath      = "aws:cdk:path"
	metaAssetPath = "aws:asset:path"
)

// unrecordedName is the name to host a function under whose template
// records no Go package: its FunctionName when the template gives one,
// else its construct id (the path segment above "Resource"), else its
// logical id.
func unrecordedName(logicalID string, res resource, p functionProps) string {
	if name, ok := p.FunctionName.(string); ok && name != "" {
		return name
	}
	var path string
	if json.Unmarshal(res.Metadata[metaPath], &path) == nil {
		parts := strings.Split(path, "/")
		if n := len(parts); n >= 2 && parts[n-1] == "Resource" {
			return parts[n-2]
		}
	}
	return logicalID
}

// assetBootstrap returns the bootstrap of a function's code asset in the
// assembly directory dir, or why there is none this machine can run. The
// asset is the directory the resource's asset metadata names, else
// asset.<hash> for the S3 key <hash>.zip the default synthesizer writes.
func assetBootstrap(dir string, res resource, p functionProps) (string, string) {
	var asset string
	if json.Unmarshal(res.Metadata[metaAssetPath], &asset) != nil || asset == "" {
		key, _ := p.Code.S3Key.(string)
		hash, ok := strings.CutSuffix(key, ".zip")
		if !ok || hash == "" || strings.ContainsAny(hash, `/\`) {
			return "", "its code is not a local asset of the cloud assembly"
		}
		asset = "asset." + hash
	}
	if !filepath.IsAbs(asset) {
		asset = filepath.Join(dir, asset)
	}
	bin := filepath.Join(asset, "bootstrap")
	if err := hostRunnable(bin); err != nil {
		return "", fmt.Sprintf("its asset's bootstrap %s %v", bin, err)
	}
	return bin, ""
}

// elfMachines maps a GOARCH to its ELF machine.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// hostRunnable reports why the file at path is not an executable this
// machine runs: Lambda's bootstrap is a Linux ELF executable.
func hostRunnable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("is missing (%w)", err)
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("is not a Linux executable (%w)", err)
	}
	defer f.Close()
	want, known := elfMachines[runtime.GOARCH]
	switch {
	case runtime.GOOS != "linux":
		return fmt.Errorf("is a Linux executable, and this machine runs %s", runtime.GOOS)
	case !known || f.Machine != want:
		return fmt.Errorf("is built for %s, not for this machine (%s)", f.Machine, runtime.GOARCH)
	case f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN, fi.Mode()&0o111 == 0:
		return fmt.Errorf("is not an executable")
	}
	return nil
}
