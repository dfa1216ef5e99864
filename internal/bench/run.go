package main

import (
	"fmt"
	"github.com/connectgen/connectgen/internal/descriptor"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
)

// project is a generated app with the shared node_modules linked in.
func project(e *env, name string) (string, error) {
	dir := filepath.Join(e.work, name)
	logf("preparing a generated app in %s (npm install is shared and cached)", dir)
	return dir, apptest.NewProject(dir)
}

// startUntilServed starts c in its own process group and returns the time
// until base/atlassian-connect.json is served with base as its baseUrl, and
// a function that stops the group and waits for it.
func startUntilServed(c *exec.Cmd, port int, base string) (time.Duration, func(), error) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := c.Start(); err != nil {
		return 0, nil, err
	}
	exited := make(chan struct{})
	go func() { c.Wait(); close(exited) }()
	stop := func() {
		syscall.Kill(-c.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	err := waitServed(fmt.Sprintf("http://127.0.0.1:%d/atlassian-connect.json", port), `"baseUrl":"`+base+`"`, 60*time.Second, exited)
	d := time.Since(start)
	if err != nil {
		stop()
		return 0, nil, err
	}
	return d, stop, nil
}

// benchRun times `connectgen run --no-install` until the descriptor is
// served, against `node app.js` started directly with the same environment.
func benchRun(e *env) error {
	dir, err := project(e, "run-app")
	if err != nil {
		return err
	}
	once := func(ours bool) (time.Duration, error) {
		port, err := apptest.FreePort()
		if err != nil {
			return 0, err
		}
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		var c *exec.Cmd
		if ours {
			c = command(dir, e.bin, "run", "--no-install", "--base-url", base, "--port", fmt.Sprint(port))
		} else {
			c = command(dir, "node", "app.js")
			c.Env = append(os.Environ(), "AC_LOCAL_BASE_URL="+base, fmt.Sprintf("PORT=%d", port), "NODE_ENV=development")
		}
		d, stop, err := startUntilServed(c, port, base)
		if err != nil {
			return 0, err
		}
		stop()
		return d, nil
	}
	s, err := e.measure(
		contender{"connectgen run", func(int) (time.Duration, error) { return once(true) }},
		contender{"node app.js", func(int) (time.Duration, error) { return once(false) }},
	)
	if err != nil {
		return err
	}
	ours, peer := s[0], s[1]
	over := ours.median() - peer.median()
	e.report.add("## run\n\n" + table([]string{"command", "time to a served descriptor", "spread"}, [][]string{
		{"`connectgen run --no-install --base-url … --port …`", round(ours.median()), ours.spread()},
		{"`node app.js` with the same environment", round(peer.median()), peer.spread()},
	}) + fmt.Sprintf("\nconnectgen run takes **%.2f×** the time of node app.js (%s more; target: at most 10%% plus 100 ms, that is %s here, %s). Its extra work is validating the descriptor and checking the port before it starts node.\n",
		ratio(ours.median(), peer.median()), round(over), round(peer.median()/10+100*time.Millisecond),
		verdict(ours.median() <= peer.median()+peer.median()/10+100*time.Millisecond)))
	return nil
}

// benchSimulate times the full check run of `connectgen simulate` against
// a running generated app (its start-up excluded). The floor is the same
// number of plain GET requests to the app through the same counting proxy.
func benchSimulate(e *env) error {
	dir, err := project(e, "simulate-app")
	if err != nil {
		return err
	}
	return simulateFigure(e, "## simulate", "`connectgen simulate --app …`", dir, nil, nil)
}

// benchSimulateJira is benchSimulate for the generated Jira app (new -t
// jira) on ACE 11, which the host installs with an RS256 signature whose
// key the app fetches from the host (CONNECT_KEYS_CDN_URL).
func benchSimulateJira(e *env) error {
	dir := filepath.Join(e.work, "simulate-jira-app")
	logf("preparing a generated Jira app in %s (npm install is shared and cached)", dir)
	node, err := testenv.MachineNode()
	if err != nil {
		return err
	}
	if err := apptest.NewTemplateProject(dir, string(descriptor.Jira), node); err != nil {
		return err
	}
	port, err := apptest.FreePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	return simulateFigure(e, "## simulate (Jira)", "`connectgen simulate --app … --host-addr …` (the generated Jira app)", dir,
		[]string{"CONNECT_KEYS_CDN_URL=http://" + addr + "/connect-keys"}, []string{"--host-addr", addr})
}

// simulateFigure starts the app in dir behind a counting proxy and times
// `connectgen simulate --app <proxy> args…` against as many plain GETs.
func simulateFigure(e *env, heading, what, dir string, appEnv, args []string) error {
	appPort, err := apptest.FreePort()
	if err != nil {
		return err
	}
	var count atomic.Int64
	target, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", appPort))
	proxy := httputil.NewSingleHostReverseProxy(target)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		proxy.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	defer srv.Close()
	public := "http://" + l.Addr().String()

	c := command(dir, "node", "app.js")
	c.Env = append(append(os.Environ(), "AC_LOCAL_BASE_URL="+public, fmt.Sprintf("PORT=%d", appPort), "NODE_ENV=development"), appEnv...)
	_, stop, err := startUntilServed(c, appPort, public)
	if err != nil {
		return err
	}
	defer stop()

	// The floor makes as many requests as the last check run made.
	var requests int64
	client := &http.Client{Timeout: 5 * time.Second}
	s, err := e.measure(
		contender{"connectgen simulate", func(int) (time.Duration, error) {
			before := count.Load()
			d, _, err := timed(command(dir, e.bin, append([]string{"simulate", "--app", public}, args...)...))
			requests = count.Load() - before
			return d, err
		}},
		contender{"plain requests", func(int) (time.Duration, error) {
			start := time.Now()
			for i := int64(0); i < requests; i++ {
				resp, err := client.Get(public + "/atlassian-connect.json")
				if err != nil {
					return 0, err
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			return time.Since(start), nil
		}},
	)
	if err != nil {
		return err
	}
	ours, floor := s[0], s[1]
	e.report.add(heading + "\n\n" + table([]string{"what", "median", "spread"}, [][]string{
		{fmt.Sprintf("%s: every check, %d requests to the app", what, requests), round(ours.median()), ours.spread()},
		{fmt.Sprintf("%d plain GETs of the descriptor (floor)", requests), round(floor.median()), floor.spread()},
	}) + fmt.Sprintf("\nThe full check run takes **%s** (target under 2 s, the app's start-up excluded, %s), **%.1f×** the floor of as many plain requests.\n",
		round(ours.median()), verdict(ours.median() < 2*time.Second), ratio(ours.median(), floor.median())))
	return nil
}
