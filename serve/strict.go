package serve

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"
)

// strictFields walks a body encoding/json has accepted and rejects what it lets through: a
// field given twice (encoding/json keeps the last; `{"text":"退货","text":null}` would be
// classified), a map's key too (vars) and a field name that is not exactly the API's (encoding/json folds case, and
// folds ſ to s). The fast path accepts neither, so only bodies it gave up on get here.
func strictFields(body []byte, t reflect.Type) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if e := strictValue(dec, t); e != nil {
		return e
	}
	return nil
}

// strictValue reads one value of type t from dec, checking the field names of every object
// that decodes into a struct.
func strictValue(dec *json.Decoder, t reflect.Type) *apiError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonError(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar (or null)
	}
	switch {
	case d == '{' && t.Kind() == reflect.Struct:
		fields := jsonFields(t)
		seen := make(map[string]bool, len(fields))
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return jsonError(err)
			}
			name, _ := tok.(string)
			if seen[name] {
				return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "field %q appears twice", name)
			}
			seen[name] = true
			ft, ok := fields[name]
			if !ok {
				return errf(fasthttp.StatusBadRequest, CodeUnknownField, "unknown field %q (field names are lower case, as documented)", name)
			}
			if e := strictValue(dec, ft); e != nil {
				return e
			}
		}
	case d == '{' && t.Kind() == reflect.Map:
		// vars: encoding/json keeps a key's last value, {"k":"1","k":"2"} silently "2"
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return jsonError(err)
			}
			key, _ := tok.(string)
			if seen[key] {
				return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "key %q appears twice in an object", key)
			}
			seen[key] = true
			if e := strictValue(dec, t.Elem()); e != nil {
				return e
			}
		}
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for dec.More() {
			if e := strictValue(dec, t.Elem()); e != nil {
				return e
			}
		}
	default: // a value this type does not look into
		for depth := 1; depth > 0; {
			tok, err := dec.Token()
			if err != nil {
				return jsonError(err)
			}
			if d, ok := tok.(json.Delim); ok {
				if d == '{' || d == '[' {
					depth++
				} else {
					depth--
				}
			}
		}
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	if err != nil {
		return jsonError(err)
	}
	return nil
}

// fieldCache maps a struct type to its JSON field names and types.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

func jsonFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = sf.Name
		}
		f[name] = sf.Type
	}
	fieldCache.Store(t, f)
	return f
}
