package runner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// profileLabels combines --profile (or a configured target's profile) with the user's --labels into
// one Ginkgo label filter: "(P) && (labels)". The embedded default serves every profile: without
// --profile it runs them all. A configured target speaks one profile, which --profile may only repeat.
func profileLabels(profile string, tgt *target.Target, configured bool, labels string) (string, error) {
	if profile != "" && !slices.Contains(framework.ProfileNames(), profile) {
		return "", fmt.Errorf("--profile %q is not one of %s", profile, strings.Join(framework.ProfileNames(), ", "))
	}
	if configured {
		if profile != "" && profile != tgt.Profile {
			return "", fmt.Errorf("--profile %s, but the configuration's profile is %s", profile, tgt.Profile)
		}
		profile = tgt.Profile
	}
	if profile == "" {
		return labels, nil
	}
	if !tgt.Serves(profile) {
		return "", fmt.Errorf("--profile %s: the target does not serve it", profile)
	}
	tgt.Profile = profile // what the reports show
	if strings.TrimSpace(labels) == "" {
		return profile, nil
	}
	return "(" + profile + ") && (" + labels + ")", nil
}
