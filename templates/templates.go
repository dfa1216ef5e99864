// Package templates holds the project templates connectgen renders, one
// folder per template. Files ending in .tmpl are rendered (see package
// scaffold for the delimiters); every other file is copied as it is.
// Folders starting with "_" are shared layers that templates name in
// their .connectgen-layers file (see scaffold.BuiltinTree): _ace holds what
// every template shares, and jira, confluence and jira-service-desk are
// built on _jira-confluence and differ only in their descriptor. forge
// and forge-remote, on _forge, are the Forge starter apps that
// `connectgen forge new` renders from a Connect descriptor; their
// connectgen-template.json names that generator, so `connectgen new` does
// not offer them.
package templates

import "embed"

// FS holds every template tree. all: keeps dotfiles such as .gitignore.
//
//go:embed all:_ace all:bitbucket all:_jira-confluence all:jira all:confluence all:jira-service-desk all:_forge all:forge all:forge-remote
var FS embed.FS
