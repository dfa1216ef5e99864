//go:build !windows

package runner

import "syscall"

// procAttrGroup starts a process as the leader of a new process group.
func procAttrGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to every process of group pgid.
func signalGroup(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }
