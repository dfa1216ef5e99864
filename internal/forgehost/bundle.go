package forgehost

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// resolverPatch is appended to @forge/resolver's entry point in the
// bundle: a resolver's handler then carries the keys it defines (so that
// simulate can call each), and an answer that would not survive JSON is
// named instead of silently mangled. It changes nothing else.
const resolverPatch = `
;(function () {
  const R = exports.default;
  if (!R || !R.prototype || !R.prototype.getDefinitions) return;
  const getDefinitions = R.prototype.getDefinitions;
  R.prototype.getDefinitions = function () {
    const f = getDefinitions.call(this);
    const self = this;
    Object.defineProperty(f, '__connectgenResolverKeys', { get() { return Object.keys(self.functions); } });
    return f;
  };
  const sanitizeObject = R.prototype.sanitizeObject;
  R.prototype.sanitizeObject = function (o) {
    const check = globalThis.__connectgen_notSerialisable;
    const why = check && check(o);
    if (why) {
      const e = new Error('the resolver answer is not serialisable: ' + why);
      e.connectgenNotSerialisable = true;
      throw e;
    }
    return sanitizeObject.call(this, o);
  };
})();
`

var resolverEntry = regexp.MustCompile(`[\\/]@forge[\\/]resolver[\\/]out[\\/]index\.js$`)

// Bundle bundles the modules the manifest's handlers name (src/FILE for
// FILE.export) into one CommonJS file for Node 22, as Forge's CLI bundles
// an app: imports without extensions, JSX and TypeScript work, and the
// app's node_modules are included. The bundle exports
// modules = { FILE: namespace }.
func Bundle(dir string, m *Manifest) ([]byte, error) {
	files := map[string]bool{}
	for _, h := range m.Functions {
		file, _, _ := strings.Cut(h, ".")
		files[file] = true
	}
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	var entry strings.Builder
	entry.WriteString("export const modules = {};\n")
	for i, f := range names {
		fmt.Fprintf(&entry, "import * as m%d from %s;\nmodules[%s] = m%d;\n", i, strconv.Quote("./src/"+f), strconv.Quote(f), i)
	}
	patch := api.Plugin{
		Name: "connectgen-forge-resolver",
		Setup: func(b api.PluginBuild) {
			b.OnLoad(api.OnLoadOptions{Filter: `[\\/]@forge[\\/]resolver[\\/]out[\\/]index\.js$`}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				if !resolverEntry.MatchString(a.Path) {
					return api.OnLoadResult{}, nil
				}
				src, err := os.ReadFile(a.Path)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				s := string(src) + resolverPatch
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
			})
		},
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &LoadError{err}
	}
	res := api.Build(api.BuildOptions{
		Stdin: &api.StdinOptions{
			Contents:   entry.String(),
			ResolveDir: abs,
			Sourcefile: "connectgen-forge-entry.js",
			Loader:     api.LoaderJS,
		},
		Bundle:   true,
		Write:    false,
		Platform: api.PlatformNode,
		Format:   api.FormatCommonJS,
		Target:   api.ES2023,
		Loader: map[string]api.Loader{
			".js":  api.LoaderJSX,
			".jsx": api.LoaderJSX,
			".ts":  api.LoaderTS,
			".tsx": api.LoaderTSX,
		},
		JSX:           api.JSXAutomatic,
		Sourcemap:     api.SourceMapInline,
		SourceRoot:    abs,
		Outfile:       "bundle.cjs",
		LogLevel:      api.LogLevelSilent,
		Plugins:       []api.Plugin{patch},
		MainFields:    []string{"main", "module"},
		Conditions:    []string{"node", "require", "default"},
		LegalComments: api.LegalCommentsNone,
	})
	if len(res.Errors) > 0 {
		var lines []string
		missing := false
		for i, e := range res.Errors {
			if i == 5 {
				lines = append(lines, fmt.Sprintf("… and %d more", len(res.Errors)-5))
				break
			}
			loc := ""
			if e.Location != nil {
				loc = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Line)
			}
			if strings.HasPrefix(e.Text, "Could not resolve \"") && !strings.Contains(e.Text, "\"./") && !strings.Contains(e.Text, "\"../") {
				missing = true
			}
			lines = append(lines, loc+e.Text)
		}
		hint := ""
		if missing {
			hint = "; run npm install in the app's folder"
		}
		return nil, loadErrorf("the app's functions cannot be bundled%s:\n  %s", hint, strings.Join(lines, "\n  "))
	}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".cjs") {
			return f.Contents, nil
		}
	}
	return nil, loadErrorf("esbuild wrote no bundle")
}
