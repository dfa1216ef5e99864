package cmd

import (
	"io"
	"strings"

	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/templates"
)

// resolver reads templates for new and update: the built-in ones, their
// history, and outside sources cached in CONNECTGEN_CACHE_DIR or the
// user's cache directory. The download progress line is shown only on a
// terminal.
func (f *Factory) resolver(allowHTTP bool) *tmplsource.Resolver {
	hist := f.History
	if hist == nil {
		hist = templates.History()
	}
	cache := f.Getenv("CONNECTGEN_CACHE_DIR")
	if cache == "" {
		cache = tmplsource.DefaultCacheDir()
	}
	var progress io.Writer
	if f.IO.OutTTY {
		progress = f.IO.ErrOut
	}
	return &tmplsource.Resolver{
		Builtins: f.Templates,
		History:  hist,
		Loader:   &tmplsource.Loader{AllowHTTP: allowHTTP, CacheDir: cache, Progress: progress, Warn: f.IO.ErrOut},
	}
}

// parseSet reads --set KEY=VALUE flags.
func parseSet(pairs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--set %q is not KEY=VALUE", p)
		}
		m[k] = v
	}
	return m, nil
}
