package forgehost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// MinNodeMajor is the oldest Node the host runs functions on: the
// runtime of connectgen's Forge apps is nodejs22.x.
const MinNodeMajor = 22

// NodeEnv names the environment variable that gives the node binary when
// no --node flag does.
const NodeEnv = "CONNECTGEN_NODE"

// FindNode returns the node binary to run functions with: flag, else
// $CONNECTGEN_NODE, else node on PATH; it must be Node 22 or later.
func FindNode(ctx context.Context, flag string) (string, error) {
	bin, from := flag, "--node"
	if bin == "" {
		bin, from = os.Getenv(NodeEnv), "$"+NodeEnv
	}
	if bin == "" {
		p, err := exec.LookPath("node")
		if err != nil {
			return "", loadErrorf("no node on PATH: the local Forge host runs the app's functions on Node %d or later (the runtime nodejs22.x); install it or give --node PATH", MinNodeMajor)
		}
		bin, from = p, "PATH"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", loadErrorf("node %s (from %s) does not run: %v; give a Node %d binary with --node PATH", bin, from, err, MinNodeMajor)
	}
	v := strings.TrimSpace(string(out))
	major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < MinNodeMajor {
		return "", loadErrorf("node %s (from %s) is %s; the local Forge host needs Node %d or later (the runtime nodejs22.x): install it or give --node PATH (or $%s)", bin, from, v, MinNodeMajor, NodeEnv)
	}
	return bin, nil
}

var errNodeGone = errors.New("the Node process ended")

func nodeExit(err error, stderr string) error {
	if s := strings.TrimSpace(stderr); s != "" {
		if len(s) > 2000 {
			s = s[len(s)-2000:]
		}
		return fmt.Errorf("%w: %v\n%s", errNodeGone, err, s)
	}
	return fmt.Errorf("%w: %v", errNodeGone, err)
}
