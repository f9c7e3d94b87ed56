package jsonkind

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestOf(t *testing.T) {
	n := 3
	for _, c := range []struct {
		v    any
		want Kind
	}{
		{"", String}, {0, Integer}, {int8(0), Integer}, {uint64(0), Integer}, {0.5, Number}, {float32(0), Number},
		{true, Bool}, {[]string{}, Array}, {[2]int{}, Array}, {struct{}{}, Object}, {map[string]int{}, Object},
		{&n, Integer}, {func() {}, Other}, {make(chan int), Other},
	} {
		if got := Of(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("Of(%T) = %d, want %d", c.v, got, c.want)
		}
	}
	if Of(nil) != Other {
		t.Error("Of(nil) is not Other")
	}
}

// The types encoding/json names in its errors are the ones Of sorts.
func TestOfUnmarshalTypeError(t *testing.T) {
	var v struct {
		N *int64            `json:"n"`
		S string            `json:"s"`
		L []string          `json:"l"`
		M map[string]string `json:"m"`
	}
	for body, want := range map[string]Kind{`{"n":"1"}`: Integer, `{"s":1}`: String, `{"l":"x"}`: Array, `{"m":[]}`: Object, `{"l":[1]}`: String} {
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(body), &v); !errors.As(err, &te) {
			t.Errorf("%s: %v, want an *json.UnmarshalTypeError", body, err)
		} else if got := Of(te.Type); got != want {
			t.Errorf("%s: kind %d, want %d", body, got, want)
		}
	}
}
