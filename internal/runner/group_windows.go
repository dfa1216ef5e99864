package runner

import (
	"os"
	"syscall"
)

// Windows has no process groups to signal: there run can only end the
// app's own process, and processes it started may outlive it. connectgen
// is developed and tested on Linux; this keeps the binary building.

func procAttrGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func signalGroup(pid int, sig syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func becomeSubreaper() {}

func reapGroup(int) {}

func groupAlive(int) bool { return false }
