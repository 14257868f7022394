package emulator

import (
	"net/http"
)

// identityRoutes serves SCIM Me (used by CurrentUser.Me and CurrentWorkspaceID,
// which reads X-Databricks-Org-Id); discovery and OAuth are in oauth.go.
func (s *Server) identityRoutes() {
	s.route(http.MethodGet, "/api/2.0/preview/scim/v2/Me", s.scimMe)
}

func (s *Server) scimMe(*http.Request) (any, error) {
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"id":          "7723901234567890",
		"userName":    s.opts.UserName,
		"displayName": s.opts.UserName,
		"active":      true,
		"emails": []map[string]any{
			{"value": s.opts.UserName, "primary": true, "type": "work"},
		},
		"groups": []map[string]any{
			{"display": "admins", "value": "1000000000000001", "type": "direct", "$ref": "Groups/1000000000000001"},
		},
	}, nil
}
