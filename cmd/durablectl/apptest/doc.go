// Package apptest tests `durablectl serve --cdk-out` end to end: it
// synthesizes a CDK stack of two durable functions, one invoking the
// other (testdata/caller and testdata/callee), with package stacks in
// process, serves the cloud assembly with the durablectl binary on
// virtual time, and drives it with the AWS CLI.
//
// It is a package of its own because its tests need Node.js (the CDK runs
// in it through jsii), which durablectl's other tests do not.
package apptest
