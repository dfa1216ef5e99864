package cmd

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	extraScriptCmds = append(extraScriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"stallserver": stallServerCmd,
	})
}

// stallServerCmd is `stallserver VAR FILE`: a loopback HTTP server, its
// URL in $VAR, that notes each request's method and path in FILE and
// then never answers (until the script ends): a slow host.
func stallServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: stallserver VAR FILE")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	file := ts.MkAbs(args[1])
	stop := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			_, err = fmt.Fprintf(f, "%s %s\n", r.Method, r.URL.Path)
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})}
	go func() { _ = srv.Serve(l) }() // ends with Close below
	ts.Defer(func() {
		close(stop)
		_ = srv.Close() // the script is over; nothing to report
	})
	ts.Setenv(args[0], "http://"+l.Addr().String())
}
