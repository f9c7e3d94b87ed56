package experiment

import "testing"

// BenchmarkAssign is the hot path: one call per answered message of an experiment's intent.
func BenchmarkAssign(b *testing.B) {
	s := testSet(b, "version: 1\nexclude_senders: [wmBoss]\nstop: [size_advice.c]\n", nil)
	senders := make([]string, 1024)
	for i := range senders {
		senders[i] = "wmAbCdEfGh" + sender(i) // realistic length: 28 bytes
	}
	for _, bc := range []struct{ name, intent string }{
		{"two variants", "track_parcel"},
		{"three, one stopped", "size_advice"},
		{"single answer", "new_intent"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for i := 0; b.Loop(); i++ {
				if s.Assign(bc.intent, senders[i&1023]).Gray {
					n++
				}
			}
			_ = n
		})
	}
}
