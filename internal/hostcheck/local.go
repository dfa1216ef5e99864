package hostcheck

import (
	"context"
	"fmt"
	"io"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// CheckThenHost is `connectgen run --local`'s local host: it runs every
// check against the app that just became ready and writes the report to
// out. The checks end with an uninstall; the app is then installed again
// and the host's REST API kept answering it until ctx ends (the app
// stops), so the running app has a host to call. Problems are written to
// out too: the app keeps running whatever the host finds. When the
// uninstall failed (or the app has no uninstalled event), the app still
// holds the checks' installation, and the host keeps it rather than
// install over it unsigned with the same client key.
func CheckThenHost(ctx context.Context, out io.Writer, opts hostsim.Options, checks Options) {
	h, err := hostsim.New(opts)
	if err != nil {
		fmt.Fprintf(out, "connectgen: local host: %v\n", err)
		return
	}
	defer h.Close()
	// The product comes from the descriptor; Run reports a
	// descriptor it cannot fetch.
	if _, err := h.FetchDescriptor(ctx); err == nil {
		fmt.Fprintf(out, "connectgen: checking the app with the local %s host\n", h.Product().Title())
	}
	r := RunWith(ctx, h, checks)
	if ctx.Err() != nil {
		return
	}
	// out is the app's own output too: a failed write is not the
	// host's to report.
	_ = r.WriteText(out)
	verdict := "passed the local host's checks"
	if !r.OK() {
		verdict = "failed some of the local host's checks (above)"
	}
	if inst, ok := h.Installation(); ok {
		fmt.Fprintf(out, "connectgen: the app %s and keeps running, still installed in the local host as %s from the checks (it was not uninstalled) (REST API %s); Ctrl-C stops it\n",
			verdict, inst.ClientKey, h.APIURL())
		<-ctx.Done()
		return
	}
	inst, err := h.Install(ctx)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		fmt.Fprintf(out, "connectgen: the app %s; installing it again in the local host failed: %v; it keeps running; Ctrl-C stops it\n", verdict, err)
		return
	}
	fmt.Fprintf(out, "connectgen: the app %s and keeps running, installed in the local host as %s (REST API %s); Ctrl-C stops it\n",
		verdict, inst.ClientKey, h.APIURL())
	<-ctx.Done()
}
