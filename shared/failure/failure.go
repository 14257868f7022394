// Package failure classifies errors once, by what drsync should do about
// them, from the typed errors the SDKs, the ledger and the run return: retry
// now (transient), later (throttled), never until the input changes
// (terminal), look before repeating (ambiguous), or stop writing at once
// (fenced). Callers branch on the class, never on an error's text.
package failure

import (
	"context"
	"errors"
	"net"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/databricks/databricks-sdk-go/apierr"

	"github.com/drsync/drsync/shared/ledger"
)

// Class is what to do about an error.
type Class uint8

// Classes, from the most to the least common.
const (
	// Terminal: the same call with the same input fails the same way (a bad
	// request, a permission, a missing reference). Record it; retry only when
	// the source object changes.
	Terminal Class = iota
	// Transient: a server or network hiccup (5xx, a reset connection). Retry
	// a bounded number of times within the run.
	Transient
	// Throttled: the service shed load (429) and the SDK's own backoff ran
	// out. Leave it for the next run.
	Throttled
	// Ambiguous: the request went out and no answer came back, so it may
	// have taken effect. Look for its result before repeating a create.
	Ambiguous
	// Fenced: the run lost its lease, or a failover raised the epoch. Stop
	// writing at once.
	Fenced
	// Credentials: a workspace refused the run's credentials (a rotated or
	// revoked token). Stop; a run with freshly read credentials may pass.
	Credentials
	// Stopped: the run's context ended (deadline, cancellation); not the
	// object's fault.
	Stopped
)

var names = [...]string{"terminal", "transient", "throttled", "ambiguous", "fenced", "credentials", "stopped"}

func (c Class) String() string {
	if int(c) < len(names) {
		return names[c]
	}
	return "unknown"
}

// MarshalText writes the class's name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ErrCredentials marks a refusal that a workspace's own identity call
// confirmed: the credentials, not one object's permissions, are refused.
var ErrCredentials = errors.New("the workspace refused the credentials")

// ErrAmbiguous marks a request that was written to the connection before the
// connection failed: the server may have done it (see connect's transport).
var ErrAmbiguous = errors.New("the request was sent but no answer came back: it may have taken effect")

// Of classifies err (nil is Terminal; do not ask).
func Of(err error) Class {
	switch {
	case errors.Is(err, ledger.ErrFenced), errors.Is(err, ledger.ErrLeaseLost):
		return Fenced
	case errors.Is(err, ErrCredentials), errors.Is(err, apierr.ErrUnauthenticated):
		return Credentials
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Stopped
	case errors.Is(err, ErrAmbiguous):
		return Ambiguous
	case errors.Is(err, apierr.ErrTooManyRequests):
		return Throttled
	case errors.Is(err, apierr.ErrTemporarilyUnavailable), errors.Is(err, apierr.ErrDeadlineExceeded),
		errors.Is(err, apierr.ErrInternalError) && !errors.Is(err, apierr.ErrDataLoss):
		return Transient
	}
	var api *apierr.APIError
	if errors.As(err, &api) {
		if api.StatusCode >= 500 {
			return Transient // 502 and other gateway pages the mapping leaves generic
		}
		return Terminal
	}
	if c, ok := ofAWS(err); ok {
		return c
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return Transient
	}
	return Terminal
}

// ofAWS classifies an AWS SDK error whose retries ran out (the ledger's
// DynamoDB, SNS, Secrets Manager): a throttling code (DynamoDB's
// ProvisionedThroughputExceededException, ThrottlingException, ...) is
// Throttled, any other 5xx answer Transient; ok is false for an error that
// carries no AWS answer.
func ofAWS(err error) (c Class, ok bool) {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return Throttled, true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		if re.HTTPStatusCode() >= 500 {
			return Transient, true
		}
		return Terminal, true
	}
	return Terminal, false
}

// Retryable reports whether a bounded retry within the run may help.
func Retryable(err error) bool { return Of(err) == Transient }
