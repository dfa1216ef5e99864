//go:build !windows

package forgehost

import (
	"os/exec"
	"syscall"
)

// inGroup starts cmd as the leader of a new process group, so that
// killGroup ends Node and anything the app's code started.
func inGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // already gone is fine
	}
}
