package awsconn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
)

// GetSecretValue reads what the SDK's client stored, a string or binary
// data; a missing secret is the SDK's error with Secrets Manager's code.
func TestSecretsGetSecretValue(t *testing.T) {
	t.Parallel()
	cfg := awstest.Start(t).Config(t)
	sm := secretsmanager.NewFromConfig(cfg)
	str, err := sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("awsconn/string"), SecretString: aws.String(`{"token":"dapi-1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	bin, err := sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("awsconn/binary"), SecretBinary: []byte{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	r := awsconn.NewSecrets(cfg)
	if v, err := r.GetSecretValue(t.Context(), *str.ARN); err != nil || v.String == nil || *v.String != `{"token":"dapi-1"}` {
		t.Errorf("string secret: %+v, %v", v, err)
	}
	if v, err := r.GetSecretValue(t.Context(), *bin.ARN); err != nil || v.String != nil || !bytes.Equal(v.Binary, []byte{0, 1, 2}) {
		t.Errorf("binary secret: %+v, %v", v, err)
	}
	_, err = r.GetSecretValue(t.Context(), *str.ARN+"-gone")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" || !strings.Contains(err.Error(), "GetSecretValue") {
		t.Errorf("missing secret: %v, want the API error ResourceNotFoundException", err)
	}
}

// A secret is read in the region its ARN names, whatever the config's: a
// DR stack may read the primary region's secrets, and Secrets Manager
// answers only in the secret's region (moto, like AWS, keeps secrets per
// region).
func TestSecretsReadsTheARNsRegion(t *testing.T) {
	t.Parallel()
	cfg := awstest.Start(t).Config(t)
	west := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.Region = "us-west-2" })
	out, err := west.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("awsconn/west"), SecretString: aws.String("w")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region == "us-west-2" {
		t.Fatal("the test needs a config of another region")
	}
	if v, err := awsconn.NewSecrets(cfg).GetSecretValue(t.Context(), *out.ARN); err != nil || *v.String != "w" {
		t.Errorf("secret %s read from a %s config: %+v, %v", *out.ARN, cfg.Region, v, err)
	}
}

// The call is the one the SDK's client makes: same method, path, protocol
// headers and body, signed for the same service and region.
func TestSecretsSendsWhatTheSDKSends(t *testing.T) {
	t.Parallel()
	moto := awstest.Start(t)
	rec := newRecorder(t, moto.URL())
	cfg := awstest.ConfigAt(t, rec.srv.URL)
	name := "awsconn/wire"
	if _, err := secretsmanager.NewFromConfig(cfg).CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := awsconn.NewSecrets(cfg).GetSecretValue(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	sdk, ours := rec.last(2), rec.last(1)
	if sdk.method != ours.method || sdk.path != ours.path || sdk.scope != ours.scope ||
		sdk.contentType != ours.contentType || sdk.target != ours.target || !sameJSON(t, sdk.body, ours.body) {
		t.Errorf("the SDK sent %+v\nwe sent %+v", sdk, ours)
	}
}

// Throttling is retried with the config's retryer, as the SDK's client
// retries it; a refusal is not.
func TestSecretsRetries(t *testing.T) {
	t.Parallel()
	moto := awstest.Start(t)
	name := "awsconn/retried"
	if _, err := secretsmanager.NewFromConfig(moto.Config(t)).CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	proxy := awstest.NewProxy(t, moto.URL())
	r := awsconn.NewSecrets(awstest.ConfigAt(t, proxy.URL()))
	proxy.Inject(2, awstest.Fault{Status: http.StatusBadRequest, Body: `{"__type":"ThrottlingException","message":"Rate exceeded"}`})
	if v, err := r.GetSecretValue(t.Context(), name); err != nil || *v.String != "v" {
		t.Fatalf("after two throttles: %+v, %v", v, err)
	}
	if n := proxy.Calls("GetSecretValue"); n != 3 {
		t.Errorf("calls = %d, want 3 (two retried throttles)", n)
	}
	proxy.Inject(1, awstest.Fault{Status: http.StatusBadRequest, Body: `{"__type":"AccessDeniedException","message":"no"}`})
	_, err := r.GetSecretValue(t.Context(), name)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" {
		t.Errorf("refused: %v, want the API error AccessDeniedException", err)
	}
	if n := proxy.Calls("GetSecretValue"); n != 4 {
		t.Errorf("calls = %d, want 4 (the refusal not retried)", n)
	}
}

// request is what a recorder keeps of one request.
type request struct {
	method, path, scope, contentType, target, body string
}

// recorder is a reverse proxy in front of moto that keeps every request.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []request
}

func newRecorder(t *testing.T, target string) *recorder {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		r.seen = append(r.seen, request{method: req.Method, path: req.URL.Path, scope: scope(req.Header.Get("Authorization")),
			contentType: req.Header.Get("Content-Type"), target: req.Header.Get("X-Amz-Target"), body: string(body)})
		r.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// last is the n-th request from the end.
func (r *recorder) last(n int) request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[len(r.seen)-n]
}

// scope is the credential scope of a SigV4 Authorization header, without
// the date: "<key>/<region>/<service>/aws4_request".
func scope(auth string) string {
	cred, _, _ := strings.Cut(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 Credential="), ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return auth
	}
	return strings.Join([]string{parts[0], parts[2], parts[3], parts[4]}, "/")
}

// sameJSON reports whether a and b are the same JSON document.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}
