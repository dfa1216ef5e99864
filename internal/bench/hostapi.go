package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/connectgen/connectgen/internal/bbworld"
	"github.com/connectgen/connectgen/internal/bbworld/conformance"
	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/openapicheck"
)

// prismVersion is the Stoplight Prism the host-api figure compares with.
const prismVersion = "@stoplight/prism-cli@5"

// hostAPICalls are the calls the host-api figure times: what Connect apps
// ask Bitbucket most, one round of each per run.
var hostAPICalls = []string{
	"/2.0/user",
	"/2.0/workspaces/sample-workspace",
	"/2.0/repositories/sample-workspace",
	"/2.0/repositories/sample-workspace/sample-repo",
	"/2.0/repositories/sample-workspace/sample-repo/refs/branches",
	"/2.0/repositories/sample-workspace/sample-repo/commits",
	"/2.0/repositories/sample-workspace/sample-repo/pullrequests",
	"/2.0/repositories/sample-workspace/sample-repo/pullrequests/1",
	"/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments",
	"/2.0/workspaces/sample-workspace/permissions",
}

// benchHostAPI states how much of Bitbucket's OpenAPI document the local
// host serves and how much of it conforms (routes, calls, webhook
// entities), and times its REST answers against Stoplight Prism mocking
// the same document, in the same run. The stand-in is timed as apps meet
// it: the whole local host (internal/hostsim) with a loopback app
// installed, each call signed as ACE signs it and the token verified
// (HS256, qsh, lifetime, scopes) before the sample world answers; Prism
// checks only that some credential is present.
func benchHostAPI(e *env) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	docPath := filepath.Join(root, "internal", "openapicheck", "testdata", "bitbucket-swagger.v3.json")
	doc, err := openapicheck.Load(docPath)
	if err != nil {
		return err
	}
	h, inst, err := installedBitbucketHost()
	if err != nil {
		return err
	}
	defer func() { _ = h.Close() }() // the figure is measured; a close error changes nothing
	w, base := h.World(), h.APIURL()
	sign := func(method, uri string) (string, error) {
		c, err := connectjwt.NewClaims(conformance.App, inst.ClientKey, method, uri, "", time.Now(), 3*time.Minute)
		if err != nil {
			return "", err
		}
		return connectjwt.Sign(inst.SharedSecret, c)
	}
	signed := &http.Client{Timeout: 10 * time.Second, Transport: signer{sign}}
	rest, err := conformance.RunREST(doc, w, base, signed)
	if err != nil {
		return err
	}
	ents := conformance.RunEntities(doc, w, inst.ClientKey)
	var b strings.Builder
	b.WriteString("## host-api\n\nThe local Bitbucket host against Bitbucket's published OpenAPI document (`internal/openapicheck/testdata/bitbucket-swagger.v3.json`), checked with kin-openapi:\n\n")
	// Counts, not times: a list (the report's tables hold times).
	for _, c := range [][2]string{
		{"operations in the document", fmt.Sprint(len(bbworld.Operations()))},
		{"routes served", fmt.Sprint(len(rest.Routes))},
		{"routes served and conformant (a successful call validated)", fmt.Sprint(len(rest.Covered))},
		{"calls made / conformant (successes and errors)", fmt.Sprintf("%d / %d", rest.Requests, rest.Conformant)},
		{"webhook events; payload entities conformant", fmt.Sprintf("%d; %d of %d", ents.Events, ents.Conformant, ents.Entities)},
	} {
		fmt.Fprintf(&b, "- %s: **%s**\n", c[0], c[1])
	}
	if n := len(rest.Failures) + len(ents.Failures); n > 0 {
		fmt.Fprintf(&b, "\n%d deviations, first: %s\n", n, strings.Join(append(rest.Failures, ents.Failures...)[:1], ""))
	}
	b.WriteString("\nDocumented operations the host does not serve answer 501 naming themselves; paths outside the API answer 404 as Bitbucket does.\n")

	client := &http.Client{Timeout: 10 * time.Second}
	callAll := func(base string, prefix string, header func(path string) (string, error)) (time.Duration, error) {
		start := time.Now()
		for _, p := range hostAPICalls {
			req, err := http.NewRequest("GET", base+strings.TrimPrefix(p, prefix), nil)
			if err != nil {
				return 0, err
			}
			auth, err := header(p)
			if err != nil {
				return 0, err
			}
			req.Header.Set("Authorization", auth)
			resp, err := client.Do(req)
			if err != nil {
				return 0, err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close() // drained above
			if err != nil {
				return 0, err
			}
			if resp.StatusCode != 200 {
				return 0, fmt.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
		return time.Since(start), nil
	}
	ours := contender{"local host", func(int) (time.Duration, error) {
		return callAll(base, "", func(p string) (string, error) {
			t, err := sign("GET", p)
			return "JWT " + t, err
		})
	}}

	prismURL, stop, perr := startPrism(e, docPath)
	if perr != nil {
		b.WriteString(fmt.Sprintf("\nStoplight Prism (%s) was not measured: %v\n", prismVersion, perr))
		s, err := e.measure(ours)
		if err != nil {
			return err
		}
		b.WriteString("\n" + table([]string{fmt.Sprintf("%d calls (one of each)", len(hostAPICalls)), "median", "spread"},
			[][]string{{"local host", round(s[0].median()), s[0].spread()}}))
		e.report.add(b.String())
		return nil
	}
	defer stop()
	basic := func(string) (string, error) { return "Basic YmVuY2g6YmVuY2g=", nil }
	prism := contender{"Prism", func(int) (time.Duration, error) { return callAll(prismURL, "/2.0", basic) }}
	s, err := e.measure(ours, prism)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nAnswer time for %d calls (one each of %s), same machine, same run; Prism %s mocks the same document (`prism mock`, static examples).\n\n",
		len(hostAPICalls), strings.Join(shortPaths(hostAPICalls), ", "), prismVersionInstalled(e))
	b.WriteString(table([]string{"server", "median", "spread", "vs Prism"}, [][]string{
		{"local host (token verified, sample world)", round(s[0].median()), s[0].spread(), fmt.Sprintf("%.2f×", ratio(s[0].median(), s[1].median()))},
		{"Stoplight Prism", round(s[1].median()), s[1].spread(), "1.00×"},
	}))
	e.report.add(b.String())
	return nil
}

func shortPaths(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = "`" + strings.TrimPrefix(p, "/2.0") + "`"
	}
	return out
}

func prismDir(e *env) string { return filepath.Join(e.work, "prism") }

func prismVersionInstalled(e *env) string {
	out, err := exec.Command(filepath.Join(prismDir(e), "node_modules", ".bin", "prism"), "--version").Output()
	if err != nil {
		return prismVersion
	}
	return strings.TrimSpace(string(out))
}

// startPrism installs Prism with npm and starts `prism mock` on the
// document, returning its base URL once it answers.
func startPrism(e *env, docPath string) (string, func(), error) {
	dir := prismDir(e)
	logf("installing %s with npm", prismVersion)
	if _, _, err := timed(command(e.work, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", prismVersion)); err != nil {
		return "", nil, fmt.Errorf("npm install %s: %w", prismVersion, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return "", nil, err
	}
	c := command(dir, filepath.Join(dir, "node_modules", ".bin", "prism"), "mock", "-h", "127.0.0.1", "-p", fmt.Sprint(port), "--errors", "false", docPath)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { _ = c.Wait(); close(exited) }() // the exit status of a killed mock server tells nothing
	stop := func() {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGTERM) // it may have exited already
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL) // as above
			<-exited
		}
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return "", nil, errors.New("prism mock exited before serving")
		default:
		}
		req, _ := http.NewRequest("GET", base+"/user", nil)
		req.Header.Set("Authorization", "Basic YmVuY2g6YmVuY2g=")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close() // only the status matters
			if resp.StatusCode == 200 {
				return base, stop, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("prism mock did not answer GET /user within 90 s")
}

// signer signs each request as ACE's httpClient does.
type signer struct {
	sign func(method, uri string) (string, error)
}

func (s signer) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := s.sign(r.Method, r.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "JWT "+tok)
	return http.DefaultTransport.RoundTrip(r)
}

// installedBitbucketHost starts the local Bitbucket host with a loopback
// app (key conformance.App, the scopes the conformance cases need)
// installed.
func installedBitbucketHost() (*hostsim.Host, hostsim.Installation, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, hostsim.Installation{}, err
	}
	appURL := "http://" + l.Addr().String()
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/atlassian-connect.json" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{ // the host reports a short answer
			"key": conformance.App, "name": "Bench", "baseUrl": appURL,
			"authentication": map[string]any{"type": "jwt"},
			"lifecycle":      map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
			"scopes":         []any{"account", "project", "repository:write", "pullrequest:write"},
			"contexts":       []any{"account"},
		})
	})}
	go func() { _ = app.Serve(l) }() // ends when the process does
	h, err := hostsim.New(hostsim.Options{AppURL: appURL, Timeout: 10 * time.Second})
	if err != nil {
		return nil, hostsim.Installation{}, err
	}
	inst, err := h.Install(context.Background())
	if err != nil {
		_ = h.Close() // the install error is the one to report
		return nil, hostsim.Installation{}, err
	}
	return h, inst, nil
}
