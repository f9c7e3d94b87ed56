// Package tmpl owns answer placeholders: {{nickname}}, {{order_id|您的订单}} in a knowledge-base
// answer or a rule's answer, filled from optional request fields when the answer is served.
//
// It is its own small package because both kinds of answer use it (index parses the knowledge
// base's answers, rules its own) and it depends on nothing.
//
// # Syntax
//
//	{{name}}            the value of name, or nothing when it is absent or empty
//	{{name|fallback}}   the value of name, or fallback when it is absent or empty
//
// A name matches [a-z][a-z0-9_]* (at most 32 bytes); spaces inside the braces are allowed
// ({{ nickname | 亲 }}) and trimmed. A fallback is plain text without '{', '}' or '|'. Every
// "{{" in a template starts a placeholder and every "}}" must close one: a stray brace pair is a
// syntax error, found when the file is loaded (a *SyntaxError gives the byte offset).
//
// # Values
//
// A value comes from the request (a map of field names to strings) and goes into a chat message,
// so Fill sanitises it: control characters (C0, C1, DEL), zero-width characters, the BOM and
// bidirectional overrides are dropped, line breaks and tabs become one space, spaces collapse, the
// ends are trimmed, and the result is cut to MaxValueBytes at a character boundary. A value is
// inserted as text: "{{x}}" inside a value stays "{{x}}" and is never expanded. A value that is
// empty after sanitising counts as absent (the fallback is used).
//
// # Cost
//
// Parse runs once, when the file is loaded. Fill of a template without placeholders returns its
// text without allocating; otherwise it makes one string, the size of the result.
//
//	t, err := tmpl.Parse("{{nickname|亲}}，您的订单 {{order_id}} 已发货")
//	s := t.Fill(map[string]string{"order_id": "20261111"}) // 亲，您的订单 20261111 已发货
package tmpl
