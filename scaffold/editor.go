package scaffold

import "github.com/connectgen/connectgen/internal/descriptor"

// EditorFiles are the descriptor's JSON schema of the template's product
// and the VS Code setting that maps it to atlassian-connect.json, so
// editors check the descriptor as it is typed, by the same structural
// rules as connectgen validate. They are made by code (the schema is
// descriptor.SchemaFor), and `new` passes them to Render so they get the
// same checks as the template's files; the golden tree holds them too.
func EditorFiles(template string) []File {
	const settings = `{
  "json.schemas": [
    {
      "fileMatch": ["/atlassian-connect.json"],
      "url": "./.vscode/atlassian-connect.schema.json"
    }
  ]
}
`
	return []File{
		{Path: ".vscode/atlassian-connect.schema.json", Content: descriptor.SchemaFor(TemplateProduct(template)), Mode: 0o644},
		{Path: ".vscode/settings.json", Content: []byte(settings), Mode: 0o644},
	}
}

// TemplateProduct is the product whose descriptor rules and schema apply
// to a template's projects: jira-service-desk is Jira; a template that
// names no product (bitbucket, or one from outside) is Bitbucket.
func TemplateProduct(template string) descriptor.Product {
	if p, err := descriptor.ParseProduct(template); err == nil {
		return p
	}
	return descriptor.DefaultProduct()
}
