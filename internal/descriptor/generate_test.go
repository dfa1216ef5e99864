package descriptor

import (
	"fmt"
	"strings"
)

// Synthetic returns a valid descriptor with n UI modules spread over web
// items, repo pages and web panels, each with a context parameter in its
// URL. Benchmarks (`make bench`, BenchmarkValidate) use it to measure how
// validation time grows with the size of a descriptor.
func Synthetic(n int) []byte {
	kinds := []struct{ kind, location string }{
		{"webItems", "org.bitbucket.repository.navigation"},
		{"repoPages", "org.bitbucket.repository.navigation"},
		{"webPanels", "org.bitbucket.repository.overview.informationPanel"},
	}
	var b strings.Builder
	b.Grow(n * 220)
	b.WriteString(`{
  "key": "bench-app",
  "name": "Bench App",
  "description": "A descriptor for benchmarks",
  "vendor": {"name": "Example", "url": "https://example.com"},
  "baseUrl": "https://bench.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"},
  "scopes": ["account", "repository"],
  "contexts": ["account"],
  "modules": {`)
	for k, kind := range kinds {
		if k > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n    %q: [", kind.kind)
		first := true
		for i := k; i < n; i += len(kinds) {
			if !first {
				b.WriteString(",")
			}
			first = false
			fmt.Fprintf(&b, "\n      {\"key\": \"module-%d\", \"name\": {\"value\": \"Module %d\"}, \"url\": \"/module/%d?repoPath={repository.full_name}\", \"location\": %q}", i, i, i, kind.location)
		}
		b.WriteString("\n    ]")
	}
	b.WriteString("\n  }\n}\n")
	return []byte(b.String())
}
