package emulator

import (
	"net/http"
	"regexp"
	"slices"
)

// Instance profiles (reference part 2 §8): list, add, edit (only
// iam_role_arn changes), remove. The list has no paging.

func (s *Server) instanceProfileRoutes() {
	p := "/api/2.0/instance-profiles/"
	s.route(http.MethodGet, p+"list", s.instanceProfilesList)
	s.route(http.MethodPost, p+"add", s.instanceProfilesAdd)
	s.route(http.MethodPost, p+"edit", s.instanceProfilesEdit)
	s.route(http.MethodPost, p+"remove", s.instanceProfilesRemove)
}

func (s *Server) instanceProfilesList(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return compDoc{"instance_profiles": slices.Clone(s.cat.cat.InstanceProfiles)}, nil
}

// instanceProfileARNRE is the shape AWS accepts for an instance profile ARN.
var instanceProfileARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:instance-profile/[\w+=,.@/-]+$`)

// instanceProfilesAdd registers a profile. The service validates it with an
// AWS RunInstances dry run, which fails 400 DRY_RUN_FAILED for an ARN AWS
// does not accept; the emulator's dry run only checks the ARN's shape and is
// skipped by skip_validation. A duplicate is refused [RECALL: 400
// INVALID_PARAMETER_VALUE "already exists"; the reference has 400/409].
func (s *Server) instanceProfilesAdd(r *http.Request) (any, error) {
	var req struct {
		InstanceProfile
		SkipValidation bool `json:"skip_validation"`
	}
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	arn := req.InstanceProfileARN
	switch {
	case arn == "":
		return nil, invalidParam("Missing required field: instance_profile_arn")
	case !req.SkipValidation && !instanceProfileARNRE.MatchString(arn):
		return nil, errorf(http.StatusBadRequest, "DRY_RUN_FAILED",
			"Verification of the instance profile failed. AWS error: Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cat.profiles[arn]; ok {
		return nil, invalidParam("Instance profile with arn %s already exists.", arn)
	}
	s.cat.cat.InstanceProfiles = append(s.cat.cat.InstanceProfiles, req.InstanceProfile)
	s.cat.indexProfiles()
	return nil, nil
}

// instanceProfilesEdit changes iam_role_arn of a registered profile.
func (s *Server) instanceProfilesEdit(r *http.Request) (any, error) {
	var req InstanceProfile
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.cat.profile(req.InstanceProfileARN)
	if err != nil {
		return nil, err
	}
	s.cat.cat.InstanceProfiles[i].IAMRoleARN = req.IAMRoleARN
	if req.IsMetaInstanceProfile {
		s.cat.cat.InstanceProfiles[i].IsMetaInstanceProfile = true
	}
	return nil, nil
}

// instanceProfilesRemove unregisters a profile; clusters already running
// with it keep running.
func (s *Server) instanceProfilesRemove(r *http.Request) (any, error) {
	var req InstanceProfile
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.cat.profile(req.InstanceProfileARN)
	if err != nil {
		return nil, err
	}
	s.cat.cat.InstanceProfiles = slices.Delete(s.cat.cat.InstanceProfiles, i, i+1)
	s.cat.indexProfiles()
	return nil, nil
}

// profile finds a registered profile [RECALL: 404 RESOURCE_DOES_NOT_EXIST
// for one that is not registered; not captured in the reference].
func (st *catalogState) profile(arn string) (int, error) {
	if arn == "" {
		return 0, invalidParam("Missing required field: instance_profile_arn")
	}
	i, ok := st.profiles[arn]
	if !ok {
		return 0, notFound("Instance profile %s does not exist.", arn)
	}
	return i, nil
}
