// Package rie runs Go Lambda functions for tests the way Lambda runs them:
// Build (or Compile, for several in one build) compiles a main package into a
// bootstrap, and Start serves it under the AWS Lambda Runtime Interface
// Emulator (the `aws-lambda-rie` tool of go.mod) on loopback ports, behind a
// front that passes it one invoke at a time; Invoke tells the function's
// answer from its error. Everything is stopped when the test (or the
// fixture.Run) that started it ends, or earlier by Stop.
//
//	fn := rie.Start(t, rie.Build(t, "github.com/drsync/drsync/functions/sync"), rie.Options{
//		Name: "drsync-sync",
//		Env:  map[string]string{"AWS_REGION": "us-east-1"},
//	})
//	resp, err := http.Post(fn.URL(), "application/json", strings.NewReader(`{}`))
//
// The RIE answers a function error with HTTP 200 and the Lambda error
// document ({"errorType", "errorMessage"}) but, unlike Lambda, without an
// X-Amz-Function-Error header; a timeout is the plain text "Task timed out
// after N seconds". Linux only, like the RIE.
package rie
