// Package jsonkind tells which kind of JSON value a Go type decodes from (encoding/json), so
// that an error message can say what a field wants in words rather than in Go's types.
//
//	var te *json.UnmarshalTypeError
//	if errors.As(err, &te) && jsonkind.Of(te.Type) == jsonkind.Integer { … "a whole number" … }
//
// It decides the kind once for the two places that word it: serve's API errors ("field
// \"msg_id\" must be a string") and train's problems with an operator's export ("field
// \"msgtime\" holds text in quotes, want a whole number"). Each keeps its own words for its
// readers. (internal/yamlnode names yaml.v3's types, which it has as text, not reflect.Types.)
package jsonkind
