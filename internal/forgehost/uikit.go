package forgehost

import (
	"fmt"
	"html"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// BundleUI bundles a UI Kit resource (render: native, a .jsx file) for
// the browser with the app's own @forge/react and @forge/bridge, as
// Forge's CLI bundles it.
func BundleUI(dir, path string) ([]byte, error) {
	abs, err := filepath.Abs(filepath.Join(dir, filepath.FromSlash(path)))
	if err != nil {
		return nil, err
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{abs},
		Bundle:      true,
		Write:       false,
		Platform:    api.PlatformBrowser,
		Format:      api.FormatIIFE,
		Target:      api.ES2020,
		Loader:      map[string]api.Loader{".js": api.LoaderJSX, ".jsx": api.LoaderJSX, ".ts": api.LoaderTS, ".tsx": api.LoaderTSX},
		JSX:         api.JSXAutomatic,
		Define:      map[string]string{"process.env.NODE_ENV": `"development"`, "global": "globalThis"},
		Outfile:     "ui.js",
		LogLevel:    api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		var lines []string
		for _, e := range res.Errors {
			loc := ""
			if e.Location != nil {
				loc = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Line)
			}
			lines = append(lines, loc+e.Text)
		}
		return nil, loadErrorf("the UI Kit resource %s cannot be bundled (npm install in the app's folder?):\n  %s", path, strings.Join(lines, "\n  "))
	}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".js") {
			return f.Contents, nil
		}
	}
	return nil, loadErrorf("esbuild wrote no bundle for %s", path)
}

// uiModule returns the UI Kit module named type:key and its resource's
// path.
func (s *Server) uiModule(id string) (Module, string, error) {
	i := strings.LastIndex(id, ":")
	if i < 0 {
		return Module{}, "", fmt.Errorf("no module %s", id)
	}
	m := s.Host.Manifest()
	for _, mod := range m.Modules[id[:i]] {
		if mod.Key != id[i+1:] {
			continue
		}
		path, ok := m.Resources[mod.Resource]
		if !ok || mod.Render != "native" {
			return mod, "", fmt.Errorf("%s is not a UI Kit module (render: native with a resource)", id)
		}
		return mod, path, nil
	}
	return Module{}, "", fmt.Errorf("no module %s in manifest.yml", id)
}

// serveUIFrame serves the frame a UI Kit module runs in: it takes the
// bridge the page gives it (invoke, getContext, reconcile) and loads the
// module's bundle.
func (s *Server) serveUIFrame(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("module")
	if _, _, err := s.uiModule(id); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>%s</title>
<script>window.__bridge = parent.connectgenBridge(%s);</script>
<script src="/ui/bundle/%s"></script>
`, html.EscapeString(id), strconv.Quote(id), html.EscapeString(id)) // a broken connection is the browser's to report
}

func (s *Server) serveUIBundle(w http.ResponseWriter, r *http.Request) {
	_, path, err := s.uiModule(r.PathValue("module"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	code, err := BundleUI(s.Host.opts.Dir, path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(code) // as above
}
