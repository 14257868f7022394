package emulator

import (
	"net/http"
	"strconv"
)

// tokenPage is one page of a token-paginated list (warehouses, pipelines,
// notification destinations): items [lo, hi) and the next page's token, ""
// on the last page, which is how the SDK knows to stop (part 1 §1.7). The
// token is the next offset; a token that does not parse is refused.
func tokenPage(r *http.Request, n, pageSize int) (lo, hi int, next string, err error) {
	if t := r.URL.Query().Get("page_token"); t != "" {
		lo, err = strconv.Atoi(t)
		if err != nil || lo < 0 {
			return 0, 0, "", invalidParam("Invalid page_token: %s", t)
		}
	}
	lo = min(lo, n)
	hi = n
	if pageSize > 0 {
		hi = min(lo+pageSize, n)
	}
	if hi < n {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next, nil
}

// newUUID is a random version-4 UUID from the server's seeded rng (call with
// s.mu held), as pipeline and notification destination ids are.
func (s *Server) newUUID() string {
	const hex = "0123456789abcdef"
	b := []byte(s.randString(hex, 32))
	b[12] = '4'
	b[16] = hex[8+s.rng.IntN(4)]
	return string(b[:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:])
}
