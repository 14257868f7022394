package emulator

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
)

// clusters/events (POST, body GetEvents): a cluster's event log, newest first
// unless order is ASC, filtered by start_time, end_time and event_types. Two
// ways to page, as the API has them: the deprecated offset/limit (limit
// default 50, at most 500) and page_token/page_size (0-500, out-of-range
// values clamped). The SDK (v0.118.0) pages by following next_page, the
// request for the next page, so next_page is sent in both modes; page-token
// mode adds next_page_token and prev_page_token, offset mode total_count.

// eventsQuery is a parsed GetEvents body.
type eventsQuery struct {
	ClusterID  string   `json:"cluster_id"`
	StartTime  int64    `json:"start_time,omitempty"`
	EndTime    int64    `json:"end_time,omitempty"`
	EventTypes []string `json:"event_types,omitempty"`
	Order      string   `json:"order,omitempty"`
	Offset     int64    `json:"offset,omitempty"`
	Limit      int64    `json:"limit,omitempty"`
	PageSize   int64    `json:"page_size,omitempty"`
	PageToken  string   `json:"page_token,omitempty"`
}

const (
	eventsDefaultLimit = 50
	eventsMaxLimit     = 500
)

func (s *Server) clustersEvents(r *http.Request) (any, error) {
	var q eventsQuery
	if err := readJSON(r, &q); err != nil {
		return nil, err
	}
	if err := q.normalise(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupCluster(q.ClusterID)
	if err != nil {
		return nil, err
	}
	return q.page(q.matching(c.events)), nil
}

// normalise checks order and limit, applies their defaults and turns a page
// token into an offset.
func (q *eventsQuery) normalise() error {
	switch q.Order {
	case "":
		q.Order = "DESC"
	case "ASC", "DESC":
	default:
		return invalidParam("Invalid order: %s", q.Order)
	}
	if q.Limit < 0 || q.Limit > eventsMaxLimit || q.Offset < 0 {
		return invalidParam("limit must be between 1 and %d and offset not negative, got limit %d offset %d", eventsMaxLimit, q.Limit, q.Offset)
	}
	if q.Limit == 0 {
		q.Limit = eventsDefaultLimit
	}
	if q.PageToken != "" || q.PageSize != 0 {
		q.PageSize = min(max(q.PageSize, 0), eventsMaxLimit)
		if q.PageSize == 0 {
			q.PageSize = eventsDefaultLimit
		}
		return q.decodeToken()
	}
	return nil
}

func (q *eventsQuery) decodeToken() error {
	if q.PageToken == "" {
		q.Offset = 0
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(q.PageToken)
	n, err2 := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || err2 != nil || n < 0 {
		return invalidParam("Invalid page_token: %s", q.PageToken)
	}
	q.Offset = n
	return nil
}

// matching returns the matching events in the requested order.
func (q *eventsQuery) matching(log []clusterEvent) []clusterEvent {
	var out []clusterEvent
	for _, e := range log {
		if (q.StartTime == 0 || e.at >= q.StartTime) && (q.EndTime == 0 || e.at <= q.EndTime) &&
			(len(q.EventTypes) == 0 || slices.Contains(q.EventTypes, e.typ)) {
			out = append(out, e)
		}
	}
	if q.Order == "DESC" {
		slices.Reverse(out)
	}
	return out
}

// page cuts one page out of events and says how to ask for the next.
func (q eventsQuery) page(events []clusterEvent) compDoc {
	size := q.Limit
	if q.PageSize > 0 {
		size = q.PageSize
	}
	lo := min(q.Offset, int64(len(events)))
	hi := min(lo+size, int64(len(events)))
	out := compDoc{}
	if hi > lo {
		items := make([]compDoc, 0, hi-lo)
		for _, e := range events[lo:hi] {
			items = append(items, compDoc{"cluster_id": q.ClusterID, "timestamp": e.at, "type": e.typ, "details": e.details.clone()})
		}
		out["events"] = items
	}
	if q.PageSize == 0 {
		out["total_count"] = len(events)
	}
	if hi < int64(len(events)) {
		out["next_page"] = q.next(hi)
		if q.PageSize > 0 {
			out["next_page_token"] = eventsToken(hi)
		}
	}
	if lo > 0 && q.PageSize > 0 {
		out["prev_page_token"] = eventsToken(max(0, lo-size))
	}
	return out
}

// next is the request for the page starting at offset.
func (q eventsQuery) next(offset int64) eventsQuery {
	n := q
	if q.PageSize > 0 {
		n.PageToken, n.Offset = eventsToken(offset), 0
	} else {
		n.Offset = offset
	}
	return n
}

func eventsToken(offset int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(offset, 10)))
}
