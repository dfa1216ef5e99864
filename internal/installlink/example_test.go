package installlink_test

import (
	"errors"
	"fmt"

	"github.com/connectgen/connectgen/internal/installlink"
)

func ExampleBuild() {
	link, err := installlink.Build(installlink.Options{
		DescriptorURI: "https://abc.ngrok.app/atlassian-connect.json",
		RedirectURI:   "https://abc.ngrok.app/welcome",
		BaseURL:       "https://abc.ngrok.app",
	})
	fmt.Println(link, err)

	_, err = installlink.Build(installlink.Options{DescriptorURI: "http://127.0.0.1:3000/atlassian-connect.json"})
	var re *installlink.RuleError
	if errors.As(err, &re) {
		fmt.Println(re.Rule, re.Param)
	}
	// Output:
	// https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fabc.ngrok.app%2Fatlassian-connect.json&redirect_uri=https%3A%2F%2Fabc.ngrok.app%2Fwelcome <nil>
	// descriptor-https descriptor_uri
}
