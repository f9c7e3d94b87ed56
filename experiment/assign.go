package experiment

import "github.com/zhiyi-ai/zhiyi/index"

// Assignment is the answer a sender gets for an intent.
type Assignment struct {
	// Answer is the answer to send; nil when the Set does not know the intent (out of scope,
	// or a knowledge base other than the Set's).
	Answer *index.Answer
	// Experiment is the intent id when the intent is an experiment (two answers or more).
	Experiment string
	// Variant is the answer id when this message counts in the experiment's results; "" when
	// it does not: no experiment, an excluded sender, or a sender without an id. Record it in
	// the decision log as the decision's variant.
	Variant string
	// Gray means the answer is in its gray release: route the message as a suggestion to an
	// agent, never automatically.
	Gray bool
	// Excluded means the sender is excluded in the experiments file (the control, uncounted).
	Excluded bool
}

// Assign returns the answer sender gets for intentID: for an experiment, a variant chosen by a
// hash of the experiment id and the sender id by the variants' weights — the same on every
// replica and after every restart, so a customer keeps their variant; a stopped variant's
// senders are spread over the remaining variants by a second hash, everyone else keeps theirs.
// Excluded senders and senders without an id get the control (the first served answer when
// the control is stopped) and do not count. For an intent with one answer, that answer.
// Assign does not allocate.
func (s *Set) Assign(intentID, senderID string) Assignment {
	if s == nil {
		return Assignment{}
	}
	e := s.byIntent[intentID]
	if e == nil || e.fallback < 0 {
		return Assignment{}
	}
	if len(e.Variants) == 1 {
		v := &e.Variants[0]
		return Assignment{Answer: v.Answer, Gray: v.Gray}
	}
	if senderID == "" {
		v := &e.Variants[e.fallback]
		return Assignment{Answer: v.Answer, Experiment: e.ID, Gray: v.Gray}
	}
	if _, ok := s.excluded[senderID]; ok {
		v := &e.Variants[e.fallback]
		return Assignment{Answer: v.Answer, Experiment: e.ID, Gray: v.Gray, Excluded: true}
	}
	v := &e.Variants[e.pick(senderID)]
	return Assignment{Answer: v.Answer, Experiment: e.ID, Variant: v.ID, Gray: v.Gray}
}

// AssignSticky is Assign for a conversation that was already given variant previous of this
// experiment (remembered in the conversation, per customer): it keeps previous while that variant is
// served, so a change of weights in the experiments file does not switch a customer in the
// middle of a conversation. An unknown, stopped or empty previous gives Assign's answer.
func (s *Set) AssignSticky(intentID, senderID, previous string) Assignment {
	if s == nil || previous == "" || senderID == "" {
		return s.Assign(intentID, senderID)
	}
	e := s.byIntent[intentID]
	if e == nil || len(e.Variants) < 2 {
		return s.Assign(intentID, senderID)
	}
	if _, ok := s.excluded[senderID]; ok {
		return s.Assign(intentID, senderID)
	}
	for j := range e.Variants {
		if v := &e.Variants[j]; v.ID == previous && v.Served() {
			return Assignment{Answer: v.Answer, Experiment: e.ID, Variant: v.ID, Gray: v.Gray}
		}
	}
	return s.Assign(intentID, senderID)
}

// pick chooses a served variant for sender.
func (e *Experiment) pick(sender string) int {
	h := senderHash(e.ID, sender)
	j := e.cumIdx[search(e.cum, h)]
	if !e.Variants[j].Stopped {
		return j
	}
	return e.servedIdx[search(e.served, mix(h^rehash))]
}

// search returns the first i with h ≤ b[i]; the last bound is MaxUint64.
func search(b []uint64, h uint64) int {
	for i, x := range b {
		if h <= x {
			return i
		}
	}
	return len(b) - 1
}

// The assignment hash. It is part of the experiments' contract: changing any constant here
// moves customers between variants on upgrade. TestSenderHashStable pins it.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// rehash separates the second draw (a stopped variant's senders) from the first.
	rehash = 0x9e3779b97f4a7c15
)

// senderHash is FNV-1a over the experiment id, a 0xff separator (a byte that UTF-8 text never
// holds, so ("ab", "c") and ("a", "bc") differ) and the sender id, finished with MurmurHash3's
// 64-bit mix so that every output bit depends on every input bit (FNV alone leaves its high
// bits, which choose the variant, weakly mixed for ids that differ only at their end).
func senderHash(experiment, sender string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(experiment); i++ {
		h ^= uint64(experiment[i])
		h *= fnvPrime
	}
	h ^= 0xff
	h *= fnvPrime
	for i := 0; i < len(sender); i++ {
		h ^= uint64(sender[i])
		h *= fnvPrime
	}
	return mix(h)
}

// mix is MurmurHash3's fmix64 finaliser.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
