package forgehost

import "os/exec"

// Windows has no process groups to signal: only Node itself is ended.
// connectgen is developed and tested on Linux; this keeps it building.
func inGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill() // already gone is fine
	}
}
