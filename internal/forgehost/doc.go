// Package forgehost plays Forge for a Bitbucket Forge app on this machine:
// it reads the app's manifest.yml, bundles its functions with esbuild as
// Forge's CLI does (imports without extensions, JSX, TypeScript), runs them
// in a Node 22 process with the app's own @forge/* packages, and answers
// what those packages ask of Forge's runtime: product calls
// (requestBitbucket, reaching the local REST stand-in with a Bearer token
// and refused when the manifest lacks the route's scope), fetch (refused
// for a host not in permissions.external.fetch), key-value storage and
// secrets per installation. It sends the app the events Bitbucket
// documents, lifecycle events, merge checks and resolver calls, applies
// Forge's limits, and reports each function's verdict (Simulate).
package forgehost
