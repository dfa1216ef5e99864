// Package templates holds the project templates connectgen renders, one
// folder per template. Files ending in .tmpl are rendered (see package
// scaffold for the delimiters); every other file is copied as it is.
package templates

import "embed"

// FS holds every template tree. all: keeps dotfiles such as .gitignore.
//
//go:embed all:bitbucket
var FS embed.FS
