//go:build !linux && !windows

package runner

import "syscall"

func becomeSubreaper() {}

func reapGroup(pgid int) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-pgid, &ws, syscall.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
	}
}

func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }
