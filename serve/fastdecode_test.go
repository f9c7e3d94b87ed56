package serve

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestFastFieldsMatchRequest keeps the fast decoder's field lists in step with intent.Request.
func TestFastFieldsMatchRequest(t *testing.T) {
	var tags []string
	rt := reflect.TypeFor[intent.Request]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "-" && name != "" {
			tags = append(tags, name)
		}
	}
	got := slices.Concat(fastRequestFields, slowRequestFields)
	slices.Sort(got)
	slices.Sort(tags)
	if !slices.Equal(got, tags) {
		t.Fatalf("fast decoder knows %v, intent.Request has %v: update fastScanner.request", got, tags)
	}
}

var fastSeeds = []string{
	`{"text":"东西不要了怎么寄回去","msg_id":"m1","sender_id":"wm1","channel":"wecom","chat_id":"c","sent_at":1730000000000}`,
	` { "text" : "a" , "sent_at" : -12 } `,
	`{"text":"\u4e1c\u897f\ud83d\ude00 \ud800 \udc00x \ud83d\u0041","msg_id":"\"\\\/\b\f\n\r\t"}`,
	`{"text":"a","text":"b"}`,
	`{"text":null,"msg_id":null,"sent_at":null}`,
	`{"text":"a","sent_at":1.5}`,
	`{"text":"a","sent_at":1e3}`,
	`{"text":"a","sent_at":01}`,
	`{"text":"a","sent_at":-0}`,
	`{"text":"a","sent_at":99999999999999999999}`,
	`{"Text":"a"}`,
	`{"text":"a","x":1}`,
	`{"text":"a"} x`,
	`{}`, `[]`, `null`, `{"text":1}`, `{"text":"a",}`, `{"text":"\x01"}`, `{"text":"\u00zz"}`,
	`{"messages":[{"text":"a"},{"text":"b","msg_id":"2"}]}`,
	`{"messages":[]}`, `{"messages":null}`, `{"messages":[null]}`, `{"messages":[{"text":"a"}],"messages":[{"msg_id":"b"}]}`,
	`{"messages":[{"text":"a"}] }  `, `{"messages":{}}`, `{"Messages":[]}`,
	`{"text":"\u0000\u00e9\u4E1C\/"}`, `{"te\u0078t":"a"}`, `{"text":"a\"b\\"}`, `{"text":"a\x"}`, `{"text":"a\`,
	`{"sent_at":-9223372036854775808}`, `{"sent_at":9223372036854775807}`, `{"sent_at":9223372036854775808}`,
	`{"sent_at":-9223372036854775809}`, `{"sent_at":18446744073709551616}`, `{"sent_at":1 }`, `{"sent_at":-}`,
	`{"sent_at":1.}`, `{"sent_at":"1"}`, `{"text":true}`, `{"messages":[{"text":"a"},null]}`, `{"messages":[,]}`,
	`{"messages":[{"text":"a"},]}`, ``, ` `, `{`, `{"text"}`, `{"text":}`, `{"text":"a" "msg_id":"b"}`, `nul`,
	"{\"text\":\"a\"}\n", "\t{\r\n\"text\"\t:\"a\"}",
	`{"text":"a","open_kfid":"wk1","agent_id":"zhangwei","tags":["vip"],"dept_ids":["2"],"vars":{"nickname":"小王"}}`,
}

func FuzzFastDecode(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !utf8.Valid(body) {
			return // decodeBody rejects these before either decoder runs
		}
		var fast intent.Request
		if fastDecodeRequest(body, &fast) {
			var slow intent.Request
			if err := slowDecode(body, &slow); err != nil {
				t.Fatalf("fast path accepted %q, encoding/json: %v", body, err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%q: fast %+v, encoding/json %+v", body, fast, slow)
			}
		}
		var fb BatchRequest
		if fastDecodeBatch(body, &fb) {
			var sb BatchRequest
			if err := slowDecode(body, &sb); err != nil {
				t.Fatalf("fast path accepted batch %q, encoding/json: %v", body, err)
			}
			if !reflect.DeepEqual(fb, sb) {
				t.Fatalf("%q: fast %+v, encoding/json %+v", body, fb, sb)
			}
		}
	})
}

func slowDecode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return json.Unmarshal([]byte("x"), v) // any error: trailing data
	}
	return nil
}

func TestFastDecodeTakesCommonShapes(t *testing.T) {
	var r intent.Request
	if !fastDecodeRequest([]byte(fastSeeds[0]), &r) || r.SentAt != 1730000000000 || r.Text != "东西不要了怎么寄回去" {
		t.Fatalf("fast path missed the common shape: %+v", r)
	}
	// Escaped surrogates go to encoding/json, which decodes them the API's way.
	if r = (intent.Request{}); fastDecodeRequest([]byte(fastSeeds[2]), &r) {
		t.Fatalf("fast path took escaped surrogates: %q", r.Text)
	}
	if err := decodeBody([]byte(fastSeeds[2]), &r); err != nil || r.Text != "东西😀 \ufffd \ufffdx \ufffdA" {
		t.Fatalf("escapes: %q, %v", r.Text, err)
	}
	var b BatchRequest
	if !fastDecodeBatch([]byte(fastSeeds[20]), &b) || len(b.Messages) != 2 || b.Messages[1].MsgID != "2" {
		t.Fatalf("batch: %+v", b)
	}
}
