package crrtest

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
)

// replicationConfig is the part of a bucket's replication configuration the
// replicator acts on. The bench stores the XML body as it was PUT and returns
// it unchanged; this is only its reading.
type replicationConfig struct {
	Role  string `xml:"Role"`
	Rules []rule `xml:"Rule"`
}

type rule struct {
	ID       string `xml:"ID"`
	Priority int    `xml:"Priority"`
	Status   string `xml:"Status"`
	// Prefix is the V1 (filterless) form; such rules also replicate delete
	// markers, as S3 keeps doing for configurations written before V2.
	Prefix                  *string      `xml:"Prefix"`
	Filter                  *ruleFilter  `xml:"Filter"`
	DeleteMarkerReplication *statusField `xml:"DeleteMarkerReplication"`
	SourceSelectionCriteria *struct {
		SseKmsEncryptedObjects *statusField `xml:"SseKmsEncryptedObjects"`
	} `xml:"SourceSelectionCriteria"`
	Destination struct {
		Bucket                  string `xml:"Bucket"`
		EncryptionConfiguration *struct {
			ReplicaKmsKeyID string `xml:"ReplicaKmsKeyID"`
		} `xml:"EncryptionConfiguration"`
		ReplicationTime *statusField `xml:"ReplicationTime"`
		Metrics         *statusField `xml:"Metrics"`
	} `xml:"Destination"`
}

type ruleFilter struct {
	Prefix *string   `xml:"Prefix"`
	Tag    *struct{} `xml:"Tag"`
	And    *struct {
		Prefix *string    `xml:"Prefix"`
		Tags   []struct{} `xml:"Tag"`
	} `xml:"And"`
}

type statusField struct {
	Status string `xml:"Status"`
}

func (s *statusField) enabled() bool { return s != nil && s.Status == "Enabled" }

// parseReplication reads and validates a PutBucketReplication body the way
// S3 does for what the bench models. Errors: malformed XML, a rule without a
// destination bucket ARN, SSE-KMS opt-in without a replica key, RTC without
// metrics.
func parseReplication(body []byte) (*replicationConfig, error) {
	var c replicationConfig
	if err := xml.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("malformed replication configuration: %w", err)
	}
	if len(c.Rules) == 0 {
		return nil, fmt.Errorf("a replication configuration needs at least one rule")
	}
	for _, r := range c.Rules {
		if _, ok := bucketOfARN(r.Destination.Bucket); !ok {
			return nil, fmt.Errorf("rule %q: destination bucket must be an ARN arn:aws:s3:::name, got %q", r.ID, r.Destination.Bucket)
		}
		if r.kmsOptIn() && (r.Destination.EncryptionConfiguration == nil || r.Destination.EncryptionConfiguration.ReplicaKmsKeyID == "") {
			return nil, fmt.Errorf("rule %q: ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present", r.ID)
		}
		if r.Destination.ReplicationTime.enabled() && !r.Destination.Metrics.enabled() {
			return nil, fmt.Errorf("rule %q: Replication Time Control requires Metrics to be enabled", r.ID)
		}
	}
	return &c, nil
}

// bucketOfARN returns the bucket an S3 bucket ARN names.
func bucketOfARN(arn string) (string, bool) {
	i := strings.LastIndex(arn, ":::")
	if !strings.HasPrefix(arn, "arn:") || i < 0 || arn[i+3:] == "" {
		return "", false
	}
	return arn[i+3:], true
}

func (r rule) kmsOptIn() bool {
	return r.SourceSelectionCriteria != nil && r.SourceSelectionCriteria.SseKmsEncryptedObjects.enabled()
}

// v1 reports a rule in the filterless V1 form.
func (r rule) v1() bool { return r.Filter == nil && r.Prefix != nil }

// matches reports whether the rule selects key. Tag filters never match: the
// bench's objects carry no tags.
func (r rule) matches(key string) bool {
	if r.Status != "Enabled" {
		return false
	}
	switch {
	case r.v1():
		return strings.HasPrefix(key, *r.Prefix)
	case r.Filter == nil:
		return true
	case r.Filter.Tag != nil || (r.Filter.And != nil && len(r.Filter.And.Tags) > 0):
		return false
	case r.Filter.And != nil:
		return r.Filter.And.Prefix == nil || strings.HasPrefix(key, *r.Filter.And.Prefix)
	case r.Filter.Prefix != nil:
		return strings.HasPrefix(key, *r.Filter.Prefix)
	}
	return true
}

// replicatesDeletes reports whether a delete marker under the rule is
// replicated: V1 rules always, V2 rules only when enabled.
func (r rule) replicatesDeletes() bool {
	return r.v1() || r.DeleteMarkerReplication.enabled()
}

// ruleFor returns the enabled rule of highest priority that selects key.
func (c *replicationConfig) ruleFor(key string) (rule, bool) {
	var found []rule
	for _, r := range c.Rules {
		if r.matches(key) {
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		return rule{}, false
	}
	return slices.MaxFunc(found, func(a, b rule) int { return a.Priority - b.Priority }), true
}
