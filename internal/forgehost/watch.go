package forgehost

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch reloads the host (Host.Reload) when manifest.yml or a file under
// src/ changes, until ctx ends, writing one line per reload to out.
func (s *Server) Watch(ctx context.Context, out io.Writer) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer func() { _ = w.Close() }() // nothing to report when it stops
	dir := s.Host.opts.Dir
	if err := w.Add(dir); err != nil {
		return err
	}
	addTree := func(root string) {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = w.Add(p) // a folder that vanished meanwhile is skipped
			}
			return nil
		})
	}
	addTree(filepath.Join(dir, "src"))
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			rel, err := filepath.Rel(dir, ev.Name)
			if err != nil || !(rel == ManifestFile || strings.HasPrefix(rel, "src"+string(os.PathSeparator)) || rel == "src") {
				continue
			}
			if ev.Op&fsnotify.Create != 0 {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					addTree(ev.Name)
				}
			}
			timer = time.After(250 * time.Millisecond)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			_, _ = fmt.Fprintf(out, "watching %s: %v\n", dir, err)
		case <-timer:
			timer = nil
			start := time.Now()
			s.mu.Lock()
			err := s.Host.Reload(ctx)
			s.mu.Unlock()
			if err != nil {
				_, _ = fmt.Fprintf(out, "reload failed, still running the previous code: %v\n", err)
				continue
			}
			_, _ = fmt.Fprintf(out, "reloaded manifest.yml and src/ (%s)\n", time.Since(start).Round(time.Millisecond))
		}
	}
}
