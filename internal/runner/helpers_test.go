package runner

import (
	"context"
	"errors"
	"fmt"
	"github.com/connectgen/connectgen/internal/descriptor"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
)

func TestNormalizeBaseURL(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "https://abc.ngrok.app", want: "https://abc.ngrok.app"},
		{in: "https://abc.ngrok.app/", want: "https://abc.ngrok.app"},
		{in: "HTTPS://ABC.ngrok.app//", want: "https://abc.ngrok.app"},
		{in: "https://example.com/apps/mine/", want: "https://example.com/apps/mine"},
		{in: "https://example.com:8443", want: "https://example.com:8443"},
		{in: "http://localhost:3000/", want: "http://localhost:3000"},
		{in: "http://127.0.0.1:3000", want: "http://127.0.0.1:3000"},
		{in: "http://[::1]:3000", want: "http://[::1]:3000"},
		{in: "http://127.0.0.1.nip.io", err: "uses http"},
		{in: "http://abc.ngrok.app", err: "uses http; Bitbucket installs only https apps"},
		{in: "abc.ngrok.app", err: "is not absolute"},
		{in: "/path", err: "is not absolute"},
		{in: "ftp://example.com", err: "must be an https:// URL"},
		{in: "https://example.com/?a=b", err: "must not have a query"},
		{in: "https://example.com/#x", err: "must not have a query"},
		{in: "https://u:p@example.com", err: "must not have a query, fragment or user"},
	} {
		got, err := NormalizeBaseURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeBaseURL(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestLocalTarget(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"3000", true},
		{"localhost:3000", true},
		{"http://localhost:3000", true},
		{"https://127.0.0.1:3000/", true},
		{"[::1]:3000", true},
		{"0.0.0.0:3000", true},
		{"http://localhost:3001", false},
		{"http://192.168.1.5:3000", false},
		{"example.com:3000", false},
		{"file:///var/www", false},
	} {
		if got := localTarget(tc.addr, 3000); got != tc.want {
			t.Errorf("localTarget(%q, 3000) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// fakeNgrok serves body as ngrok's /api/tunnels on loopback.
func fakeNgrok(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/tunnels" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const tunnels = `{"tunnels":[
  {"name":"other","public_url":"https://other.ngrok.app","proto":"https","config":{"addr":"http://localhost:8080"}},
  {"name":"plain","public_url":"http://mine.ngrok.app","proto":"http","config":{"addr":"http://localhost:3000"}},
  {"name":"mine","public_url":"https://mine.ngrok.app/","proto":"https","config":{"addr":"http://localhost:3000"}}
],"uri":"/api/tunnels"}`

func TestFindNgrokTunnel(t *testing.T) {
	api := fakeNgrok(t, 200, tunnels)
	got, err := FindNgrokTunnel(context.Background(), api, 3000)
	if err != nil || got != "https://mine.ngrok.app" {
		t.Errorf("FindNgrokTunnel = %q, %v; want https://mine.ngrok.app (the https tunnel to 3000)", got, err)
	}

	_, err = FindNgrokTunnel(context.Background(), api, 4000)
	var te *TunnelError
	if !errors.As(err, &te) || te.Unreachable {
		t.Fatalf("port 4000: err = %v, want a *TunnelError listing the others", err)
	}
	msg := err.Error()
	for _, want := range []string{"no https tunnel to port 4000", "https://other.ngrok.app -> http://localhost:8080", "ngrok http 4000", "--base-url", "cloudflared tunnel --url http://localhost:4000"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}

	_, err = FindNgrokTunnel(context.Background(), fakeNgrok(t, 502, "bad gateway"), 3000)
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("502: err = %v", err)
	}
	_, err = FindNgrokTunnel(context.Background(), fakeNgrok(t, 200, "<html>"), 3000)
	if err == nil || !strings.Contains(err.Error(), "not the tunnel list") {
		t.Errorf("html: err = %v", err)
	}
}

func TestFindNgrokTunnelUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	_, err = FindNgrokTunnel(context.Background(), api, 3000)
	var te *TunnelError
	if !errors.As(err, &te) || !te.Unreachable {
		t.Fatalf("err = %v, want an unreachable *TunnelError", err)
	}
	if !strings.Contains(err.Error(), "no ngrok agent answers at "+api) || !strings.Contains(err.Error(), "connectgen run --local") {
		t.Errorf("message: %s", err)
	}
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	_, err := Detect(dir)
	var me *MissingError
	if !errors.As(err, &me) || strings.Join(me.Missing, ",") != "package.json,atlassian-connect.json" {
		t.Fatalf("empty folder: %v", err)
	}
	if !strings.Contains(err.Error(), "no package.json and no atlassian-connect.json") {
		t.Errorf("message: %s", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Detect(dir)
	if !errors.As(err, &me) || strings.Join(me.Missing, ",") != "atlassian-connect.json" {
		t.Fatalf("no descriptor: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, DescriptorFile), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Detect(dir)
	if !errors.As(err, &me) || !strings.Contains(err.Error(), `no "start" script in package.json`) {
		t.Fatalf("no start script: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "server.js"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Detect(dir)
	if err != nil || p.Start != "node server.js" {
		t.Fatalf("server.js: %+v, %v", p, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts":{"start":"node app.js"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = Detect(dir)
	if err != nil || p.Start != "node app.js" || p.Dir != dir || p.Descriptor != filepath.Join(dir, DescriptorFile) {
		t.Fatalf("start script: %+v, %v", p, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Detect(dir); err == nil || !strings.Contains(err.Error(), "package.json") {
		t.Errorf("broken package.json: %v", err)
	}
	if _, err := Detect(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}

func TestConfigPort(t *testing.T) {
	for _, tc := range []struct {
		config string
		port   int
		ok     bool
	}{
		{`{"development": {"port": 4123}}`, 4123, true},
		{"// JSON5\n{development: {port: 0x1F90,},}", 8080, true},
		{`{"development": {"port": "$PORT"}}`, 0, false},
		{`{"production": {"port": 80}}`, 0, false},
		{`{"development": {"port": 3.5}}`, 0, false},
		{`{"development": {"port": 70000}}`, 0, false},
		{`not json`, 0, false},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		port, ok := ConfigPort(dir)
		if port != tc.port || ok != tc.ok {
			t.Errorf("ConfigPort(%s) = %d, %v; want %d, %v", tc.config, port, ok, tc.port, tc.ok)
		}
	}
	if _, ok := ConfigPort(t.TempDir()); ok {
		t.Error("ConfigPort without config.json says ok")
	}
}

func TestNeedsInstall(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, wantNeed bool, wantReason string) {
		t.Helper()
		need, reason := NeedsInstall(dir)
		if need != wantNeed || !strings.Contains(reason, wantReason) {
			t.Errorf("%s: need %v (%q), want %v (%q)", what, need, reason, wantNeed, wantReason)
		}
	}
	const pkg = `{"name":"x","dependencies":{"ms":"^2.1.3"},"devDependencies":{"dep":"file:./dep"}}`
	const lock = `{"lockfileVersion":3,"packages":{
		"":{"name":"x","dependencies":{"ms":"^2.1.3"},"devDependencies":{"dep":"file:./dep"}},
		"dep":{"version":"1.0.0"},
		"node_modules/dep":{"resolved":"dep","link":true},
		"node_modules/ms":{"version":"2.1.3","resolved":"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"},
		"node_modules/fsevents":{"version":"2.3.3","optional":true,"os":["darwin"]}}}`
	const installed = `{"lockfileVersion":3,"packages":{
		"dep":{"version":"1.0.0"},
		"node_modules/dep":{"resolved":"dep","link":true},
		"node_modules/ms":{"version":"2.1.3","resolved":"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"}}}`
	write("package.json", pkg)
	check("no node_modules", true, "node_modules is missing")
	write("node_modules/ms/index.js", "")
	check("no lockfile", true, "package-lock.json is missing")
	write("package-lock.json", lock)
	check("no hidden lockfile", true, "node_modules/.package-lock.json")
	write("node_modules/.package-lock.json", installed)
	check("installed as locked", false, "")

	// npm rewrites package-lock.json on every install: a newer file that
	// says the same is no reason to install.
	newer := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "package-lock.json"), newer, newer); err != nil {
		t.Fatal(err)
	}
	check("newer lockfile, same content", false, "")

	write("package-lock.json", strings.Replace(lock, `"version":"2.1.3"`, `"version":"2.1.2"`, 1))
	check("another version locked", true, "node_modules/ms is version 2.1.2 in package-lock.json but version 2.1.3 is installed")
	write("package-lock.json", strings.Replace(lock, `"node_modules/ms"`, `"node_modules/ms-renamed"`, 1))
	check("a locked package missing", true, "node_modules/ms-renamed is in package-lock.json but not installed")
	write("package-lock.json", lock)
	write("package.json", strings.Replace(pkg, `^2.1.3`, `^2.2.0`, 1))
	check("package.json changed", true, "package.json's dependencies changed since package-lock.json was written")
	write("package.json", pkg)
	write("node_modules/.package-lock.json", strings.Replace(installed, `"dep":{"version":"1.0.0"},`, `"dep":{"version":"1.0.0"},"node_modules/left-pad":{"version":"1.3.0"},`, 1))
	check("an extraneous package", true, "node_modules/left-pad is installed but not in package-lock.json")
}

func TestInstall(t *testing.T) {
	testenv.Need(t, "npm")
	// A local dependency: npm links it without the network.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "dep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dep", "package.json"), []byte(`{"name":"dep","version":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"x","version":"1.0.0","dependencies":{"dep":"file:./dep"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out buffer
	if err := Install(context.Background(), dir, &out, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dep", "package.json")); err != nil {
		t.Errorf("dependency not installed: %v", err)
	}
	if s := out.String(); !strings.Contains(s, "installing npm dependencies (npm install in "+dir+")") || !strings.Contains(s, "npm dependencies installed in") {
		t.Errorf("plain progress lines missing:\n%s", s)
	}
	if need, reason := NeedsInstall(dir); need {
		t.Errorf("after Install: still needs install (%s)", reason)
	}
	// A second npm install in a row rewrites package-lock.json, after
	// node_modules: still nothing to install.
	if err := Install(context.Background(), dir, &out, false); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "package-lock.json"), later, later); err != nil {
		t.Fatal(err)
	}
	if need, reason := NeedsInstall(dir); need {
		t.Errorf("after a second install: needs install (%s)", reason)
	}

	// On a terminal: a rewritten progress line.
	out = buffer{}
	if err := os.RemoveAll(filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := Install(context.Background(), dir, &out, true); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "\r\x1b[K") || !strings.Contains(s, "npm dependencies installed") {
		t.Errorf("terminal progress missing: %q", s)
	}
}

func TestInstallFailure(t *testing.T) {
	testenv.Need(t, "npm")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"x","version":"1.0.0","scripts":{"preinstall":"echo broken dependency >&2; exit 7"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out buffer
	err := Install(context.Background(), dir, &out, false)
	var ie *InstallError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *InstallError", err)
	}
	msg := err.Error()
	for _, want := range []string{"npm install failed (exit status 7)", "  broken dependency", "retry with: cd " + dir + " && npm install"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestCheckPortAndHolder(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	err = CheckPort(port)
	var pe *PortBusyError
	if !errors.As(err, &pe) {
		t.Fatalf("CheckPort(busy) = %v", err)
	}
	// The holder is this test process, which /proc shows.
	if want := fmt.Sprintf("(pid %d)", os.Getpid()); !strings.Contains(pe.Holder, want) {
		t.Errorf("holder %q does not name this process %s", pe.Holder, want)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("port %d is taken by ", port)) || !strings.Contains(err.Error(), "--port") {
		t.Errorf("message: %s", err)
	}
	l.Close()
	if err := CheckPort(port); err != nil {
		t.Errorf("CheckPort(free) = %v", err)
	}
	if h := PortHolder(port); h != "" {
		t.Errorf("PortHolder(free port) = %q", h)
	}
}

func TestExecScript(t *testing.T) {
	for in, want := range map[string]string{
		"node app.js":                "exec node app.js",
		"node --inspect app.js":      "exec node --inspect app.js",
		"exec node app.js":           "exec node app.js",
		"NODE_OPTIONS=x node app.js": "NODE_OPTIONS=x node app.js",
		"npm run build && node app":  "npm run build && node app",
		"node app.js > log":          "node app.js > log",
		"node $APP":                  "node $APP",
		`node "my app.js"`:           `node "my app.js"`,
	} {
		if got := execScript(in); got != want {
			t.Errorf("execScript(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIgnored(t *testing.T) {
	for rel, want := range map[string]bool{
		"atlassian-connect.json":  false,
		"routes/index.js":         false,
		"views/layout.hbs":        false,
		"node_modules/x/index.js": true,
		"node_modules":            true,
		"store.json":              true,
		"store.json.123.tmp":      true,
		"store.db":                true,
		"store.db-journal":        true,
		".git/index":              true,
		".app.js.swp":             true,
		"routes/.index.js.swp":    true,
		"app.js~":                 true,
		"public/js/addon.js":      false,
		"sub/node_modules/x":      true,
	} {
		if got := ignored(rel); got != want {
			t.Errorf("ignored(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestTail(t *testing.T) {
	tl := newTail(3)
	_, _ = tl.Write([]byte("one\ntwo\nthr"))    // the test checks what follows, not this call
	_, _ = tl.Write([]byte("ee\r\nfour\nfive")) // the test checks what follows, not this call
	if got := tl.String(); got != "three\nfour\nfive" {
		t.Errorf("tail = %q", got)
	}
}

func TestReadyMessage(t *testing.T) {
	m := ReadyMessageFor(descriptor.Bitbucket, "https://abc.ngrok.app", "http://127.0.0.1:3000", true)
	for _, want := range []string{
		"descriptor:      https://abc.ngrok.app/atlassian-connect.json",
		"on this machine: http://127.0.0.1:3000",
		"install link:    https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fabc.ngrok.app%2Fatlassian-connect.json\n",
		"Watching for changes",
		// The platform's status first, then what a registered app can
		// do; no walk through registering.
		"\nBitbucket Cloud no longer registers or installs new Connect apps (since\n2 February 2026)",
		"An app registered before then keeps working in the workspaces that\ninstalled it",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
	for _, not := range []string{"Register app", "To register it", "Develop apps"} {
		if strings.Contains(m, not) {
			t.Errorf("message walks through registering (%q):\n%s", not, m)
		}
	}
	m = ReadyMessageFor(descriptor.Bitbucket, "http://127.0.0.1:3000", "http://127.0.0.1:3000", false)
	if strings.Contains(m, "authorize?") || !strings.Contains(m, "install link:    none") || strings.Contains(m, "on this machine") {
		t.Errorf("local message:\n%s", m)
	}
}
