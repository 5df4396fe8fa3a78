// Package apptest tests `durablectl serve --cdk-out` end to end: it
// synthesizes a CDK stack of two durable functions and a plain one
// (testdata/caller invokes testdata/callee and testdata/plain, a
// stacks.GoFunction, through their aliases) with package stacks in
// process, serves the cloud assembly with the durablectl binary on
// virtual time, and drives it with the AWS CLI: the durable functions'
// executions, and the plain function invoked directly.
//
// It is a package of its own because its tests need Node.js (the CDK runs
// in it through jsii), which durablectl's other tests do not.
package apptest
