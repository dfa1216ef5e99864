package runner

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher reports changes under an app's folder, debounced: editors write
// a file in several steps (temporary file, rename, chmod) and a restart
// per step would be wasted.
type watcher struct {
	fs *fsnotify.Watcher
	// C receives the path of the first change of each quiet burst.
	C    chan string
	Errs chan error
	done chan struct{}
}

// ignored says whether a change to name (relative to the app's folder)
// must not restart the app: installed packages, the store the app itself
// writes (store.json and its temporary files; store.db of apps generated
// before), and dotfiles (editors' swap files, .git).
func ignored(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "node_modules" || (strings.HasPrefix(part, ".") && part != "." && part != "..") {
			return true
		}
	}
	base := filepath.Base(rel)
	return strings.HasPrefix(base, "store.json") || strings.HasPrefix(base, "store.db") || strings.HasSuffix(base, "~")
}

func newWatcher(dir string, debounce time.Duration) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{fs: fw, C: make(chan string, 1), Errs: make(chan error, 1), done: make(chan struct{})}
	if err := w.addTree(dir, dir); err != nil {
		_ = fw.Close() // the error that made the watcher unusable is the one to report
		return nil, err
	}
	go w.loop(dir, debounce)
	return w, nil
}

// addTree watches root and its folders, except ignored ones (fsnotify
// watches one folder at a time).
func (w *watcher) addTree(dir, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // a folder removed while walking
		}
		if !d.IsDir() {
			return nil
		}
		if rel, _ := filepath.Rel(dir, p); rel != "." && ignored(rel) {
			return filepath.SkipDir
		}
		return w.fs.Add(p)
	})
}

func (w *watcher) loop(dir string, debounce time.Duration) {
	var timer *time.Timer
	var fire <-chan time.Time
	first := ""
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			rel, err := filepath.Rel(dir, ev.Name)
			if err != nil || ignored(rel) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					_ = w.addTree(dir, ev.Name) // a folder that is gone again needs no watching
				}
			}
			if first == "" {
				first = rel
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			select {
			case w.C <- first:
			default: // a change is already waiting to be handled
			}
			first = ""
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			select {
			case w.Errs <- err:
			default:
			}
		}
	}
}

func (w *watcher) Close() error {
	close(w.done)
	return w.fs.Close()
}
