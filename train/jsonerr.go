package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
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
		if te.Value == "string" && (te.Type.Kind() == reflect.Int64 || te.Type.Kind() == reflect.Int || te.Type.Kind() == reflect.Pointer) {
			hint = ": write the number without quotes"
		}
		if te.Value == "number" && te.Type.Kind() == reflect.String {
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

// goTypeWords names the Go type a field decodes into as a JSON value.
func goTypeWords(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "text in quotes"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list [...]"
	}
	return "an object {...}"
}
