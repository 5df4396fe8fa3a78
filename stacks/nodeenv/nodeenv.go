// Package nodeenv silences the jsii runtime's "Node 20 is end-of-life"
// banner by setting JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 unless
// the variable is already set. Import it for its side effect:
//
//	import _ "github.com/acme/durable-lambda-go/stacks/nodeenv"
//
// The variable has to be set before the CDK packages initialize: their
// init functions register types with the jsii kernel client, which copies
// the environment for its Node.js child process right then, before main or
// TestMain runs. Go initializes packages in import-path order, each after
// its own imports; this package imports only os and its path sorts before
// github.com/aws/..., so its init runs first.
package nodeenv

import "os"

// Variable is the environment variable the jsii runtime reads; its value
// lists the Node.js major versions whose end-of-life banner to skip.
const Variable = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"

func init() {
	if _, ok := os.LookupEnv(Variable); !ok {
		// Setenv fails only for a malformed name, and Variable is well formed.
		_ = os.Setenv(Variable, "20")
	}
}
