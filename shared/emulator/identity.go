package emulator

import (
	"net/http"
	"strconv"
)

// identityRoutes serves SCIM Me (used by CurrentUser.Me and CurrentWorkspaceID,
// which reads X-Databricks-Org-Id) and the discovery document newer SDKs fetch.
func (s *Server) identityRoutes() {
	s.route(http.MethodGet, "/api/2.0/preview/scim/v2/Me", s.scimMe)
	s.route(http.MethodGet, "/.well-known/databricks-config", s.wellKnown)
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

func (s *Server) wellKnown(*http.Request) (any, error) {
	return map[string]any{
		"workspace_id":  strconv.FormatInt(s.opts.WorkspaceID, 10),
		"cloud":         "aws",
		"oidc_endpoint": "http://" + "127.0.0.1" + "/oidc",
	}, nil
}
