// Package cloudasm reads the Lambda functions of a CDK cloud assembly (the
// cdk.out directory `cdk synth` writes) so that durablectl can host the
// whole app on this machine, and synthesizes one from an app's cdk.json.
//
// # What a cloud assembly holds
//
// manifest.json lists the assembly's artifacts. Each stack is an artifact
// of type aws:cloudformation:stack whose templateFile is its
// CloudFormation template; a stage is a nested assembly
// (cdk:cloud-assembly) in a subdirectory. Read walks them all and returns,
// for every AWS::Lambda::Function, what Lambda would run it with: its
// aliases (AWS::Lambda::Alias), environment variables, timeout, memory
// size and, for a durable function, its DurableConfig.
//
// # From a template back to Go source
//
// The template only points at the function's code asset, a bootstrap
// binary built for Lambda's architecture. A DurableFunction records the
// Go main package it was built from in its resource's Metadata (package
// stacks/fnmeta), and Read resolves that entry in the current Go module,
// so the caller can build the function for this machine. A function of a
// custom runtime (provided.al2023, as Go functions are) without that
// record is hosted from the bootstrap of its code asset when this machine
// can run it (Function.Binary); otherwise Read fails with a *NoEntryError
// that says how to record its package. Functions of other runtimes — the
// Node.js handlers the CDK adds for custom resources — cannot be hosted:
// Read lists them in Assembly.Skipped with the reason.
//
// # Environment values
//
// Environment values may be CloudFormation intrinsics. Read resolves the
// ones that name the app's functions — Ref of a function (its name), of
// an alias or a version (their ARNs), Fn::GetAtt of their Arn — and the
// pseudo parameters, inside Fn::Join and Fn::Sub, into the local names
// and ARNs, so a function that invokes another through an ARN from its
// environment reaches the local one. A value naming anything else (a
// queue, a table) cannot be resolved locally; the variable is left out
// and a warning says so.
//
// # Errors
//
// Every problem with the input is a typed error: *NoAssemblyError when
// the directory holds no readable cloud assembly, *AssemblyError when a
// file of it is broken, *ForeignError when the assembly comes from another
// Go module or has no function this app's constructs defined,
// *NoEntryError for a Go function it cannot build or run, and
// *NoDurableError when it has functions but none of them is durable.
package cloudasm
