package templates

import (
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/scaffold"
)

// EditorFiles are the descriptor's JSON schema of the template's product
// and the VS Code setting that maps it to atlassian-connect.json, so
// editors check the descriptor as it is typed, by the same structural
// rules as connectgen validate. They are made by code (the schema is
// descriptor.SchemaFor), and `new` passes them to scaffold.Render so they
// get the same checks as the template's files; the golden tree holds them
// too.
func EditorFiles(template string) []scaffold.File {
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
		{Path: ".vscode/atlassian-connect.schema.json", Content: descriptor.SchemaFor(Product(template)), Mode: 0o644},
		{Path: ".vscode/settings.json", Content: []byte(settings), Mode: 0o644},
	}
}

// Product is the product whose descriptor rules and schema apply to a
// template's projects: jira-service-desk is Jira; a template that names
// no product (bitbucket, or one from outside) is Bitbucket.
func Product(template string) descriptor.Product {
	if p, err := descriptor.ParseProduct(template); err == nil {
		return p
	}
	return descriptor.DefaultProduct()
}
