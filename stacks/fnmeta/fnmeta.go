// Package fnmeta defines the metadata a function's CloudFormation resource
// carries so that its Go source can be found again from the synthesized
// template.
//
// A synthesized template only points at the function's code asset: for a
// DurableFunction, a bootstrap binary cross-built for Lambda (linux/arm64
// by default) that this machine may not be able to run. To host the same
// function locally (`durablectl serve --app`), a tool needs the Go main
// package it was built from, so the construct records it in the resource's
// Metadata under Key:
//
//	"DurableFunctionF00D1234": {
//	  "Type": "AWS::Lambda::Function",
//	  "Metadata": {
//	    "durable-lambda-go:function": {
//	      "Name": "Approvals",
//	      "Module": "github.com/acme/durable-lambda-go",
//	      "Entry": "cmd/approvals"
//	    }
//	  },
//	  ...
//
// The package is a leaf with no dependencies, so that a tool reading
// templates does not link the CDK that writes them.
package fnmeta

// Key is the key of Function in a resource's Metadata.
const Key = "durable-lambda-go:function"

// Function is what the template records about a Go function's source.
type Function struct {
	// Name is the name the function is hosted under locally: the
	// construct's id (CloudFormation generates the deployed name).
	Name string `json:"Name"`
	// Module is the path of the Go module the function was synthesized
	// in (the module line of its go.mod); empty outside a module.
	Module string `json:"Module,omitempty"`
	// Entry is the directory of the function's Go main package, relative
	// to the module's root and with forward slashes, or an absolute path
	// when the package lies outside the module.
	Entry string `json:"Entry"`
}
