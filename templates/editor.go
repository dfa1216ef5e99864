package templates

import (
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/scaffold"
)

// EditorFiles are the descriptor's JSON schema and the VS Code setting
// that maps it to atlassian-connect.json, so editors check the descriptor
// as it is typed, by the same structural rules as connectgen validate.
// They are made by code (the schema is descriptor.Schema), and `new`
// passes them to scaffold.Render so they get the same checks as the
// template's files; the golden tree holds them too.
func EditorFiles() []scaffold.File {
	const settings = `{
  "json.schemas": [
    {
      "fileMatch": ["/atlassian-connect.json"],
      "url": "./.vscode/atlassian-connect.schema.json"
    }
  ]
}
`
	return []scaffold.File{
		{Path: ".vscode/atlassian-connect.schema.json", Content: descriptor.Schema(), Mode: 0o644},
		{Path: ".vscode/settings.json", Content: []byte(settings), Mode: 0o644},
	}
}
