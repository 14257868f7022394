// Command probe is the Lambda function the harness's own tests run under the
// RIE. Its input's "do" picks what it does, so one binary plays every case:
//
//	{}                              succeed: {"ok":true,"calls":n,"input":<the event>}
//	{"do":"fail"}                   fail with *ReadinessError (errorType "ReadinessError")
//	{"do":"throttle","key":k,"times":n}
//	                                fail with *ThrottledError on the first n calls for key k, then succeed
//	{"do":"hang"}                   never answer (the RIE's timeout ends it)
package main

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// ReadinessError is a typed failure a Catch can match by name.
type ReadinessError struct{ Reason string }

func (e *ReadinessError) Error() string { return "not ready: " + e.Reason }

// ThrottledError is a typed transient failure a Retry can match by name.
type ThrottledError struct{ Call int }

func (e *ThrottledError) Error() string { return "throttled" }

type input struct {
	Do    string `json:"do"`
	Key   string `json:"key"`
	Times int    `json:"times"`
}

type output struct {
	OK    bool            `json:"ok"`
	Calls int             `json:"calls"`
	Input json.RawMessage `json:"input"`
}

// calls counts invocations per key for the life of the runtime process,
// which the RIE keeps between invokes.
var (
	mu    sync.Mutex
	calls = map[string]int{}
)

func handle(ctx context.Context, event json.RawMessage) (*output, error) {
	var in input
	if err := json.Unmarshal(event, &in); err != nil {
		return nil, err
	}
	mu.Lock()
	calls[in.Key]++
	n := calls[in.Key]
	mu.Unlock()
	switch in.Do {
	case "fail":
		return nil, &ReadinessError{Reason: "target workspace unreachable"}
	case "throttle":
		if n <= in.Times {
			return nil, &ThrottledError{Call: n}
		}
	case "hang":
		// Deliberately deaf to ctx: a stuck function is what is simulated,
		// and the RIE's timeout kills it.
		time.Sleep(time.Hour)
	}
	return &output{OK: true, Calls: n, Input: event}, nil
}

func main() { lambda.Start(handle) }
