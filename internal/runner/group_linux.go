package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// becomeSubreaper makes processes the app orphans (a child whose parent
// exited) children of connectgen instead of init, so that reapGroup can
// collect them and no zombie keeps the group looking alive.
func becomeSubreaper() {
	const prSetChildSubreaper = 36
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0) // without it, orphans of the app are reparented to init and killed by the group signal anyway
}

// reapGroup collects the exited processes of group pgid that are
// connectgen's children. Call it only after the leader was waited for:
// it would otherwise take the leader's status from exec.Cmd.Wait.
func reapGroup(pgid int) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-pgid, &ws, syscall.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
	}
}

// groupAlive says whether a process of group pgid is still running.
// Zombies do not count: they hold no port and run no code, and one that
// is not our child is for its parent to collect.
func groupAlive(pgid int) bool {
	procs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(procs) == 0 {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and
		// parentheses, so fields are counted after its last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 3 || string(f[0]) == "Z" || string(f[0]) == "X" {
			continue
		}
		if g, err := strconv.Atoi(string(f[2])); err == nil && g == pgid {
			return true
		}
	}
	return false
}
