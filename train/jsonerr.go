package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/zhiyi-ai/zhiyi/internal/jsonkind"
)

// jsonProblem says in an operator's words what is wrong with a JSON line that encoding/json
// refused: the field and the type it wants for a type error ("msgtime" holds text, want a whole
// number), where the JSON breaks for a syntax error, and what a whole JSON array is. Its errors
// name Go's types (train.exportLine, Go struct field exportLine.msgtime of type int64), which
// mean nothing to the operator and are not what to change.
func jsonProblem(err error, line []byte) error {
	if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '[' {
		return errors.New("a JSON array, not one message a line: write one JSON object a line (jq -c '.[]' export.json > export.jsonl)")
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("%s, not a JSON object: one object a line, {\"text\":…}", jsonValueWords(te.Value))
	case errors.As(err, &te):
		hint := ""
		switch k := jsonkind.Of(te.Type); {
		case te.Value == "string" && (k == jsonkind.Integer || k == jsonkind.Number):
			hint = ": write the number without quotes"
		case te.Value == "number" && k == jsonkind.String:
			hint = ": put it in quotes"
		}
		return fmt.Errorf("field %q holds %s, want %s%s", te.Field, jsonValueWords(te.Value), goTypeWords(te.Type), hint)
	case errors.As(err, &se) && se.Error() == "unexpected end of JSON input", errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the line ends inside its JSON object (cut short?)")
	case errors.As(err, &se):
		return fmt.Errorf("not valid JSON at byte %d: %s", se.Offset, se.Error())
	}
	return err
}

// jsonValueWords names a JSON value as encoding/json's UnmarshalTypeError.Value does.
func jsonValueWords(v string) string {
	switch v {
	case "string":
		return "text in quotes"
	case "number":
		return "a number"
	case "array":
		return "a list [...]"
	case "object":
		return "an object {...}"
	case "bool":
		return "true or false"
	}
	return v
}

// goTypeWords names the JSON value a field of type t decodes from, in an operator's words.
func goTypeWords(t reflect.Type) string {
	return operatorKindWords[jsonkind.Of(t)]
}

// operatorKindWords are the words of goTypeWords for each kind; what is none of them is
// named as an object.
var operatorKindWords = [...]string{
	jsonkind.Other:   "an object {...}",
	jsonkind.String:  "text in quotes",
	jsonkind.Integer: "a whole number",
	jsonkind.Number:  "a number",
	jsonkind.Bool:    "true or false",
	jsonkind.Array:   "a list [...]",
	jsonkind.Object:  "an object {...}",
}
