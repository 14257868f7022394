package crrtest

import (
	"encoding/xml"
	"net/http"
)

// serveReplication answers GET, PUT and DELETE ?replication, storing the
// configuration exactly as PUT (moto returns a canned rule instead). PUT is
// refused as S3 refuses it: no bucket, versioning not enabled, a malformed
// or invalid configuration, a destination that does not exist or is not
// versioned.
func (s *service) serveReplication(w http.ResponseWriter, r *http.Request, bucket string) {
	if !s.exists(bucket) {
		writeError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", bucket)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		stored, ok := s.replication[bucket]
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "ReplicationConfigurationNotFoundError", "The replication configuration was not found", bucket)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(stored.raw)
	case http.MethodPut:
		s.putReplication(w, r, bucket)
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.replication, bucket)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *service) putReplication(w http.ResponseWriter, r *http.Request, bucket string) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "IncompleteBody", err.Error(), bucket)
		return
	}
	if !s.versioned(bucket) {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a replication configuration", bucket)
		return
	}
	cfg, err := parseReplication(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error(), bucket)
		return
	}
	for _, rule := range cfg.Rules {
		dst, _ := bucketOfARN(rule.Destination.Bucket)
		switch {
		case !s.exists(dst):
			writeError(w, http.StatusBadRequest, "InvalidRequest", "Destination bucket must exist.", bucket)
			return
		case !s.versioned(dst):
			writeError(w, http.StatusBadRequest, "InvalidRequest", "Destination bucket must have versioning enabled.", bucket)
			return
		}
	}
	s.mu.Lock()
	s.replication[bucket] = storedReplication{raw: body, cfg: cfg}
	s.mu.Unlock()
}

// defaultEncryption is what GetBucketEncryption returns for a bucket that
// never had one set: since January 2023 every bucket encrypts with SSE-S3.
const defaultEncryption = `<ServerSideEncryptionConfiguration xmlns="` + s3Namespace + `"><Rule>` +
	`<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>` +
	`<BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`

// serveEncryption answers GET, PUT and DELETE ?encryption; a stored SSE-KMS
// default is applied to later writes that name no encryption.
func (s *service) serveEncryption(w http.ResponseWriter, r *http.Request, bucket string) {
	if !s.exists(bucket) {
		writeError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", bucket)
		return
	}
	switch r.Method {
	case http.MethodGet:
		raw := []byte(defaultEncryption)
		if stored := s.encryptionOf(bucket); stored.raw != nil {
			raw = stored.raw
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(raw)
	case http.MethodPut:
		s.putEncryption(w, r, bucket)
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.encryption, bucket)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *service) putEncryption(w http.ResponseWriter, r *http.Request, bucket string) {
	body, err := readBody(r)
	var doc struct {
		Rule struct {
			Default struct {
				Algorithm string `xml:"SSEAlgorithm"`
				KeyID     string `xml:"KMSMasterKeyID"`
			} `xml:"ApplyServerSideEncryptionByDefault"`
		} `xml:"Rule"`
	}
	if err == nil {
		err = xml.Unmarshal(body, &doc)
	}
	if err != nil || doc.Rule.Default.Algorithm == "" {
		writeError(w, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", bucket)
		return
	}
	s.mu.Lock()
	s.encryption[bucket] = storedEncryption{raw: body, algorithm: doc.Rule.Default.Algorithm, keyID: doc.Rule.Default.KeyID}
	s.mu.Unlock()
}

// applyDefaultEncryption gives a write without its own SSE header the
// bucket's SSE-KMS default, as S3 does (SSE-S3 needs no header here).
func (s *service) applyDefaultEncryption(r *http.Request, bucket string) {
	enc := s.encryptionOf(bucket)
	if r.Header.Get(headerSSE) != "" || enc.algorithm == "" || enc.algorithm == "AES256" {
		return
	}
	r.Header.Set(headerSSE, enc.algorithm)
	if enc.keyID != "" {
		r.Header.Set(headerSSEKey, enc.keyID)
	}
}

// serveLocation answers GetBucketLocation; us-east-1 is the empty constraint.
func (s *service) serveLocation(w http.ResponseWriter, bucket string) {
	if !s.exists(bucket) {
		writeError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", bucket)
		return
	}
	region := s.regionOf(bucket)
	if region == "us-east-1" {
		region = ""
	}
	w.Header().Set("Content-Type", "application/xml")
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		Xmlns   string   `xml:"xmlns,attr"`
		Region  string   `xml:",chardata"`
	}{Xmlns: s3Namespace, Region: region})
}

// serveCreateBucket creates the bucket in gofakes3 and remembers its region:
// the LocationConstraint, else the endpoint's own.
func (s *service) serveCreateBucket(w http.ResponseWriter, r *http.Request, bucket, region string) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "IncompleteBody", err.Error(), bucket)
		return
	}
	var doc struct {
		LocationConstraint string `xml:"LocationConstraint"`
	}
	if len(body) > 0 && xml.Unmarshal(body, &doc) == nil && doc.LocationConstraint != "" {
		region = doc.LocationConstraint
	}
	rec := &codeWriter{ResponseWriter: w, code: http.StatusOK}
	s.fake.ServeHTTP(rec, r)
	if rec.code < 300 {
		s.mu.Lock()
		s.regions[bucket] = region
		s.mu.Unlock()
	}
}
