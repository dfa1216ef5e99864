package runner

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PortBusyError says that the app's port is taken, and by what when the
// system tells.
type PortBusyError struct {
	Port int
	// Holder describes the process listening on it ("node (pid 1234):
	// node app.js"), or is empty when it cannot be found out.
	Holder string
}

func (e *PortBusyError) Error() string {
	who := "another process"
	if e.Holder != "" {
		who = e.Holder
	}
	return fmt.Sprintf("port %d is taken by %s; stop it or choose another port with --port", e.Port, who)
}

// CheckPort fails with a *PortBusyError when port cannot be listened on on
// every address, as Node does for app.listen(port). Nothing is left
// listening.
func CheckPort(port int) error {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return &PortBusyError{Port: port, Holder: PortHolder(port)}
	}
	return l.Close()
}

// PortHolder names the process listening on TCP port, from /proc/net/tcp
// and tcp6 (the socket's inode) and /proc/PID/fd (who has it open). It
// returns "" where the system does not tell, such as another user's
// process or a system without /proc.
func PortHolder(port int) string {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		listeningInodes(f, port, inodes)
	}
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		fds, err := os.ReadDir(filepath.Join(p, "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(p, "fd", fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				return describeProcess(p)
			}
		}
	}
	return ""
}

// listeningInodes adds the inodes of the sockets listening on port listed
// in a /proc/net/tcp file: "sl local_address rem_address st ... inode".
func listeningInodes(file string, port int, into map[string]bool) {
	f, err := os.Open(file)
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }() // only read
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" { // 0A is LISTEN
			continue
		}
		i := strings.LastIndexByte(fields[1], ':')
		if i < 0 {
			continue
		}
		p, err := strconv.ParseUint(fields[1][i+1:], 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		if fields[9] != "0" {
			into[fields[9]] = true
		}
	}
}

// describeProcess is "name (pid N): command line" for /proc/PID.
func describeProcess(procDir string) string {
	pid := filepath.Base(procDir)
	comm, _ := os.ReadFile(filepath.Join(procDir, "comm"))
	name := strings.TrimSpace(string(comm))
	s := fmt.Sprintf("%s (pid %s)", name, pid)
	if cmdline, err := os.ReadFile(filepath.Join(procDir, "cmdline")); err == nil && len(cmdline) > 0 {
		args := strings.Fields(strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " "))
		line := strings.Join(args, " ")
		if len(line) > 120 {
			line = line[:117] + "..."
		}
		s += ": " + line
	}
	return s
}
