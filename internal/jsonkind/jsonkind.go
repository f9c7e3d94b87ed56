package jsonkind

import "reflect"

// Kind is a kind of JSON value.
type Kind uint8

// The kinds of JSON value a Go type decodes from.
const (
	Other   Kind = iota // none of these (an interface, a func, a channel), or no type at all
	String              // a string
	Integer             // a whole number: any int or uint type
	Number              // a number: float32, float64
	Bool                // true or false
	Array               // a slice or an array
	Object              // a struct or a map
)

// Of returns the kind of JSON value t decodes from, through any pointers; Other for a nil t.
func Of(t reflect.Type) Kind {
	if t == nil {
		return Other
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return String
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return Integer
	case reflect.Float32, reflect.Float64:
		return Number
	case reflect.Bool:
		return Bool
	case reflect.Slice, reflect.Array:
		return Array
	case reflect.Struct, reflect.Map:
		return Object
	}
	return Other
}
