package emulator

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Repos API (Git folders; reference §2.7, part 2 §12). A repo is a REPO object
// of the workspace tree: a folder bound to a remote, listed by workspace/list
// with object_type REPO, whose object_id is the repo id. Creating one makes
// the folder (empty: nothing is cloned), PATCH checks out a branch or a tag,
// DELETE removes the folder and everything in it.
//
// Choices where the reference is silent (documented guesses):
//   - The parent folder must exist (terraform-provider-databricks creates it
//     first): 404 RESOURCE_DOES_NOT_EXIST "Parent folder (<path>) does not
//     exist." An existing path is 400 RESOURCE_ALREADY_EXISTS.
//   - A missing repo is 404 RESOURCE_DOES_NOT_EXIST "Repo <id> does not exist."
//   - provider may be left out when the URL's host names it (github.com, ...).
//   - A list page holds at most 20 repos, by path.

// repoInfo is the Git binding of a REPO folder.
type repoInfo struct {
	url, provider, branch, head string
	sparse                      []string // nil: not a sparse checkout
}

// repoProviders are the providers the API knows, in their canonical spelling;
// the API takes them case-insensitively.
var repoProviders = []string{"gitHub", "gitLab", "bitbucketCloud", "azureDevOpsServices",
	"gitHubEnterprise", "bitbucketServer", "gitLabEnterpriseEdition", "awsCodeCommit"}

// repoHosts name the provider of well-known Git hosts.
var repoHosts = map[string]string{"github.com": "gitHub", "gitlab.com": "gitLab",
	"bitbucket.org": "bitbucketCloud", "dev.azure.com": "azureDevOpsServices"}

const reposPageSize = 20

func (s *Server) repoRoutes() {
	s.route(http.MethodGet, "/api/2.0/repos", s.reposList)
	s.route(http.MethodPost, "/api/2.0/repos", s.reposCreate)
	s.route(http.MethodGet, "/api/2.0/repos/{id}", s.reposGet)
	s.route(http.MethodPatch, "/api/2.0/repos/{id}", s.reposUpdate)
	s.route(http.MethodDelete, "/api/2.0/repos/{id}", s.reposDelete)
}

// RepoSeed is a Git folder for SeedRepo: URL required, provider inferred
// from well-known hosts when empty, branch default main.
type RepoSeed struct {
	Path, URL, Provider, Branch string
}

// SeedRepo creates a Git folder at r.Path (and any missing parent folders)
// without going through HTTP, and returns its id. Errors are the create
// call's.
func (s *Server) SeedRepo(r RepoSeed) (int64, error) {
	p, err := parseWSPath(r.Path)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.ws.mkdirAll(p.parent().segs, s.newObjectID); err != nil {
		return 0, err
	}
	n, err := s.createRepo(p, r.URL, r.Provider, nil)
	if err != nil {
		return 0, err
	}
	n.repo.branch = cmp.Or(r.Branch, n.repo.branch)
	return n.id, nil
}

func (s *Server) reposCreate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	url, _ := doc.str("url")
	provider, _ := doc.str("provider")
	raw, _ := doc.str("path")
	sparse, err := sparsePatterns(doc)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := parseWSPath(cmp.Or(raw, "/Repos/"+s.opts.UserName+"/"+repoName(url)))
	if err != nil {
		return nil, err
	}
	n, err := s.createRepo(p, url, provider, sparse)
	if err != nil {
		return nil, err
	}
	return n.repoView(p), nil
}

// sparsePatterns reads sparse_checkout.patterns; nil when not asked for.
func sparsePatterns(doc compDoc) ([]string, error) {
	sc, err := doc.obj("sparse_checkout")
	if err != nil || sc == nil {
		return nil, err
	}
	patterns, err := stringList(sc["patterns"], "sparse_checkout.patterns")
	if patterns == nil {
		patterns = []string{}
	}
	return patterns, err
}

// repoName is the last segment of a Git URL without ".git".
func repoName(url string) string {
	return strings.TrimSuffix(path.Base(strings.TrimRight(url, "/")), ".git")
}

// createRepo makes the REPO folder at p. Call with s.mu held.
func (s *Server) createRepo(p wsPath, url, provider string, sparse []string) (*wsNode, error) {
	if url == "" {
		return nil, invalidParam("Missing required field: url")
	}
	provider, err := repoProvider(provider, url)
	if err != nil {
		return nil, err
	}
	if err := checkRepoPath(p); err != nil {
		return nil, err
	}
	dir := s.ws.lookup(p.parent().segs)
	switch {
	case dir == nil || !dir.isFolder():
		return nil, notFound("Parent folder (%s) does not exist.", p.echo(p.parent().canonical()))
	case dir.children[p.name()] != nil:
		return nil, alreadyExists("Path (%s) already exists.", p.raw)
	}
	n := &wsNode{name: p.name(), path: joinWSPath(dir.path, p.name()), kind: wsRepo, id: s.newObjectID(),
		children: map[string]*wsNode{}, repo: &repoInfo{url: url, provider: provider, branch: "main", head: s.commitID(), sparse: sparse}}
	s.ws.insert(dir, n)
	return n, nil
}

// repoProvider is the canonical provider name, given or inferred from url.
func repoProvider(given, url string) (string, error) {
	if given == "" {
		for host, p := range repoHosts {
			if strings.Contains(url, "://"+host+"/") {
				return p, nil
			}
		}
		return "", invalidParam("Missing required field: provider")
	}
	for _, p := range repoProviders {
		if strings.EqualFold(p, given) {
			return p, nil
		}
	}
	return "", invalidParam("Invalid provider %q: must be one of %s", given, strings.Join(repoProviders, ", "))
}

// checkRepoPath: under /Repos a repo is /Repos/{folder}/{name}.
func checkRepoPath(p wsPath) error {
	if len(p.segs) > 0 && p.segs[0] == "Repos" && len(p.segs) != 3 {
		return invalidParam("Invalid repo path %s: under /Repos a repo path must be /Repos/{folder}/{repo-name}", p.raw)
	}
	if p.isRoot() {
		return invalidParam("Invalid repo path %s", p.raw)
	}
	return nil
}

// commitID is a random 40-hex commit. Call with s.mu held.
func (s *Server) commitID() string { return s.randString("0123456789abcdef", 40) }

// repoView is RepoInfo on the wire, with the path echoed the way p was sent.
func (n *wsNode) repoView(p wsPath) compDoc {
	out := compDoc{"id": n.id, "path": p.echo(n.path), "url": n.repo.url, "provider": n.repo.provider,
		"head_commit_id": n.repo.head}
	if n.repo.branch != "" {
		out["branch"] = n.repo.branch
	}
	if n.repo.sparse != nil {
		out["sparse_checkout"] = compDoc{"patterns": slices.Clone(n.repo.sparse)}
	}
	return out
}

// lookupRepo finds a repo by the {id} of the request path. Call with s.mu held.
func (s *Server) lookupRepo(r *http.Request) (*wsNode, error) {
	raw := path.Base(r.URL.Path)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, invalidParam("Invalid repo id: %s", raw)
	}
	n := s.ws.byID[id]
	if n == nil || n.kind != wsRepo {
		return nil, notFound("Repo %d does not exist.", id)
	}
	return n, nil
}

func (s *Server) reposGet(r *http.Request) (any, error) {
	return s.onRepo(r, func(n *wsNode) any { return n.repoView(wsPath{}) })
}

// onRepo runs fn on the repo the request path names, with s.mu held.
func (s *Server) onRepo(r *http.Request, fn func(*wsNode) any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.lookupRepo(r)
	if err != nil {
		return nil, err
	}
	return fn(n), nil
}

// reposUpdate checks out a branch or a tag (detached HEAD: no branch), and
// changes the patterns of a sparse checkout.
func (s *Server) reposUpdate(r *http.Request) (any, error) {
	return withLocked(s, r, func(compDoc) (*wsNode, error) { return s.lookupRepo(r) }, func(doc compDoc, n *wsNode) (any, error) {
		branch, _ := doc.str("branch")
		tag, _ := doc.str("tag")
		sparse, err := sparsePatterns(doc)
		switch {
		case err != nil:
			return nil, err
		case branch != "" && tag != "":
			return nil, invalidParam("Only one of branch and tag can be specified.")
		case sparse != nil && n.repo.sparse == nil:
			return nil, invalidParam("Sparse checkout cannot be enabled after the repo is created.")
		}
		if branch != "" || tag != "" {
			n.repo.branch, n.repo.head = branch, s.commitID()
		}
		if sparse != nil {
			n.repo.sparse = sparse
		}
		return nil, nil
	})
}

func (s *Server) reposDelete(r *http.Request) (any, error) {
	return s.onRepo(r, func(n *wsNode) any {
		s.ws.remove(n)
		return nil
	})
}

// reposList answers the repos under path_prefix (none, "/" or "/Workspace"
// mean /Repos), by path, a page at a time; next_page_token is both the
// request parameter and the response field.
func (s *Server) reposList(r *http.Request) (any, error) {
	q := r.URL.Query()
	prefix, err := repoPrefix(q.Get("path_prefix"))
	if err != nil {
		return nil, err
	}
	after, err := base64.RawURLEncoding.DecodeString(q.Get("next_page_token"))
	if err != nil {
		return nil, invalidParam("Invalid next_page_token: %s", q.Get("next_page_token"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repos := s.reposUnder(prefix, string(after))
	out := compDoc{}
	if len(repos) > reposPageSize {
		repos = repos[:reposPageSize]
		out["next_page_token"] = base64.RawURLEncoding.EncodeToString([]byte(repos[len(repos)-1].path))
	}
	views := make([]compDoc, 0, len(repos))
	for _, n := range repos {
		views = append(views, n.repoView(wsPath{}))
	}
	if len(views) > 0 {
		out["repos"] = views
	}
	return out, nil
}

// repoPrefix is the canonical form of a path_prefix.
func repoPrefix(raw string) (string, error) {
	if raw == "" {
		return "/Repos", nil
	}
	p, err := parseWSPath(raw)
	if err != nil {
		return "", err
	}
	if p.isRoot() {
		return "/Repos", nil
	}
	return p.canonical(), nil
}

// reposUnder returns the repos whose path starts with prefix and sorts after
// after, by path. Call with s.mu held.
func (s *Server) reposUnder(prefix, after string) []*wsNode {
	var out []*wsNode
	for _, n := range s.ws.byID {
		if n.kind == wsRepo && strings.HasPrefix(n.path, prefix) && n.path > after {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *wsNode) int { return cmp.Compare(a.path, b.path) })
	return out
}
