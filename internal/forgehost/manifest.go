package forgehost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ManifestFile is the name of a Forge app's manifest.
const ManifestFile = "manifest.yml"

// Manifest is the part of manifest.yml the local host needs.
type Manifest struct {
	AppID   string
	Runtime string
	// Modules lists every module by type (bitbucket:repoMainMenuPage,
	// trigger, function…), in the manifest's order within a type.
	Modules map[string][]Module
	// Functions maps a function key to its handler ("index.handler").
	Functions map[string]string
	Scopes    []string
	// FetchBackend is permissions.external.fetch.backend: the addresses
	// (https://host, *.example.com, or a remote key) fetch may reach.
	FetchBackend []string
	Remotes      []Remote
	Endpoints    map[string]Endpoint
	// Resources maps a resource key to its path (a UI Kit .jsx file, or a
	// Custom UI folder).
	Resources map[string]string
}

// Module is one entry of a module list.
type Module struct {
	Type     string
	Key      string
	Function string // function key, for backend modules
	// Resolver is the function key of a UI module's resolver.
	Resolver string
	// ResolverEndpoint is a UI module's resolver.endpoint (Forge Remote).
	ResolverEndpoint string
	Endpoint         string // an endpoint key instead of a function
	Events           []string
	Triggers         []string // merge check triggers
	Interval         string   // scheduledTrigger
	Title            string
	Resource         string // a UI module's resource key
	Render           string // "native" for UI Kit
	// TimeoutSeconds is the module's or its function's timeoutSeconds,
	// 0 when not set.
	TimeoutSeconds int
}

// Remote is a remotes entry.
type Remote struct {
	Key        string
	BaseURL    string
	Operations []string
}

// Endpoint is an endpoint entry.
type Endpoint struct {
	Key, Remote, Path string
}

// LoadError is a manifest or app that cannot be loaded (exit 2).
type LoadError struct{ Err error }

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

func loadErrorf(format string, a ...any) error { return &LoadError{fmt.Errorf(format, a...)} }

// LoadManifest reads dir/manifest.yml.
func LoadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, loadErrorf("no %s in %s: give the Forge app's folder (connectgen forge new writes one)", ManifestFile, dir)
	}
	if err != nil {
		return nil, &LoadError{err}
	}
	return ParseManifest(b)
}

type rawManifest struct {
	App struct {
		ID      string `yaml:"id"`
		Runtime struct {
			Name string `yaml:"name"`
		} `yaml:"runtime"`
	} `yaml:"app"`
	Modules     map[string][]map[string]any `yaml:"modules"`
	Permissions struct {
		Scopes   []string `yaml:"scopes"`
		External struct {
			Fetch struct {
				Backend []any `yaml:"backend"`
			} `yaml:"fetch"`
		} `yaml:"external"`
	} `yaml:"permissions"`
	Resources []struct {
		Key  string `yaml:"key"`
		Path string `yaml:"path"`
	} `yaml:"resources"`
	Remotes []struct {
		Key        string   `yaml:"key"`
		BaseURL    any      `yaml:"baseUrl"`
		Operations []string `yaml:"operations"`
	} `yaml:"remotes"`
}

// ParseManifest parses a manifest.yml's bytes.
func ParseManifest(b []byte) (*Manifest, error) {
	var raw rawManifest
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, loadErrorf("%s is not valid YAML: %v", ManifestFile, err)
	}
	m := &Manifest{
		AppID:     raw.App.ID,
		Runtime:   raw.App.Runtime.Name,
		Modules:   map[string][]Module{},
		Functions: map[string]string{},
		Scopes:    raw.Permissions.Scopes,
		Endpoints: map[string]Endpoint{},
		Resources: map[string]string{},
	}
	for _, r := range raw.Resources {
		m.Resources[r.Key] = r.Path
	}
	if len(raw.Modules) == 0 {
		return nil, loadErrorf("%s has no modules", ManifestFile)
	}
	fnTimeout := map[string]int{}
	for typ, list := range raw.Modules {
		for i, e := range list {
			mod := Module{Type: typ, Key: str(e["key"])}
			if mod.Key == "" {
				return nil, loadErrorf("%s: modules.%s[%d] has no key", ManifestFile, typ, i)
			}
			mod.Function = str(e["function"])
			mod.Endpoint = str(e["endpoint"])
			mod.Title = str(e["title"])
			if mod.Title == "" {
				mod.Title = str(e["name"])
			}
			mod.Interval = str(e["interval"])
			mod.Resource = str(e["resource"])
			mod.Render = str(e["render"])
			mod.Events = strs(e["events"])
			mod.Triggers = strs(e["triggers"])
			if n, ok := e["timeoutSeconds"].(int); ok {
				mod.TimeoutSeconds = n
			}
			if r, ok := e["resolver"].(map[string]any); ok {
				mod.Resolver = str(r["function"])
				mod.ResolverEndpoint = str(r["endpoint"])
			}
			switch typ {
			case "function":
				h := str(e["handler"])
				if h == "" || !strings.Contains(h, ".") {
					return nil, loadErrorf("%s: function %q has handler %q; a handler is FILE.EXPORT (index.handler for src/index.js's export handler)", ManifestFile, mod.Key, h)
				}
				m.Functions[mod.Key] = h
				fnTimeout[mod.Key] = mod.TimeoutSeconds
			case "endpoint":
				ep := Endpoint{Key: mod.Key, Remote: str(e["remote"])}
				if r, ok := e["route"].(map[string]any); ok {
					ep.Path = str(r["path"])
				}
				m.Endpoints[mod.Key] = ep
			}
			m.Modules[typ] = append(m.Modules[typ], mod)
		}
	}
	for typ, list := range m.Modules {
		for i, mod := range list {
			for _, fn := range []string{mod.Function, mod.Resolver} {
				if fn == "" {
					continue
				}
				if _, ok := m.Functions[fn]; !ok {
					return nil, loadErrorf("%s: %s %q names function %q, which modules.function does not define", ManifestFile, typ, mod.Key, fn)
				}
			}
			if mod.TimeoutSeconds == 0 && mod.Function != "" {
				m.Modules[typ][i].TimeoutSeconds = fnTimeout[mod.Function]
			}
		}
	}
	for _, a := range raw.Permissions.External.Fetch.Backend {
		switch v := a.(type) {
		case string:
			m.FetchBackend = append(m.FetchBackend, v)
		case map[string]any:
			if s := str(v["address"]); s != "" {
				m.FetchBackend = append(m.FetchBackend, s)
			} else if s := str(v["remote"]); s != "" {
				m.FetchBackend = append(m.FetchBackend, s)
			}
		}
	}
	for _, r := range raw.Remotes {
		m.Remotes = append(m.Remotes, Remote{Key: r.Key, BaseURL: str(r.BaseURL), Operations: r.Operations})
	}
	return m, nil
}

// ModuleTypes returns the module types in a stable order: product modules
// first (by name), then the backend ones.
func (m *Manifest) ModuleTypes() []string {
	var out []string
	for t := range m.Modules {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// HasScope says whether the manifest grants scope.
func (m *Manifest) HasScope(scope string) bool {
	for _, s := range m.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
