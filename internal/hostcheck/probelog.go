package hostcheck

import (
	"io"
	"sync"
	"time"
)

// ProbeLabel starts each line of the app's output written while the host
// sends requests the app must refuse: the app's complaints about them are
// expected, not problems.
const ProbeLabel = "[expected: the local host's forged request] "

// probeSettle is how long RunWith waits before it says probes start or
// end: the app's log of a request may reach the pipe a moment after its
// answer reached the host.
const probeSettle = 100 * time.Millisecond

// prober tells Options.Probing when probes start and end, once each.
type prober struct {
	hook   func(bool)
	active bool
}

func (p *prober) start() {
	if p.hook != nil && !p.active {
		// The app's log of the request before may still be on its way
		// (morgan logs a request once its answer is sent).
		time.Sleep(probeSettle)
		p.active = true
		p.hook(true)
	}
}

func (p *prober) stop() {
	if p.hook != nil && p.active {
		time.Sleep(probeSettle)
		p.active = false
		p.hook(false)
	}
}

// ProbeLog labels the app's output lines that answer the host's
// deliberate probes. Give its Probing to RunWith (Options.Probing) and
// write the app's output through Writer. Its methods may be called
// concurrently.
type ProbeLog struct {
	mu     sync.Mutex
	active bool
}

// Probing says whether the host is sending probes now.
func (p *ProbeLog) Probing(active bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = active
}

func (p *ProbeLog) labelling() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active
}

// Writer returns a writer to w that starts every line begun while the
// host probes with ProbeLabel. Nothing is held back: each byte is passed
// on as it comes.
func (p *ProbeLog) Writer(w io.Writer) io.Writer { return &probeWriter{p: p, w: w, lineStart: true} }

type probeWriter struct {
	p         *ProbeLog
	mu        sync.Mutex
	w         io.Writer
	lineStart bool
}

func (pw *probeWriter) Write(b []byte) (int, error) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	n := 0
	for len(b) > 0 {
		if pw.lineStart && pw.p.labelling() {
			if _, err := io.WriteString(pw.w, ProbeLabel); err != nil {
				return n, err
			}
		}
		line := b
		pw.lineStart = false
		for i, c := range b {
			if c == '\n' {
				line, pw.lineStart = b[:i+1], true
				break
			}
		}
		m, err := pw.w.Write(line)
		n += m
		if err != nil {
			return n, err
		}
		b = b[len(line):]
	}
	return n, nil
}
