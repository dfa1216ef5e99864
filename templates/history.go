package templates

import (
	"embed"
	"io/fs"
)

// history keeps every released version of every template, each file
// content stored once (see scaffold.HistoryTree and history/README.md), so
// that connectgen update can render the version a project was made from.
//
//go:embed history
var history embed.FS

// History is the template history, rooted at the history folder.
func History() fs.FS {
	sub, err := fs.Sub(history, "history")
	if err != nil {
		panic(err) // the folder is embedded above; this cannot fail
	}
	return sub
}
