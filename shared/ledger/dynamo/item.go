package dynamo

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/ledger"
)

// item is one DynamoDB item. Attribute names are spelled out here, not derived
// from Go field names, so renaming a field in package ledger cannot orphan
// stored data. Times are Unix milliseconds (0 and absent mean the zero time),
// expiries epoch seconds; zero values are left out.
type item = map[string]types.AttributeValue

// Attribute names.
const (
	attrKind        = "kind"
	attrSourceKey   = "source_key"
	attrTargetID    = "target_id"
	attrSourceHash  = "source_hash"
	attrTargetHash  = "target_hash"
	attrSourceMark  = "source_mark"
	attrTargetMark  = "target_mark"
	attrStatus      = "status"
	attrLastError   = "last_error"
	attrFailures    = "failures"
	attrTerminal    = "terminal"
	attrSyncedAt    = "synced_at"
	attrAttrs       = "attrs"
	attrVersion     = "version"
	attrWriteID     = "write_id"
	attrID          = "id"
	attrStarted     = "started"
	attrFinished    = "finished"
	attrTrigger     = "trigger"
	attrDryRun      = "dry_run"
	attrOutcome     = "outcome"
	attrCounts      = "counts"
	attrErrors      = "errors"
	attrKinds       = "kinds"
	attrDetail      = "detail"
	attrDrift       = "drift"
	attrToken       = "token"
	attrActiveSide  = "active_side"
	attrEpoch       = "epoch"
	attrLeaseHolder = "lease_holder"
	attrLeaseExpiry = "lease_expiry"
	attrSwitchID    = "switch_id"
	attrStopBy      = "stop_by"
)

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// key is the primary key of one item.
func key(pk, sk string) item { return item{PartitionKey: str(pk), SortKey: str(sk)} }

// setS and setN add an attribute unless it is the zero value.
func setS(it item, name, v string) {
	if v != "" {
		it[name] = str(v)
	}
}

func setN(it item, name string, v int64) {
	if v != 0 {
		it[name] = num(v)
	}
}

// expiresAt is the TTL of something written at now for ttl: epoch seconds,
// rounded up so it is kept at least ttl; 0 (never) for ttl <= 0.
func expiresAt(now time.Time, ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	ms := now.Add(ttl).UnixMilli()
	return (ms + 999) / 1000
}

// nowSeconds is the largest whole second not after now: an item with
// expires_at <= nowSeconds(now) has expired at now.
func nowSeconds(now time.Time) int64 { return now.Unix() }

// decoder reads attributes of one item and remembers the first bad one.
type decoder struct {
	it  item
	err error
}

func (d *decoder) fail(name string, v types.AttributeValue, want string) {
	if d.err == nil {
		d.err = fmt.Errorf("attribute %s is %T, want %s", name, v, want)
	}
}

// s returns a string attribute, "" if absent.
func (d *decoder) s(name string) string {
	v, ok := d.it[name]
	if !ok {
		return ""
	}
	sv, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		d.fail(name, v, "S")
		return ""
	}
	return sv.Value
}

// n returns a number attribute, 0 if absent.
func (d *decoder) n(name string) int64 {
	v, ok := d.it[name]
	if !ok {
		return 0
	}
	return d.parseN(name, v)
}

func (d *decoder) parseN(name string, v types.AttributeValue) int64 {
	nv, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		d.fail(name, v, "N")
		return 0
	}
	i, err := strconv.ParseInt(nv.Value, 10, 64)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("attribute %s: %w", name, err)
	}
	return i
}

// b returns a boolean attribute, false if absent.
func (d *decoder) b(name string) bool {
	v, ok := d.it[name]
	if !ok {
		return false
	}
	bv, ok := v.(*types.AttributeValueMemberBOOL)
	if !ok {
		d.fail(name, v, "BOOL")
		return false
	}
	return bv.Value
}

// m returns a map attribute's members, nil if absent.
func (d *decoder) m(name string) map[string]types.AttributeValue {
	v, ok := d.it[name]
	if !ok {
		return nil
	}
	mv, ok := v.(*types.AttributeValueMemberM)
	if !ok {
		d.fail(name, v, "M")
		return nil
	}
	return mv.Value
}

// l returns a list attribute's members, nil if absent.
// setStrs adds a list of strings unless it is empty.
func setStrs(it item, name string, vals []string) {
	if len(vals) == 0 {
		return
	}
	l := make([]types.AttributeValue, len(vals))
	for i, v := range vals {
		l[i] = str(v)
	}
	it[name] = &types.AttributeValueMemberL{Value: l}
}

// strs reads a list of strings (setStrs).
func (d *decoder) strs(name string) []string {
	var out []string
	for i, v := range d.l(name) {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			d.fail(fmt.Sprintf("%s[%d]", name, i), v, "S")
			continue
		}
		out = append(out, sv.Value)
	}
	return out
}

func (d *decoder) l(name string) []types.AttributeValue {
	v, ok := d.it[name]
	if !ok {
		return nil
	}
	lv, ok := v.(*types.AttributeValueMemberL)
	if !ok {
		d.fail(name, v, "L")
		return nil
	}
	return lv.Value
}

func encodeRecord(pair string, r ledger.Record, writeID string) item {
	it := key(pairPK(pair), recordSK(r.Kind, r.SourceKey))
	it[attrKind], it[attrSourceKey] = str(r.Kind), str(r.SourceKey)
	setS(it, attrTargetID, r.TargetID)
	setS(it, attrSourceHash, r.SourceHash)
	setS(it, attrTargetHash, r.TargetHash)
	setN(it, attrSourceMark, r.SourceMark)
	setN(it, attrTargetMark, r.TargetMark)
	setS(it, attrStatus, r.Status)
	setS(it, attrLastError, r.LastError)
	setN(it, attrFailures, int64(r.Failures))
	if r.Terminal {
		it[attrTerminal] = &types.AttributeValueMemberBOOL{Value: true}
	}
	setN(it, attrSyncedAt, ledger.Millis(r.SyncedAt))
	if len(r.Attrs) > 0 {
		attrs := make(item, len(r.Attrs))
		for k, v := range r.Attrs {
			attrs[k] = str(v)
		}
		it[attrAttrs] = &types.AttributeValueMemberM{Value: attrs}
	}
	it[attrVersion] = num(r.Version)
	it[attrWriteID] = str(writeID)
	return it
}

func decodeRecord(it item) (ledger.Record, error) {
	d := &decoder{it: it}
	r := ledger.Record{
		Kind: d.s(attrKind), SourceKey: d.s(attrSourceKey), TargetID: d.s(attrTargetID),
		SourceHash: d.s(attrSourceHash), TargetHash: d.s(attrTargetHash),
		SourceMark: d.n(attrSourceMark), TargetMark: d.n(attrTargetMark),
		Status: d.s(attrStatus), LastError: d.s(attrLastError),
		Failures: int(d.n(attrFailures)), Terminal: d.b(attrTerminal),
		SyncedAt: ledger.FromMillis(d.n(attrSyncedAt)), Version: d.n(attrVersion),
	}
	for k, v := range d.m(attrAttrs) {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			d.fail(attrAttrs+"."+k, v, "S")
			continue
		}
		if r.Attrs == nil {
			r.Attrs = map[string]string{}
		}
		r.Attrs[k] = sv.Value
	}
	if d.err != nil {
		return ledger.Record{}, fmt.Errorf("decode record %s: %w", d.s(SortKey), d.err)
	}
	return r, nil
}

func encodeRun(pair string, r ledger.Run, expires int64) item {
	it := key(pairPK(pair), runSK(ledger.Millis(r.Started), r.ID))
	it[attrID] = str(r.ID)
	setN(it, attrStarted, ledger.Millis(r.Started))
	setN(it, attrFinished, ledger.Millis(r.Finished))
	setS(it, attrTrigger, r.Trigger)
	if r.DryRun {
		it[attrDryRun] = &types.AttributeValueMemberBOOL{Value: true}
	}
	setS(it, attrOutcome, string(r.Outcome))
	if len(r.Counts) > 0 {
		counts := make(item, len(r.Counts))
		for k, v := range r.Counts {
			counts[k] = num(int64(v))
		}
		it[attrCounts] = &types.AttributeValueMemberM{Value: counts}
	}
	setStrs(it, attrErrors, r.Errors)
	setStrs(it, attrKinds, r.Kinds)
	if len(r.Detail) > 0 {
		it[attrDetail] = &types.AttributeValueMemberB{Value: r.Detail}
	}
	setN(it, attrDrift, int64(r.Drift))
	setN(it, TTLAttribute, expires)
	return it
}

func decodeRun(it item) (ledger.Run, error) {
	d := &decoder{it: it}
	r := ledger.Run{
		ID: d.s(attrID), Started: ledger.FromMillis(d.n(attrStarted)), Finished: ledger.FromMillis(d.n(attrFinished)),
		Trigger: d.s(attrTrigger), DryRun: d.b(attrDryRun), Outcome: ledger.Outcome(d.s(attrOutcome)),
		Drift: int(d.n(attrDrift)),
	}
	if counts := d.m(attrCounts); counts != nil {
		r.Counts = make(map[string]int, len(counts))
		names := make([]string, 0, len(counts))
		for k := range counts {
			names = append(names, k)
		}
		sort.Strings(names) // so the first bad member reported is always the same
		for _, k := range names {
			r.Counts[k] = int(d.parseN(attrCounts+"."+k, counts[k]))
		}
	}
	r.Errors, r.Kinds = d.strs(attrErrors), d.strs(attrKinds)
	if b, ok := it[attrDetail].(*types.AttributeValueMemberB); ok {
		r.Detail = b.Value
	}
	if d.err != nil {
		return ledger.Run{}, fmt.Errorf("decode run %s: %w", d.s(SortKey), d.err)
	}
	return r, nil
}

// decodeState reads a state item; nil (never written) is the default state.
func decodeState(it item) (ledger.PairState, error) {
	if it == nil {
		return ledger.PairState{ActiveSide: defaultSide}, nil
	}
	d := &decoder{it: it}
	st := ledger.PairState{
		ActiveSide: d.s(attrActiveSide), Epoch: d.n(attrEpoch),
		LeaseHolder: d.s(attrLeaseHolder), LeaseExpiry: ledger.FromMillis(d.n(attrLeaseExpiry)),
		StopBy: d.s(attrStopBy), SwitchID: d.s(attrSwitchID), Version: d.n(attrVersion),
	}
	if d.err != nil {
		return ledger.PairState{}, fmt.Errorf("decode pair state: %w", d.err)
	}
	return st, nil
}
