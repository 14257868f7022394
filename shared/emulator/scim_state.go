package emulator

import (
	"cmp"
	"fmt"
	"strings"
)

// scimState holds the workspace's principals, in creation order (the SCIM
// lists' order), indexed by id and by the names run_as and ACLs use.
type scimState struct {
	users, groups, sps []*principal
	byID               map[string]*principal
	byName             map[string]*principal // "user:<lower userName>", "group:<name>", "sp:<applicationId>"
}

// principal is one SCIM resource: a user, group or service principal. doc
// is its wire shape without the derived fields (groups of users and SPs),
// which view adds.
type principal struct {
	kind    string // "user", "group", "sp"
	id      string
	name    string // userName, displayName (groups) or applicationId
	doc     compDoc
	members []string // groups: member ids
}

const (
	adminsGroupID  = "1000000000000001"
	scimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
)

// newSCIMState seeds c's principals, plus the token's user (id
// computeUserID, as SCIM Me answers) in the group "admins". Runs inside New.
func (s *Server) newSCIMState(c *Catalog) *scimState {
	st := &scimState{byID: map[string]*principal{}, byName: map[string]*principal{}}
	st.add(newUser(computeUserID, User{UserName: s.opts.UserName, DisplayName: s.opts.UserName}))
	for _, u := range c.Users {
		if st.byName["user:"+strings.ToLower(u.UserName)] == nil {
			st.add(newUser(s.newPrincipalID(), u))
		}
	}
	for _, sp := range c.ServicePrincipals {
		st.add(newSP(s.newPrincipalID(), sp))
	}
	st.add(newGroup(adminsGroupID, Group{DisplayName: "admins", Local: true}, []string{computeUserID}))
	for _, g := range c.Groups {
		st.add(newGroup(s.newPrincipalID(), g, st.memberIDs(g.Members)))
	}
	return st
}

// newPrincipalID is a 16 digit SCIM id.
func (s *Server) newPrincipalID() string {
	return fmt.Sprint(int64(7e15) + s.rng.Int64N(int64(1e15)))
}

func (st *scimState) add(p *principal) {
	st.byID[p.id] = p
	switch p.kind {
	case "user":
		st.users = append(st.users, p)
		st.byName["user:"+strings.ToLower(p.name)] = p
	case "group":
		st.groups = append(st.groups, p)
		st.byName["group:"+p.name] = p
	case "sp":
		st.sps = append(st.sps, p)
		st.byName["sp:"+p.name] = p
	}
}

// memberIDs resolves userNames and applicationIds to ids, dropping unknown names.
func (st *scimState) memberIDs(names []string) []string {
	var ids []string
	for _, n := range names {
		p := st.byName["user:"+strings.ToLower(n)]
		if p == nil {
			p = st.byName["sp:"+n]
		}
		if p != nil {
			ids = append(ids, p.id)
		}
	}
	return ids
}

func entitlementList(values []string) []compDoc {
	out := make([]compDoc, 0, len(values))
	for _, v := range values {
		out = append(out, compDoc{"value": v})
	}
	return out
}

func newUser(id string, u User) *principal {
	return &principal{kind: "user", id: id, name: u.UserName, doc: compDoc{
		"schemas":      []string{scimUserSchema, "urn:ietf:params:scim:schemas:extension:workspace:2.0:User"},
		"id":           id,
		"userName":     u.UserName,
		"displayName":  cmp.Or(u.DisplayName, u.UserName),
		"active":       true,
		"emails":       []compDoc{{"value": u.UserName, "type": "work", "primary": true}},
		"entitlements": entitlementList(u.Entitlements),
		"roles":        entitlementList(u.Roles),
	}}
}

func newSP(id string, sp ServicePrincipal) *principal {
	return &principal{kind: "sp", id: id, name: sp.ApplicationID, doc: compDoc{
		"schemas":       []string{"urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"},
		"id":            id,
		"applicationId": sp.ApplicationID,
		"displayName":   cmp.Or(sp.DisplayName, sp.ApplicationID),
		"active":        true,
		"entitlements":  entitlementList(sp.Entitlements),
		"roles":         []compDoc{},
	}}
}

func newGroup(id string, g Group, members []string) *principal {
	typ := "Group"
	if g.Local {
		typ = "WorkspaceGroup"
	}
	return &principal{kind: "group", id: id, name: g.DisplayName, members: members, doc: compDoc{
		"schemas":      []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"id":           id,
		"displayName":  g.DisplayName,
		"entitlements": entitlementList(g.Entitlements),
		"roles":        []compDoc{},
		"groups":       []compDoc{},
		"meta":         compDoc{"resourceType": typ},
	}}
}

// view is p's wire shape with the derived fields: a group's members, a
// user's or service principal's direct groups.
func (st *scimState) view(p *principal) compDoc {
	out := p.doc.clone()
	if p.kind == "group" {
		members := make([]compDoc, 0, len(p.members))
		for _, id := range p.members {
			m := st.byID[id]
			members = append(members, compDoc{"value": id, "display": m.doc["displayName"], "$ref": scimRef(m) + id})
		}
		out["members"] = members
		return out
	}
	groups := []compDoc{}
	for _, g := range st.groups {
		for _, id := range g.members {
			if id == p.id {
				groups = append(groups, compDoc{"value": g.id, "display": g.name, "$ref": "Groups/" + g.id, "type": "direct"})
			}
		}
	}
	out["groups"] = groups
	return out
}

func scimRef(p *principal) string {
	switch p.kind {
	case "user":
		return "Users/"
	case "sp":
		return "ServicePrincipals/"
	}
	return "Groups/"
}

// hasPrincipal reports whether the workspace knows a principal of kind
// ("user", "group", "sp") by the name run_as and ACLs use.
func (st *scimState) hasPrincipal(kind, name string) bool {
	if kind == "user" {
		name = strings.ToLower(name)
	}
	return st.byName[kind+":"+name] != nil
}
