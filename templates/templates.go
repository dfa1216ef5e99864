// Package templates holds the project templates connectgen renders, one
// folder per template. Files ending in .tmpl are rendered (see package
// scaffold for the delimiters); every other file is copied as it is.
// Folders starting with "_" are shared layers that templates name in
// their .connectgen-layers file (see scaffold.BuiltinTree): _ace holds what
// every template shares, and jira, confluence and jira-service-desk are
// built on _jira-confluence and differ only in their descriptor.
package templates

import "embed"

// FS holds every template tree. all: keeps dotfiles such as .gitignore.
//
//go:embed all:_ace all:bitbucket all:_jira-confluence all:jira all:confluence all:jira-service-desk
var FS embed.FS
