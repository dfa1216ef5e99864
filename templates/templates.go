// Package templates holds the project templates connectgen renders, one
// folder per template. Files ending in .tmpl are rendered (see package
// scaffold for the delimiters); every other file is copied as it is.
//
// history/ keeps every released version of every template, each file
// content stored once (see scaffold.HistoryTree), so that connectgen update
// can render the version a project was made from.
package templates

import (
	"embed"
	"io/fs"
)

// FS holds every template tree. all: keeps dotfiles such as .gitignore.
//
//go:embed all:bitbucket
var FS embed.FS

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
