package forgehost

import "time"

// Forge's limits the local host applies. Times: Atlassian's "Invocation
// limits" (developer.atlassian.com/platform/forge/limits-invocation/):
// 25 s for functions invoked by users (resolvers) and by the product
// (merge checks), 55 s by default for event and scheduled triggers
// (timeoutSeconds raises it to 900), 55 s for preUninstall
// (manifest-reference/modules/pre-uninstall-trigger/).
const (
	ResolverLimit     = 25 * time.Second
	MergeCheckLimit   = 25 * time.Second
	TriggerLimit      = 55 * time.Second
	PreUninstallLimit = 55 * time.Second
	MaxTimeoutSeconds = 900
	// MaxPayload bounds an invocation's request and answer: 5 MB. The
	// stored Forge docs do not state a payload size; Forge functions run
	// on AWS Lambda, whose synchronous payload limit is 6 MB, and 5 MB is
	// the figure Atlassian's developer community quotes for resolvers.
	// connectgen's choice, named in the README.
	MaxPayload = 5 << 20
	// MaxLogLines is how many console lines of one invocation are kept.
	MaxLogLines = 500
)

// limit is how long c may run.
func (h *Host) limit(c Call) time.Duration {
	if h.opts.Timeout > 0 {
		return h.opts.Timeout
	}
	var d time.Duration
	switch c.Kind {
	case KindResolver:
		d = ResolverLimit
	case KindMergeCheck:
		d = MergeCheckLimit
	case KindPreUninstall:
		d = PreUninstallLimit
	default:
		d = TriggerLimit
	}
	if s := c.Module.TimeoutSeconds; s > 0 && c.Kind != KindResolver {
		if s > MaxTimeoutSeconds {
			s = MaxTimeoutSeconds
		}
		d = time.Duration(s) * time.Second
	}
	return d
}
