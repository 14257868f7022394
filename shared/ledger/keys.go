package ledger

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The argument checks and the time encoding every Store shares, so that the
// stores refuse and round-trip alike.

// CheckPair refuses an empty pair name, which would mix pairs' data up.
func CheckPair(pair string) error {
	if pair == "" {
		return errors.New("empty pair name")
	}
	return nil
}

// CheckKey refuses a record key a store could not keep apart from others:
// an empty pair, kind or source key, or a kind holding a separator ('#',
// NUL). Kinds are plain words.
func CheckKey(pair, kind, sourceKey string) error {
	switch {
	case pair == "":
		return errors.New("empty pair name")
	case kind == "" || sourceKey == "":
		return errors.New("empty kind or source key")
	case strings.ContainsAny(kind, "#\x00"):
		return fmt.Errorf("kind %q contains '#' or NUL", kind)
	}
	return nil
}

// CheckPending checks the keys of AddPending and ClearPending.
func CheckPending(pair string, keys []PendingKey) error {
	if err := CheckPair(pair); err != nil {
		return err
	}
	for _, k := range keys {
		if err := CheckKey(pair, k.Kind, k.Key); err != nil {
			return fmt.Errorf("pending key: %w", err)
		}
	}
	return nil
}

// CheckReplKey refuses a replication item without its pair or locations.
func CheckReplKey(pair, source, target string) error {
	if pair == "" || source == "" || target == "" {
		return errors.New("empty pair, source or target")
	}
	return nil
}

// Millis encodes t as Unix milliseconds, the precision every store keeps;
// the zero time is 0 (so 1970-01-01T00:00:00Z reads back as the zero time,
// which no ledger time can be).
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis decodes Millis, in UTC.
func FromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
