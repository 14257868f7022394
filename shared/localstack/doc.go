// Package localstack runs drsync's Lambda functions locally as they are
// deployed: built as Lambda builds them, each under its own Lambda Runtime
// Interface Emulator (package rie), with the environment of handlertest's
// stack (moto, two emulated workspaces, the source seeded with the sample
// estate); and the runbook's state machine, read from the synthesized
// baseline template, run by aws-local-stepfunctions (package sfntest) over
// the failover function. The functions' end-to-end tests and the commands
// behind `make drill` and `make invoke-*` share it.
//
// A test package's TestMain is Main; a command runs its work through Run,
// which stops moto and removes the builds when the work ends. Linux only,
// like the RIE.
package localstack
