package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// Notification destinations (reference part 2 §7): list, get, create,
// update (PATCH), delete. The config holds exactly one variant; every
// non-email input is write-only and comes back as a *_set flag. The type is
// fixed at create.

type destinationState struct {
	byID  map[string]*destination
	order []*destination
}

type destination struct {
	id, name, typ string
	config        compDoc // the variant's stored inputs, e.g. {"url": "…"}
}

func newDestinationState() *destinationState {
	return &destinationState{byID: map[string]*destination{}}
}

// destinationVariants maps each config key to its destination_type and its
// write-only fields (email's addresses are returned as sent).
var destinationVariants = map[string]struct {
	typ    string
	secret []string
}{
	"email":           {"EMAIL", nil},
	"slack":           {"SLACK", []string{"url", "channel_id", "oauth_token"}},
	"generic_webhook": {"WEBHOOK", []string{"url", "username", "password"}},
	"pagerduty":       {"PAGERDUTY", []string{"integration_key"}},
	"microsoft_teams": {"MICROSOFT_TEAMS", []string{"url", "app_id", "auth_secret", "tenant_id", "channel_url"}},
}

func (s *Server) destinationRoutes() {
	p := "/api/2.0/notification-destinations"
	s.route(http.MethodGet, p, s.destinationsList)
	s.route(http.MethodPost, p, s.destinationsCreate)
	s.route(http.MethodGet, p+"/{id}", s.destinationsGet)
	s.route(http.MethodPatch, p+"/{id}", s.destinationsUpdate)
	s.route(http.MethodDelete, p+"/{id}", s.destinationsDelete)
}

// SeedDestination creates a destination from a create body; returns its id.
func (s *Server) SeedDestination(body []byte) (string, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.createDestination(doc)
	if err != nil {
		return "", err
	}
	return d.id, nil
}

func (s *Server) destinationsCreate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.createDestination(doc)
	if err != nil {
		return nil, err
	}
	return d.view(), nil
}

// createDestination: display_name required; duplicate names are allowed
// [RECALL, §7].
func (s *Server) createDestination(doc compDoc) (*destination, error) {
	name, err := doc.str("display_name")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, invalidParam("Missing required field: display_name")
	}
	cfg, err := doc.obj("config")
	if err != nil {
		return nil, err
	}
	key, variant, err := destinationVariant(cfg)
	if err != nil {
		return nil, err
	}
	d := &destination{id: s.newUUID(), name: name, typ: destinationVariants[key].typ, config: variant}
	s.dest.byID[d.id] = d
	s.dest.order = append(s.dest.order, d)
	return d, nil
}

// destinationVariant returns the config's one variant [RECALL: the texts].
func destinationVariant(cfg compDoc) (string, compDoc, error) {
	var keys []string
	for k := range cfg {
		if _, ok := destinationVariants[k]; !ok {
			return "", nil, invalidParam("Unknown notification destination config: %s", k)
		}
		keys = append(keys, k)
	}
	if len(keys) != 1 {
		return "", nil, invalidParam("config must set exactly one of email, slack, generic_webhook, pagerduty, microsoft_teams")
	}
	v, err := cfg.obj(keys[0])
	if v == nil {
		v = compDoc{}
	}
	return keys[0], v.clone(), err
}

func (d *destination) configKey() string {
	for k, v := range destinationVariants {
		if v.typ == d.typ {
			return k
		}
	}
	return ""
}

// view is the NotificationDestination wire shape; config is returned (the
// token's user is a workspace admin) with write-only fields as *_set flags.
func (d *destination) view() compDoc {
	key := d.configKey()
	out := compDoc{}
	if key == "email" {
		out["addresses"] = cloneValue(d.config["addresses"])
	}
	for _, f := range destinationVariants[key].secret {
		if v, _ := d.config.str(f); v != "" {
			out[f+"_set"] = true
		}
	}
	return compDoc{"id": d.id, "display_name": d.name, "destination_type": d.typ, "config": compDoc{key: out}}
}

func (s *Server) destinationsList(r *http.Request) (any, error) {
	size, err := queryInt64(r, "page_size", 0)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi, next, err := tokenPage(r, len(s.dest.order), int(size))
	if err != nil {
		return nil, err
	}
	out := make([]compDoc, 0, hi-lo)
	for _, d := range s.dest.order[lo:hi] {
		out = append(out, compDoc{"id": d.id, "display_name": d.name, "destination_type": d.typ})
	}
	resp := compDoc{"results": out}
	if next != "" {
		resp["next_page_token"] = next
	}
	return resp, nil
}

// lookupDestination [RECALL: 404 RESOURCE_DOES_NOT_EXIST, text not captured].
func (s *Server) lookupDestination(r *http.Request) (*destination, error) {
	id := strings.TrimPrefix(cleanURLPath(r.URL.Path), "/api/2.0/notification-destinations/")
	d := s.dest.byID[id]
	if d == nil {
		return nil, notFound("Notification destination %s does not exist.", id)
	}
	return d, nil
}

func (s *Server) destinationsGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDestination(r)
	if err != nil {
		return nil, err
	}
	return d.view(), nil
}

// destinationsUpdate sets display_name and/or the config. The config must
// be of the destination's type; write-only fields it leaves out keep their
// value [RECALL].
func (s *Server) destinationsUpdate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDestination(r)
	if err != nil {
		return nil, err
	}
	name, err := doc.str("display_name")
	if err != nil {
		return nil, err
	}
	cfg, err := doc.obj("config")
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if err := d.updateConfig(cfg); err != nil {
			return nil, err
		}
	}
	if name != "" {
		d.name = name
	}
	return d.view(), nil
}

func (d *destination) updateConfig(cfg compDoc) error {
	key, variant, err := destinationVariant(cfg)
	if err != nil {
		return err
	}
	if destinationVariants[key].typ != d.typ {
		return invalidParam("Cannot change the type of notification destination %s from %s to %s.", d.id, d.typ, destinationVariants[key].typ)
	}
	for k, v := range variant {
		d.config[k] = v
	}
	return nil
}

func (s *Server) destinationsDelete(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDestination(r)
	if err != nil {
		return nil, err
	}
	delete(s.dest.byID, d.id)
	s.dest.order = slices.DeleteFunc(s.dest.order, func(x *destination) bool { return x == d })
	return nil, nil
}
