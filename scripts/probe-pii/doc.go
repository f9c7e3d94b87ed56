// Command probe-pii checks a live `zhiyi serve` for personal data and secrets in its logs and
// answers (issue 18): it sends the inputs that leaked — HTTP requests the server cannot parse,
// with bodies full of personal data and an Authorization header; phones, ID and bank cards and
// e-mail addresses in every format customers write them (separators, +86, one digit at a time,
// Chinese numerals, "at/dot", 艾特/点) as msg_id, as X-Request-Id and as text (?debug=1); bad
// JSON; admin reloads of directories named with a phone — then reads the server's log and
// counts the leaks: a planted value (its digits in any script and grouping, the mailbox's
// domain, a name, an address), the admin token or the word Bearer anywhere in the log; a
// planted value in an answer's debug fields or X-Request-Id header. It prints each leak and
// their number, and exits 1 when there is any.
//
// Start a server of its own (on 127.0.0.1, at log level debug, with an admin token) and stop it
// with SIGTERM once done:
//
//	make model && go build -o bin/zhiyi ./cmd/zhiyi
//	go run ./scripts/probe-pii -zhiyi bin/zhiyi -model models/shop
//
// Or probe a server already running, reading the log it writes (stderr redirected to a file):
//
//	go run ./scripts/probe-pii -addr 127.0.0.1:8080 -logs /tmp/zhiyi.log -admin-token "$ZHIYI_ADMIN_TOKEN"
//
// The message echo of msg_id in an answer is the gateway's own id returned to it and is not
// counted; neither are error messages quoting a bad field name back to the client.
package main
