package train

// links are each record's neighbours in its conversation: the customer's previous and next
// messages (record indices, -1 for none) and the agent's first reply to it ("" for none). A text
// said in several conversations (好的, 在吗) takes its first conversation's neighbours.
type links struct {
	prev, next []int
	reply      []string
}

func (d *imported) links() links {
	n := len(d.recs)
	l := links{prev: make([]int, n), next: make([]int, n), reply: make([]string, n)}
	seen := make([]bool, n)
	for i := range l.prev {
		l.prev[i], l.next[i] = -1, -1
	}
	for _, c := range d.convs {
		last := -1
		for ti, t := range c.turns {
			if t.rec < 0 {
				continue
			}
			if seen[t.rec] {
				last = -1 // a repeated text: its own first conversation holds its links
				continue
			}
			seen[t.rec] = true
			l.prev[t.rec] = last
			if last >= 0 {
				l.next[last] = t.rec
			}
			last = t.rec
			for _, a := range c.turns[ti+1:] {
				if a.rec >= 0 {
					break
				}
				l.reply[t.rec] = a.text
				break
			}
		}
	}
	return l
}
